#version 450
#extension GL_GOOGLE_include_directive : require
// d[i] = a[i] OP b[i], computed in f32; a, b and d share one dtype (A_*/D_*).
#include "types.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint n; } p;
layout(binding = 0) readonly buffer A { A_T a[]; };
layout(binding = 1) readonly buffer B { A_T b[]; };
layout(binding = 2) writeonly buffer D { D_T d[]; };

// PER_THREAD elements a workgroup-width apart per thread: coalesced, with that
// many loads in flight.
const uint PER_THREAD = 4;

void main() {
  uint wg = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  uint base = wg * gl_WorkGroupSize.x * PER_THREAD + gl_LocalInvocationID.x;
  A_T x[PER_THREAD], y[PER_THREAD];
  for (uint j = 0; j < PER_THREAD; ++j) {
    uint i = base + j * gl_WorkGroupSize.x;
    if (i < p.n) {
      x[j] = a[i];
      y[j] = b[i];
    }
  }
  for (uint j = 0; j < PER_THREAD; ++j) {
    uint i = base + j * gl_WorkGroupSize.x;
#if defined(OP_ADD)
    if (i < p.n) d[i] = D_STORE(A_LOAD(x[j]) + A_LOAD(y[j]));
#elif defined(OP_MUL)
    if (i < p.n) d[i] = D_STORE(A_LOAD(x[j]) * A_LOAD(y[j]));
#endif
  }
}
