#version 450
// y[r, i] = x[r, i] / sqrt(mean_i(x[r, i]^2) + eps) * w[i], one workgroup per row,
// x and y f32 (may be the same buffer), w in f32/f16/bf16 (A_*). With ADD_ONE the
// weight is stored as w - 1 (Gemma) and 1 + w multiplies. Also the per-head q/k
// norms: rows = tokens x heads, n = head_dim.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "types.glsl"
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ADD_ONE = 0;
layout(constant_id = 2) const uint MAX_SUBGROUPS = 32;

layout(push_constant) uniform Push { uint rows; uint n; float eps; } p;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer W { A_T w[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };

shared float partial[MAX_SUBGROUPS];

void main() {
  const uint row = linear_workgroup();
  if (row >= p.rows) return;  // uniform over the workgroup
  const uint base = row * p.n;
  float ss = 0.0;
  for (uint i = gl_LocalInvocationID.x; i < p.n; i += gl_WorkGroupSize.x) {
    float v = x[base + i];
    ss += v * v;
  }
  ss = subgroupAdd(ss);
  if (subgroupElect()) partial[gl_SubgroupID] = ss;
  barrier();
  float total = 0.0;
  for (uint s = 0; s < gl_NumSubgroups; ++s) total += partial[s];
  const float scale = inversesqrt(total / float(p.n) + p.eps);
  for (uint i = gl_LocalInvocationID.x; i < p.n; i += gl_WorkGroupSize.x) {
    float wi = A_LOAD(w[i]);
    if (ADD_ONE == 1) wi += 1.0;
    y[base + i] = x[base + i] * scale * wi;
  }
}
