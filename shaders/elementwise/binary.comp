#version 450
#extension GL_GOOGLE_include_directive : require
// d[i] = a[i] OP b[i], computed in f32; a, b and d share one dtype (A_*/D_*).
#include "types.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint n; } p;
layout(binding = 0) readonly buffer A { A_T a[]; };
layout(binding = 1) readonly buffer B { A_T b[]; };
layout(binding = 2) writeonly buffer D { D_T d[]; };

void main() {
  uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x +
           gl_LocalInvocationID.x;
  if (i >= p.n) return;
  float x = A_LOAD(a[i]), y = A_LOAD(b[i]);
#if defined(OP_ADD)
  d[i] = D_STORE(x + y);
#elif defined(OP_MUL)
  d[i] = D_STORE(x * y);
#endif
}
