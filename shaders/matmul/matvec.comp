#version 450
#extension GL_GOOGLE_include_directive : require
// y[c, n] = sum_k W[n, k] * x[c, k] for COLS input vectors (a batched decode step
// reads each weight once for all of them): W [N, K] row-major in f32, f16 or bf16
// (A_*), x [COLS, K] and y [COLS, N] f32, fp32 accumulation. A workgroup computes
// ROWS rows; its threads stride over k, then reduce per subgroup and across
// subgroups through shared memory.
// With VEC=1 (K a multiple of 8, or of 4 for f32) W is read 16 bytes at a time.
// With RESIDUAL, y = W x + r: a residual add fused into the projection before it.
// With GATED, y = act(W x) * (U x) for a second weight U of W's shape (a gated MLP's
// gate and up projections and its activation in one pass): a workgroup's ROWS rows
// of each, ACT 0 SiLU or 1 GELU (tanh form), as activation/gated.comp computes them.
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "types.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ROWS = 4;
layout(constant_id = 2) const uint VEC = 1;
layout(constant_id = 3) const uint MAX_SUBGROUPS = 32;
layout(constant_id = 4) const uint UNROLL = 4;
layout(constant_id = 5) const uint COLS = 1;

layout(push_constant) uniform Push { uint n; uint k; } p;
layout(binding = 0) readonly buffer W { A_T w[]; };
layout(binding = 0) readonly buffer W4 { uvec4 w4[]; };
layout(binding = 1) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer X4 { vec4 x4[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };
#ifdef RESIDUAL
layout(binding = 3) readonly buffer R { float r[]; };
#endif
#ifdef GATED
layout(constant_id = 6) const uint ACT = 0;
layout(binding = 3) readonly buffer U { A_T u[]; };
layout(binding = 3) readonly buffer U4 { uvec4 u4[]; };
const uint MATS = 2;  // W (gate) then U (up)
#else
const uint MATS = 1;
#endif

// Sums [m][r][c] of matrix m, row r, input c at (m * ROWS + r) * COLS + c.
shared float partial[MATS * ROWS * COLS][MAX_SUBGROUPS];

uvec4 load4(uint m, uint at) {
#ifdef GATED
  if (m == 1) return u4[at];
#endif
  return w4[at];
}
float load1(uint m, uint at) {
#ifdef GATED
  if (m == 1) return A_LOAD(u[at]);
#endif
  return A_LOAD(w[at]);
}

// One 16-byte vector of W holds PER_VEC weights, unpacked once into WV and dotted
// with the matching slice XV of each input vector.
#if defined(A_F32)
const uint PER_VEC = 4;
#define XV vec4
#define WV vec4
XV load_x(uint v) { return x4[v]; }
WV unpack_w(uvec4 q) { return uintBitsToFloat(q); }
float dot_wx(WV w, XV xv) { return dot(w, xv); }
#else
const uint PER_VEC = 8;
#define XV mat2x4
#define WV mat2x4
XV load_x(uint v) { return mat2x4(x4[2 * v], x4[2 * v + 1]); }
WV unpack_w(uvec4 q) {
#if defined(A_BF16)
  return mat2x4(vec4(unpack_bf16x2(q.x), unpack_bf16x2(q.y)),
                vec4(unpack_bf16x2(q.z), unpack_bf16x2(q.w)));
#else
  return mat2x4(vec4(unpackHalf2x16(q.x), unpackHalf2x16(q.y)),
                vec4(unpackHalf2x16(q.z), unpackHalf2x16(q.w)));
#endif
}
float dot_wx(WV w, XV xv) { return dot(w[0], xv[0]) + dot(w[1], xv[1]); }
#endif

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint row0 = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * ROWS;
  float acc[MATS * ROWS * COLS];
  uint base[ROWS];
  for (uint i = 0; i < MATS * ROWS * COLS; ++i) acc[i] = 0.0;
  for (uint r = 0; r < ROWS; ++r)
    base[r] = min(row0 + r, p.n - 1) * p.k;  // rows past the end read the last row, unused

  if (VEC == 1) {
    // UNROLL vectors a workgroup-width apart per row are loaded before any is
    // used: MATS x ROWS x UNROLL 16-byte loads in flight per thread hide memory latency.
    const uint kv = p.k / PER_VEC;
    const uint wg = gl_WorkGroupSize.x;
    uint v = tid;
    for (; v + (UNROLL - 1) * wg < kv; v += UNROLL * wg) {
      uvec4 q[MATS * ROWS][UNROLL];
      for (uint m = 0; m < MATS; ++m)
        for (uint r = 0; r < ROWS; ++r)
          for (uint u = 0; u < UNROLL; ++u)
            q[m * ROWS + r][u] = load4(m, base[r] / PER_VEC + v + u * wg);
      for (uint u = 0; u < UNROLL; ++u)
        if (COLS == 1) {
          for (uint i = 0; i < MATS * ROWS; ++i)
            acc[i] += dot_wx(unpack_w(q[i][u]), load_x(v + u * wg));
        } else {
          // Several inputs: each slice of x is loaded once for all the rows (not once
          // a row), the rows' weights unpacked once for all the inputs.
          WV wv[MATS * ROWS];
          for (uint i = 0; i < MATS * ROWS; ++i) wv[i] = unpack_w(q[i][u]);
          for (uint c = 0; c < COLS; ++c) {
            const XV xv = load_x(c * kv + v + u * wg);
            for (uint i = 0; i < MATS * ROWS; ++i) acc[i * COLS + c] += dot_wx(wv[i], xv);
          }
        }
    }
    for (; v < kv; v += wg)
      for (uint m = 0; m < MATS; ++m)
        for (uint r = 0; r < ROWS; ++r) {
          const WV wv = unpack_w(load4(m, base[r] / PER_VEC + v));
          for (uint c = 0; c < COLS; ++c)
            acc[(m * ROWS + r) * COLS + c] += dot_wx(wv, load_x(c * kv + v));
        }
  } else {
    for (uint k = tid; k < p.k; k += gl_WorkGroupSize.x)
      for (uint m = 0; m < MATS; ++m)
        for (uint r = 0; r < ROWS; ++r) {
          const float wk = load1(m, base[r] + k);
          for (uint c = 0; c < COLS; ++c) acc[(m * ROWS + r) * COLS + c] += wk * x[c * p.k + k];
        }
  }

  for (uint i = 0; i < MATS * ROWS * COLS; ++i) {
    float s = subgroupAdd(acc[i]);
    if (subgroupElect()) partial[i][gl_SubgroupID] = s;
  }
  barrier();
  for (uint i = tid; i < ROWS * COLS; i += gl_WorkGroupSize.x) {
    const uint row = row0 + i / COLS, c = i % COLS;
    if (row >= p.n) continue;
    float s = 0.0;
    for (uint j = 0; j < gl_NumSubgroups; ++j) s += partial[i][j];
#ifdef RESIDUAL
    s += r[c * p.n + row];
#endif
#ifdef GATED
    float up = 0.0;
    for (uint j = 0; j < gl_NumSubgroups; ++j) up += partial[ROWS * COLS + i][j];
    if (ACT == 0) {
      s = s / (1.0 + exp(-s));
    } else {
      const float z = 0.7978845608028654 * (s + 0.044715 * s * s * s);
      s = s / (1.0 + exp(-2.0 * z));
    }
    s *= up;
#endif
    y[c * p.n + row] = s;
  }
}
