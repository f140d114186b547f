#version 450
// KV-cache append: k and v of the current chunk [tokens, kv_heads, head_dim] f32
// are stored at rows base[t] + pos[t] of the caches [sequences * max_pos, kv_heads,
// head_dim], element type f16 or f32 (D_*), rounded to nearest even. Tokens at
// pos >= max_pos are skipped. Places: pos[t] then base[t] = pos[tokens + t].
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint tokens; uint row; uint max_pos; } p;  // row = kv_heads * head_dim
layout(binding = 0) readonly buffer K { float k[]; };
layout(binding = 1) readonly buffer V { float v[]; };
layout(binding = 2) readonly buffer Pos { uint pos[]; };
layout(binding = 3) writeonly buffer KC { D_T kc[]; };
layout(binding = 4) writeonly buffer VC { D_T vc[]; };

void main() {
  const uint id = linear_workgroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (id >= p.tokens * p.row) return;
  const uint t = id / p.row, i = id % p.row;
  const uint at = pos[t];
  if (at >= p.max_pos) return;
  const uint dst = (pos[p.tokens + t] + at) * p.row + i;
  kc[dst] = D_STORE(k[id]);
  vc[dst] = D_STORE(v[id]);
}
