#version 450
#extension GL_GOOGLE_include_directive : require
// y[c, n] = sum_k W[n, k] * x[c, k] for COLS input vectors (a batched decode step
// reads each weight once for all of them): W [N, K] row-major in f32, f16 or bf16
// (A_*), x [COLS, K] and y [COLS, N] f32, fp32 accumulation. A workgroup computes
// ROWS rows; its threads stride over k, then reduce per subgroup and across
// subgroups through shared memory.
// With VEC=1 (K a multiple of 8, or of 4 for f32) W is read 16 bytes at a time.
// With RESIDUAL, y = W x + r: a residual add fused into the projection before it.
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

shared float partial[ROWS * COLS][MAX_SUBGROUPS];

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
  float acc[ROWS * COLS];  // [r * COLS + c]
  uint base[ROWS];
  for (uint i = 0; i < ROWS * COLS; ++i) acc[i] = 0.0;
  for (uint r = 0; r < ROWS; ++r)
    base[r] = min(row0 + r, p.n - 1) * p.k;  // rows past the end read the last row, unused

  if (VEC == 1) {
    // UNROLL vectors a workgroup-width apart per row are loaded before any is
    // used: ROWS x UNROLL 16-byte loads in flight per thread hide memory latency.
    const uint kv = p.k / PER_VEC;
    const uint wg = gl_WorkGroupSize.x;
    uint v = tid;
    for (; v + (UNROLL - 1) * wg < kv; v += UNROLL * wg) {
      uvec4 q[ROWS][UNROLL];
      for (uint r = 0; r < ROWS; ++r)
        for (uint u = 0; u < UNROLL; ++u) q[r][u] = w4[base[r] / PER_VEC + v + u * wg];
      for (uint u = 0; u < UNROLL; ++u)
        for (uint r = 0; r < ROWS; ++r) {
          const WV wv = unpack_w(q[r][u]);
          for (uint c = 0; c < COLS; ++c)
            acc[r * COLS + c] += dot_wx(wv, load_x(c * kv + v + u * wg));
        }
    }
    for (; v < kv; v += wg)
      for (uint r = 0; r < ROWS; ++r) {
        const WV wv = unpack_w(w4[base[r] / PER_VEC + v]);
        for (uint c = 0; c < COLS; ++c) acc[r * COLS + c] += dot_wx(wv, load_x(c * kv + v));
      }
  } else {
    for (uint k = tid; k < p.k; k += gl_WorkGroupSize.x)
      for (uint r = 0; r < ROWS; ++r) {
        const float wk = A_LOAD(w[base[r] + k]);
        for (uint c = 0; c < COLS; ++c) acc[r * COLS + c] += wk * x[c * p.k + k];
      }
  }

  for (uint i = 0; i < ROWS * COLS; ++i) {
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
    y[c * p.n + row] = s;
  }
}
