#version 450
#extension GL_GOOGLE_include_directive : require
// y[r, j] = x[r, perm[j]] over rows of k (f32): a GPTQ act-order weight stores its
// columns sorted by group, and its input is gathered into the same order.
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint total; uint k; } p;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer P { uint perm[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };

void main() {
  const uint i = linear_workgroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i >= p.total) return;
  const uint r = i / p.k, j = i % p.k;
  y[i] = x[r * p.k + perm[j]];
}
