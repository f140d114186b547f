#version 450
// The gated MLP activation: y[r, i] = act(g[r, i]) * u[r, i] with act SiLU
// (ACT_SILU) or GELU with the tanh approximation (ACT_GELU_TANH). g and u are
// read at row stride `stride` and u at column offset `up_offset`, so Phi-3's
// fused gate_up output [rows, 2n] is bound twice with up_offset = n.
#extension GL_GOOGLE_include_directive : require
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint rows; uint n; uint stride; uint up_offset; } p;
layout(binding = 0) readonly buffer G { float g[]; };
layout(binding = 1) readonly buffer U { float u[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };

void main() {
  const uint id = linear_workgroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (id >= p.rows * p.n) return;
  const uint r = id / p.n, i = id % p.n;
  const float a = g[r * p.stride + i];
  const float b = u[r * p.stride + p.up_offset + i];
#if defined(ACT_SILU)
  const float act = a / (1.0 + exp(-a));
#elif defined(ACT_GELU_TANH)
  // 0.5 a (1 + tanh z) written as a / (1 + exp(-2z)): no cancellation for a << 0.
  const float z = 0.7978845608028654 * (a + 0.044715 * a * a * a);
  const float act = a / (1.0 + exp(-2.0 * z));
#endif
  y[r * p.n + i] = act * b;
}
