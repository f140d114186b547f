#version 450
#extension GL_GOOGLE_include_directive : require
// d[i] = convert(a[i]) between f32, f16 and bf16 (A_* source, D_* destination).
#include "types.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint n; } p;
layout(binding = 0) readonly buffer A { A_T a[]; };
layout(binding = 1) writeonly buffer D { D_T d[]; };

// Each thread handles PER_THREAD elements a workgroup-width apart: coalesced, and
// that many loads in flight per thread (one is too few to cover memory latency).
const uint PER_THREAD = 4;

void main() {
  // 2D grid so that n may exceed 65535 workgroups in x.
  uint wg = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  uint base = wg * gl_WorkGroupSize.x * PER_THREAD + gl_LocalInvocationID.x;
  A_T v[PER_THREAD];
  for (uint j = 0; j < PER_THREAD; ++j) {
    uint i = base + j * gl_WorkGroupSize.x;
    if (i < p.n) v[j] = a[i];
  }
  for (uint j = 0; j < PER_THREAD; ++j) {
    uint i = base + j * gl_WorkGroupSize.x;
    if (i < p.n) d[i] = D_STORE(A_LOAD(v[j]));
  }
}
