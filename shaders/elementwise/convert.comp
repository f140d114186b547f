#version 450
#extension GL_GOOGLE_include_directive : require
// d[i] = convert(a[i]) between f32, f16 and bf16 (A_* source, D_* destination).
#include "types.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint n; } p;
layout(binding = 0) readonly buffer A { A_T a[]; };
layout(binding = 1) writeonly buffer D { D_T d[]; };

void main() {
  // 2D grid so that n may exceed 65535 workgroups in x.
  uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x +
           gl_LocalInvocationID.x;
  if (i < p.n) d[i] = D_STORE(A_LOAD(a[i]));
}
