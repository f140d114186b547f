#version 450
// Rotary position embedding as transformers applies it: within each head the
// pairs are (i, i + rot/2) for i < rot/2 ("rotate_half"), dimensions past `rot`
// are left as they are. x [tokens, heads, head_dim] f32, rotated in place.
// cos/sin come from a table [max_pos, rot/2] computed on the host in double
// (every scaling type is in the table), indexed by each token's position.
#extension GL_GOOGLE_include_directive : require
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint tokens; uint heads; uint head_dim; uint rot; uint max_pos; } p;
layout(binding = 0) buffer X { float x[]; };
layout(binding = 1) readonly buffer Pos { uint pos[]; };
layout(binding = 2) readonly buffer Cos { float cos_t[]; };
layout(binding = 3) readonly buffer Sin { float sin_t[]; };

void main() {
  const uint half_rot = p.rot / 2;
  const uint id = linear_workgroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (id >= p.tokens * p.heads * half_rot) return;
  const uint i = id % half_rot;
  const uint th = id / half_rot;  // token * heads + head
  const uint t = th / p.heads;
  const uint at = min(pos[t], p.max_pos - 1) * half_rot + i;  // positions are checked on the host
  const float c = cos_t[at], s = sin_t[at];
  const uint o = th * p.head_dim + i;
  const float a = x[o], b = x[o + half_rot];
  x[o] = a * c - b * s;
  x[o + half_rot] = b * c + a * s;
}
