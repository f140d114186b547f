#version 450
// y[i] = sum over s of part[s * count + i]: the partial sums of a split-K matmul
// (matmul_coopmat.comp) added in split order.
#extension GL_GOOGLE_include_directive : require
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint count; uint splits; } p;
layout(binding = 0) readonly buffer Part { float part[]; };
layout(binding = 1) writeonly buffer Y { float y[]; };

void main() {
  const uint i = linear_workgroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i >= p.count) return;
  float s = 0.0;
  for (uint z = 0; z < p.splits; ++z) s += part[z * p.count + i];
  y[i] = s;
}
