#version 450
// Y[t, n] = sum_k X[t, k] * W[n, k] for prefill: X [T, K] f32 activations, W [N, K]
// row-major in f32/f16/bf16 (A_*), Y [T, N] f32, fp32 accumulation. A workgroup of
// 16 x 16 threads computes a 64 x 64 tile of Y (4 x 4 per thread), walking K in
// steps of 16 through shared memory. Every edge is bounds-checked, so no shape
// needs to be a multiple of a tile.
#extension GL_GOOGLE_include_directive : require
// With QUANT, W is a quantized weight (engine/base/quant.h), dequantized as the
// tiles are loaded into shared memory.
#include "types.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };
#ifdef QUANT
layout(constant_id = 3) const uint QFMT = 4u;
layout(constant_id = 4) const uint QGROUP = 32u;
layout(push_constant) uniform Push { uint t; uint n; uint k; uint row_words; uint scale_word; uint zero_byte; } p;
layout(binding = 1) readonly buffer W { uint wq[]; };
#include "quant.glsl"
#define W_AT(row, col) qload1(row, RowGeom(p.row_words, p.scale_word, p.zero_byte), col)
#else
layout(push_constant) uniform Push { uint t; uint n; uint k; } p;
layout(binding = 1) readonly buffer W { A_T w[]; };
#define W_AT(row, col) A_LOAD(w[(row) * p.k + (col)])
#endif

const uint TILE = 64, BK = 16, PER = 4;  // PER x PER outputs per thread
shared float xs[TILE][BK + 1];  // +1: no bank conflicts on the transposed reads
shared float ws[TILE][BK + 1];

void main() {
  const uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  const uint tid = ty * 16 + tx;
  const uint t0 = gl_WorkGroupID.y * TILE, n0 = gl_WorkGroupID.x * TILE;
  float acc[PER][PER];
  for (uint i = 0; i < PER; ++i)
    for (uint j = 0; j < PER; ++j) acc[i][j] = 0.0;

  for (uint k0 = 0; k0 < p.k; k0 += BK) {
    // 256 threads load 64 x 16 of X and of W: 4 elements each.
    for (uint e = tid; e < TILE * BK; e += 256) {
      uint r = e / BK, c = e % BK;
      uint gk = k0 + c;
      uint gt = t0 + r, gn = n0 + r;
      xs[r][c] = (gt < p.t && gk < p.k) ? x[gt * p.k + gk] : 0.0;
      ws[r][c] = (gn < p.n && gk < p.k) ? W_AT(gn, gk) : 0.0;
    }
    barrier();
    for (uint c = 0; c < BK; ++c) {
      float a[PER], b[PER];
      for (uint i = 0; i < PER; ++i) a[i] = xs[ty + 16 * i][c];
      for (uint j = 0; j < PER; ++j) b[j] = ws[tx + 16 * j][c];
      for (uint i = 0; i < PER; ++i)
        for (uint j = 0; j < PER; ++j) acc[i][j] += a[i] * b[j];
    }
    barrier();
  }
  for (uint i = 0; i < PER; ++i)
    for (uint j = 0; j < PER; ++j) {
      uint gt = t0 + ty + 16 * i, gn = n0 + tx + 16 * j;
      if (gt < p.t && gn < p.n) y[gt * p.n + gn] = acc[i][j];
    }
}
