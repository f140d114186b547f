#version 450
#extension GL_GOOGLE_include_directive : require
// x[r, i] += b[i] in place: x [rows, n] f32, b [n] in f32/f16/bf16 (A_*); the
// q/k/v biases of Qwen2 and any Linear with a bias.
#include "types.glsl"
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint total; uint n; } p;
layout(binding = 0) buffer X { float x[]; };
layout(binding = 1) readonly buffer B { A_T b[]; };

void main() {
  const uint i = linear_workgroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i < p.total) x[i] += A_LOAD(b[i % p.n]);
}
