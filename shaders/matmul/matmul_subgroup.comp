#version 450
// Y[t, n] = sum_k X[t, k] * W[n, k] for prefill without tensor cores: X [T, K] f32,
// W [N, K] row-major in f32/f16/bf16 (A_*), Y [T, N] f32, fp32 accumulation in
// registers, no shared memory and no barrier.
//
// A subgroup of S lanes computes TM rows of Y by (S / KG) * RN columns. Its lanes
// form S / KG groups of KG; group g owns the W rows n0 + g + (S / KG) * j (j < RN),
// and the KG lanes of a group split k between them, 16 bytes of W each, so a group
// reads KG * 16 contiguous bytes of a row at a time. Each lane keeps TM x RN sums.
// - KG == 1 (fastest on lavapipe's 8 lanes): every lane walks all of k. The
//   subgroup loads each step's TM x KI block of X once, spread over its lanes (XL
//   vec4s a lane), and subgroupBroadcast hands every vec4 to all lanes.
// - KG > 1 (KG = 4 fastest on the H200's 32 lanes): coalesced W loads; each lane
//   reads the X it needs (the groups read the same addresses). At the end
//   subgroupShuffleXor sums the KG partial results of a group in registers.
// SG_T subgroups of a workgroup stack along t (sharing W rows in cache), the others
// along n. Rows past the edges are clamped on load and skipped on store, so no shape
// needs to be a multiple of a tile.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_ballot : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_EXT_control_flow_attributes : require
#include "types.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint S = 32;    // subgroup size, required at pipeline creation
layout(constant_id = 2) const uint TM = 8;    // rows of X (and of Y) per subgroup
layout(constant_id = 3) const uint RN = 4;    // rows of W per lane
layout(constant_id = 4) const uint SG_T = 1;  // subgroups of a workgroup along t
layout(constant_id = 5) const uint KG = 1;    // lanes splitting k (a power of two <= S)
layout(constant_id = 6) const uint VEC = 1;   // 16-byte loads: k % PER_VEC == 0, aligned

