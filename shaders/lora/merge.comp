#version 450
#extension GL_GOOGLE_include_directive : require
// A LoRA factor pair against a Linear weight, one workgroup per output row o:
//   V[o, :] = W[o, :] + B[o, :] A        (B already times the adapter's scale)
// MODE 0: D = V (merge); 1: D = m[o] / ||V[o, :]|| * V (DoRA merge);
// 2: f[o] = m[o] / ||V[o, :]|| and W is left as it is (DoRA applied at run time).
// W in A_*, D in D_*: the same buffer for a merge in place, an f32 one to widen.
// Each thread keeps its elements' order of operations, so the norm is exact up
// to the order of the workgroup's f32 sum.
#include "types.glsl"
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = 0;
layout(push_constant) uniform Push { uint rows; uint cols; uint rank; } p;
layout(binding = 0) readonly buffer W { A_T w[]; };         // [rows, cols]
layout(binding = 1) readonly buffer LA { float la[]; };     // [rank, cols]
layout(binding = 2) readonly buffer LB { float lb[]; };     // [rows, rank]
layout(binding = 3) readonly buffer M { float m[]; };       // [rows] (MODE 1, 2)
layout(binding = 4) writeonly buffer D { D_T d[]; };        // [rows, cols] (MODE 0, 1)
layout(binding = 5) writeonly buffer F { float f[]; };      // [rows] (MODE 2)

shared float partial[1024];

float merged(uint o, uint i) {
  float v = A_LOAD(w[o * p.cols + i]);
  for (uint j = 0; j < p.rank; ++j) v += lb[o * p.rank + j] * la[j * p.cols + i];
  return v;
}

void main() {
  const uint o = linear_workgroup();
  if (o >= p.rows) return;  // uniform per workgroup
  const uint t = gl_LocalInvocationID.x, n = gl_WorkGroupSize.x;
  float scale = 1.0;
  if (MODE != 0) {
    float ss = 0.0;
    for (uint i = t; i < p.cols; i += n) {
      const float v = merged(o, i);
      ss += v * v;
    }
    partial[t] = ss;
    barrier();
    for (uint s = n / 2; s > 0; s >>= 1) {
      if (t < s) partial[t] += partial[t + s];
      barrier();
    }
    scale = m[o] / sqrt(partial[0]);
    if (MODE == 2) {
      if (t == 0) f[o] = scale;
      return;
    }
  }
  for (uint i = t; i < p.cols; i += n) d[o * p.cols + i] = D_STORE(scale * merged(o, i));
}
