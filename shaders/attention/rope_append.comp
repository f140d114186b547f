#version 450
// Rotary embedding of q and k fused with the KV-cache append (one dispatch and one
// barrier fewer per layer than rope, rope, kv_append): q [tokens, heads, head_dim]
// f32 is rotated into qr; k [tokens, kv_heads, head_dim] is rotated and stored,
// with v as it is, at rows base[t] + pos[t] of the caches (element type D_*,
// rounded to nearest even); tokens at pos >= max_pos store nothing. The rotation is
// rope.comp's (pairs (i, i + rot/2), dimensions past rot copied; cos/sin from a
// table [rope_rows, rot/2]), the store kv_append.comp's. One thread per element of
// q and of k; a k thread also stores its v element. Places: pos[t] then base[t] =
// pos[tokens + t].
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push {
  uint tokens;
  uint heads;
  uint kv_heads;
  uint head_dim;
  uint rot;
  uint rope_rows;  // rows of the cos/sin table
  uint max_pos;    // rows of the cache per sequence
} p;
layout(binding = 0) readonly buffer Q { float q[]; };
layout(binding = 1) readonly buffer K { float k[]; };
layout(binding = 2) readonly buffer V { float v[]; };
layout(binding = 3) readonly buffer Pos { uint pos[]; };
layout(binding = 4) readonly buffer Cos { float cos_t[]; };
layout(binding = 5) readonly buffer Sin { float sin_t[]; };
layout(binding = 6) writeonly buffer QR { float qr[]; };
layout(binding = 7) writeonly buffer KC { D_T kc[]; };
layout(binding = 8) writeonly buffer VC { D_T vc[]; };

// Element j of a head (j < rot), a, with its pair `other`, rotated at token t's position.
float rotate(float a, float other, uint j, uint t) {
  const uint half_rot = p.rot / 2u;
  const bool first = j < half_rot;
  const uint c = min(pos[t], p.rope_rows - 1u) * half_rot + (first ? j : j - half_rot);
  return first ? a * cos_t[c] - other * sin_t[c] : a * cos_t[c] + other * sin_t[c];
}

void main() {
  const uint id = linear_workgroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  const uint qrow = p.heads * p.head_dim, krow = p.kv_heads * p.head_dim, h = p.rot / 2u;
  if (id >= p.tokens * (qrow + krow)) return;
  const uint t = id / (qrow + krow), e = id % (qrow + krow);
  if (e < qrow) {
    const uint at = t * qrow + e, j = e % p.head_dim;
    qr[at] = j < p.rot ? rotate(q[at], j < h ? q[at + h] : q[at - h], j, t) : q[at];
    return;
  }
  const uint i = e - qrow, at = t * krow + i, j = i % p.head_dim;
  const float r = j < p.rot ? rotate(k[at], j < h ? k[at + h] : k[at - h], j, t) : k[at];
  if (pos[t] >= p.max_pos) return;
  const uint dst = (pos[p.tokens + t] + pos[t]) * krow + i;
  kc[dst] = D_STORE(r);
  vc[dst] = D_STORE(v[at]);
}
