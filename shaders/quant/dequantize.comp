#version 450
#extension GL_GOOGLE_include_directive : require
// A quantized weight [n, k] (engine/base/quant.h) dequantized into f32 or f16 (D_*)
// [n, k]: eight consecutive weights a thread, decoded as the matmuls decode them
// (quant.glsl qload8), so that a prompt's product can run on the float kernels: the
// f16 copy rounds each weight as the tensor-core path's shared memory does.
#include "types.glsl"
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 3) const uint QFMT = 4u;
layout(constant_id = 4) const uint QGROUP = 32u;

layout(push_constant) uniform Push { uint n; uint k; uint row_words; uint scale_word; uint zero_byte; } p;
layout(binding = 0) readonly buffer W { uint wq[]; };
layout(binding = 1) writeonly buffer D { D_T d[]; };

#include "quant.glsl"

void main() {
  const uint id = linear_workgroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  const uint per_row = p.k / 8u;
  if (id >= p.n * per_row) return;
  const uint row = id / per_row, c0 = (id % per_row) * 8u;
  vec4 lo, hi;
  qload8(row, RowGeom(p.row_words, p.scale_word, p.zero_byte), c0, lo, hi);
  const uint at = row * p.k + c0;
  for (uint j = 0u; j < 4u; ++j) {
    d[at + j] = D_STORE(lo[j]);
    d[at + 4u + j] = D_STORE(hi[j]);
  }
}
