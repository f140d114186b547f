#version 450
// y[t, i] = table[ids[t], i] * scale: the token embedding gather, table [vocab,
// hidden] in f32/f16/bf16 (A_*), y f32. Ids are checked against the vocabulary on
// the host; the clamp only keeps a bad id from reading outside the table.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint tokens; uint hidden; uint vocab; float scale; } p;
layout(binding = 0) readonly buffer Ids { uint ids[]; };
layout(binding = 1) readonly buffer T { A_T table[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };

void main() {
  const uint id = linear_workgroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (id >= p.tokens * p.hidden) return;
  const uint t = id / p.hidden, i = id % p.hidden;
  const uint row = min(ids[t], p.vocab - 1);
  y[id] = A_LOAD(table[row * p.hidden + i]) * p.scale;
}
