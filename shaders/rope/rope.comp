#version 450
// Rotary position embedding as transformers applies it: within each head the
// pairs are (i, i + rot/2) for i < rot/2 ("rotate_half"), dimensions past `rot`
// are copied as they are. x [tokens, heads, head_dim] f32 in, y the same shape out
// (not in place: one thread per output element reads its pair from x).
// cos/sin come from a table [max_pos, rot/2] computed on the host in double
// (every scaling type is in the table), indexed by each token's position.
#extension GL_GOOGLE_include_directive : require
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint tokens; uint heads; uint head_dim; uint rot; uint max_pos; } p;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer Pos { uint pos[]; };
layout(binding = 2) readonly buffer Cos { float cos_t[]; };
layout(binding = 3) readonly buffer Sin { float sin_t[]; };
layout(binding = 4) writeonly buffer Y { float y[]; };

void main() {
  const uint half_rot = p.rot / 2;
  const uint id = linear_workgroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (id >= p.tokens * p.heads * p.head_dim) return;
  const uint j = id % p.head_dim;
  if (j >= p.rot) {
    y[id] = x[id];
    return;
  }
  const uint t = id / (p.head_dim * p.heads);
  const bool first = j < half_rot;
  const uint i = first ? j : j - half_rot;
  const uint at = min(pos[t], p.max_pos - 1) * half_rot + i;  // positions are checked on the host
  const float c = cos_t[at], s = sin_t[at];
  // first half: a c - b s; second half: b c + a s, with a = x[i], b = x[i + rot/2].
  const float other = first ? x[id + half_rot] : x[id - half_rot];
  y[id] = first ? x[id] * c - other * s : x[id] * c + other * s;
}
