#version 450
#extension GL_GOOGLE_include_directive : require
// An unmerged LoRA's product u = B (A x) joined to the base's y = W x, in place,
// y and u [rows, n] f32: MODE 0 y += u; MODE 1 (DoRA) y = f[col] * (y + u),
// f [n] = m / ||W + scale B A||_row (lora/merge.comp MODE 2).
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = 0;
layout(push_constant) uniform Push { uint total; uint n; } p;
layout(binding = 0) buffer Y { float y[]; };
layout(binding = 1) readonly buffer U { float u[]; };
layout(binding = 2) readonly buffer F { float f[]; };

void main() {
  const uint i = linear_workgroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i >= p.total) return;
  const float v = y[i] + u[i];
  y[i] = MODE == 1 ? f[i % p.n] * v : v;
}
