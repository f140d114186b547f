#version 450
// Logit soft-capping (Gemma 2): x = cap * tanh(x / cap), in place, f32.
#extension GL_GOOGLE_include_directive : require
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint n; float cap; } p;
layout(binding = 0) buffer X { float x[]; };

float safe_tanh(float v) {
  float e = exp(2.0 * clamp(v, -15.0, 15.0));
  return (e - 1.0) / (e + 1.0);
}

void main() {
  const uint i = linear_workgroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i < p.n) x[i] = p.cap * safe_tanh(x[i] / p.cap);
}