layout(push_constant) uniform Push { uint t; uint n; uint k; } p;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(binding = 1) readonly buffer W { A_T w[]; };
layout(binding = 1) readonly buffer W4 { uvec4 w4[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };

#if defined(A_F32)
const uint PER_VEC = 4;  // weights in 16 bytes
#else
const uint PER_VEC = 8;
#endif
const uint HALVES = PER_VEC / 4;  // vec4s of x per 16 bytes of W
const uint GROUPS = S / KG;
// KG == 1: the X block of a step is TM x KI, XL vec4s a lane, KI a multiple of PER_VEC
// (the host checks that 4 * S * XL is a multiple of TM * PER_VEC).
const uint XL = PER_VEC * TM > 4 * S ? PER_VEC * TM / (4 * S) : 1;
const uint KI = KG == 1 ? 4 * S * XL / TM : KG * PER_VEC;  // k per step
const uint WU = KG == 1 ? KI / PER_VEC : 1;               // W vectors per row per step

// Four weights of a 16-byte vector, widened to f32 (exact).
vec4 widen(uvec4 q, uint half_index) {
#if defined(A_F32)
  return uintBitsToFloat(q);
#elif defined(A_BF16)
  uvec2 h = half_index == 0 ? q.xy : q.zw;
  return vec4(unpack_bf16x2(h.x), unpack_bf16x2(h.y));
#else
  uvec2 h = half_index == 0 ? q.xy : q.zw;
  return vec4(unpackHalf2x16(h.x), unpackHalf2x16(h.y));
#endif
}

void main() {
  const uint lane = gl_SubgroupInvocationID, sg = gl_SubgroupID;
  const uint g = lane / KG, kg = lane % KG;
  const uint sg_n = gl_NumSubgroups / SG_T;
  const uint t0 = (gl_WorkGroupID.y * SG_T + sg % SG_T) * TM;
  const uint n0 = (gl_WorkGroupID.x * sg_n + sg / SG_T) * GROUPS * RN + g;

  // This lane's W rows and the subgroup's X rows; rows past the end read the last
  // row (their sums are never stored).
  uint wrow[RN], xrow[TM];
  [[unroll]] for (uint j = 0; j < RN; ++j) wrow[j] = min(n0 + GROUPS * j, p.n - 1);
  [[unroll]] for (uint i = 0; i < TM; ++i) xrow[i] = min(t0 + i, p.t - 1);
  float acc[TM][RN];
  [[unroll]] for (uint i = 0; i < TM; ++i)
    [[unroll]] for (uint j = 0; j < RN; ++j) acc[i][j] = 0.0;

  if (VEC == 1) {
    // Indices in 16-byte vectors of W and vec4s of X, at this lane's first k.
    const uint kw = p.k / PER_VEC, kx = p.k / 4;
    uint wv0[RN], xv0[TM];
    [[unroll]] for (uint j = 0; j < RN; ++j) wv0[j] = wrow[j] * kw + kg;
    [[unroll]] for (uint i = 0; i < TM; ++i) xv0[i] = xrow[i] * kx + kg * HALVES;
    uint v = 0;  // k / PER_VEC of the step
    for (; v + KI / PER_VEC <= kw; v += KI / PER_VEC) {
      uvec4 q[RN][WU];
      [[unroll]] for (uint j = 0; j < RN; ++j)
        [[unroll]] for (uint u = 0; u < WU; ++u) q[j][u] = w4[wv0[j] + v + u];
      if (KG == 1) {
        // X vec4 f = c * TM + i (column c, row i) of the step's block sits in lane
        // f % S, register f / S.
        vec4 xr[XL];
        [[unroll]] for (uint r = 0; r < XL; ++r) {
          const uint f = r * S + lane;
          xr[r] = x4[min(t0 + f % TM, p.t - 1) * kx + v * HALVES + f / TM];
        }
        [[unroll]] for (uint c = 0; c < KI / 4; ++c) {
          vec4 wv[RN];
          [[unroll]] for (uint j = 0; j < RN; ++j) wv[j] = widen(q[j][c / HALVES], c % HALVES);
          [[unroll]] for (uint i = 0; i < TM; ++i) {
            const uint f = c * TM + i;
            const vec4 xv = subgroupBroadcast(xr[f / S], f % S);
            [[unroll]] for (uint j = 0; j < RN; ++j) acc[i][j] += dot(xv, wv[j]);
          }
        }
      } else {
        [[unroll]] for (uint i = 0; i < TM; ++i)
          [[unroll]] for (uint h = 0; h < HALVES; ++h) {
            const vec4 xv = x4[xv0[i] + v * HALVES + h];
            [[unroll]] for (uint j = 0; j < RN; ++j) acc[i][j] += dot(xv, widen(q[j][0], h));
          }
      }
    }
    // The last k % KI: one 16-byte vector of W per lane while they last.
    for (; v < kw; v += KG)
      if (v + kg < kw) {
        uvec4 q[RN];
        [[unroll]] for (uint j = 0; j < RN; ++j) q[j] = w4[wv0[j] + v];
        [[unroll]] for (uint i = 0; i < TM; ++i)
          [[unroll]] for (uint h = 0; h < HALVES; ++h) {
            const vec4 xv = x4[xv0[i] + v * HALVES + h];
            [[unroll]] for (uint j = 0; j < RN; ++j) acc[i][j] += dot(xv, widen(q[j], h));
          }
      }
  } else {
    for (uint kk = kg; kk < p.k; kk += KG) {
      float wv[RN];
      [[unroll]] for (uint j = 0; j < RN; ++j) wv[j] = A_LOAD(w[wrow[j] * p.k + kk]);
      [[unroll]] for (uint i = 0; i < TM; ++i) {
        const float xs = x[xrow[i] * p.k + kk];
        [[unroll]] for (uint j = 0; j < RN; ++j) acc[i][j] += xs * wv[j];
      }
    }
  }

  // Sum the KG partial results of a group; then its lanes take turns storing.
  [[unroll]] for (uint m = KG / 2; m > 0; m /= 2)
    [[unroll]] for (uint i = 0; i < TM; ++i)
      [[unroll]] for (uint j = 0; j < RN; ++j) acc[i][j] += subgroupShuffleXor(acc[i][j], m);
  [[unroll]] for (uint i = 0; i < TM; ++i)
    [[unroll]] for (uint j = 0; j < RN; ++j) {
      const uint t = t0 + i, n = n0 + GROUPS * j;
      if ((i * RN + j) % KG == kg && t < p.t && n < p.n) y[t * p.n + n] = acc[i][j];
    }
}
