#version 450
// Y[t, n] = sum_k X[t, k] * W[n, k] on tensor cores (GL_NV_cooperative_matrix): X [T, K]
// f32, W [N, K] row-major in f32/f16/bf16 (A_*), Y [T, N] f32. Both inputs are rounded
// to f16 in shared memory; the products accumulate in f32 16x16 matrices.
//
// A workgroup of SG subgroups of 32 (specialization constant 0 = 32 SG threads)
// computes a BM x BN tile of Y, each subgroup a WM x WN block (WM/16 x WN/16
// accumulators), walking K in steps of BK with two shared stages: the next step's
// global loads are in flight while this step multiplies (DEPTH steps ahead: more
// bytes in flight for the few-row products of a batched decode). The tile is a tuning
// (kernels::CoopmatTiles; the host checks that it fits); the default is 8 subgroups,
// 128 x 128, 64 x 32 blocks, BK 32.
// Edges are bounds-checked (zero-filled inputs, staged outputs), so t, n and k are
// arbitrary; 16-byte loads and direct stores are used where the host says the
// shape and offsets allow them (flags).
// Split K (few rows of X, where one tile row leaves most of the GPU idle): the
// workgroups of z = gl_WorkGroupID.z take K range [z * k_split, (z + 1) * k_split)
// and write partial sums to Y[z] ([splits, T, N]); split_sum.comp adds them up.
#extension GL_GOOGLE_include_directive : require
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_control_flow_attributes : require
#include "types.glsl"

#if defined(FIXED_TILES)
// The default tiles as compile-time constants (the variant the engine runs them with).
layout(local_size_x = 256) in;
const uint BM = 128, BN = 128, WM = 64, WN = 32, BK = 32, DEPTH = 1;
#else
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BM = 128;  // tile rows of X (t)
layout(constant_id = 2) const uint BN = 128;  // tile rows of W (n)
layout(constant_id = 5) const uint WM = 64;   // subgroup block along t
layout(constant_id = 6) const uint WN = 32;   // subgroup block along n
layout(constant_id = 7) const uint BK = 32;   // k step: 16, 32 or 64
layout(constant_id = 8) const uint DEPTH = 1; // k steps of global loads in flight (1..4)
#endif

const uint VEC_LOADS = 1;     // k % 8 == 0 and X, W offsets 16-byte aligned
const uint DIRECT_STORE = 2;  // n % 4 == 0 and Y offset 16-byte aligned

layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 0) readonly buffer X4 { vec4 x4[]; };
#if defined(QUANT)
// W quantized (engine/base/quant.h): eight weights at a time dequantized to f32,
// then rounded to f16 in shared memory like an f32 weight.
layout(push_constant) uniform Push { uint t; uint n; uint k; uint flags; uint row_words; uint scale_word; uint zero_byte; } p;
layout(constant_id = 3) const uint QFMT = 4u;
layout(constant_id = 4) const uint QGROUP = 32u;
layout(binding = 1) readonly buffer W { uint wq[]; };
#include "quant.glsl"
#else
// k_split: K elements per split, a multiple of BK (0: no split).
layout(push_constant) uniform Push { uint t; uint n; uint k; uint flags; uint k_split; } p;
layout(binding = 1) readonly buffer W { A_T w[]; };
#endif
#if defined(A_F32)
layout(binding = 1) readonly buffer W4 { vec4 w4[]; };
#elif !defined(QUANT)
layout(binding = 1) readonly buffer W8 { uvec4 w8[]; };
#endif
layout(binding = 2) writeonly buffer Y { float y[]; };

const uint FM = WM / 16, FN = WN / 16;   // accumulators per subgroup
const uint THREADS = gl_WorkGroupSize.x;
// Shared rows hold BK halfs plus 8 of padding (48, 80 or 144 bytes): 16-byte aligned
// for the matrix loads and free of bank conflicts. Units are uvec4 = 8 halfs.
const uint LD = (BK + 8) / 8;
const uint CHUNKS = BK / 8;                   // 8-element chunks per row and step
const uint PER_X = BM * CHUNKS / THREADS;     // chunks of X per thread and step
const uint PER_W = BN * CHUNKS / THREADS;     // chunks of W per thread and step
const uint STAGE_A = BM * LD, STAGE_B = BN * LD;

shared uvec4 sa[2 * STAGE_A];  // X tiles [BM][BK] f16, two stages; output staging after
shared uvec4 sb[2 * STAGE_B];  // W tiles [BN][BK] f16, two stages

#define MAT16 fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define MAT32 fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>

#if defined(A_F16)
#define W_BITS(v) uint(float16BitsToUint16(v))
#elif defined(A_BF16)
#define W_BITS(v) uint(v)
#endif

uint t0, n0, tid;
// Global loads in flight for the next step, kept raw so they are awaited only when
// written to shared memory after the multiply.
// DEPTH slots: step s is loaded into slot s % DEPTH, DEPTH steps ahead of its use.
vec4 xr[DEPTH][PER_X][2];
#if defined(A_F32) || defined(QUANT)
vec4 wr[DEPTH][PER_W][2];
#else
uvec4 wr[DEPTH][PER_W];
#endif

uvec4 pack8(vec4 lo, vec4 hi) {
  return uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy),
               packHalf2x16(hi.zw));
}

void load_step(uint k0, uint slot) {
  const bool vec = (p.flags & VEC_LOADS) != 0;
  [[unroll]] for (uint i = 0; i < PER_X; ++i) {
    const uint e = tid + i * THREADS, gt = t0 + e / CHUNKS, gk = k0 + (e % CHUNKS) * 8;
    if (vec) {
      // k % 8 == 0: a chunk is wholly inside k or wholly past it.
      const bool xin = gt < p.t && gk < p.k;
      const uint xi = (gt * p.k + gk) / 4;
      xr[slot][i][0] = xin ? x4[xi] : vec4(0);
      xr[slot][i][1] = xin ? x4[xi + 1] : vec4(0);
    } else {
      float xv[8];
      [[unroll]] for (uint j = 0; j < 8; ++j)
        xv[j] = (gt < p.t && gk + j < p.k) ? x[gt * p.k + gk + j] : 0.0;
      xr[slot][i][0] = vec4(xv[0], xv[1], xv[2], xv[3]);
      xr[slot][i][1] = vec4(xv[4], xv[5], xv[6], xv[7]);
    }
  }
  [[unroll]] for (uint i = 0; i < PER_W; ++i) {
    const uint e = tid + i * THREADS, gn = n0 + e / CHUNKS, gk = k0 + (e % CHUNKS) * 8;
#if defined(QUANT)
    // k is a multiple of 32 for a quantized weight: a chunk is inside k or past it.
    wr[slot][i][0] = vec4(0);
    wr[slot][i][1] = vec4(0);
    if (gn < p.n && gk < p.k)
      qload8(gn, RowGeom(p.row_words, p.scale_word, p.zero_byte), gk, wr[slot][i][0], wr[slot][i][1]);
#else
    if (vec) {
      const bool win = gn < p.n && gk < p.k;
#if defined(A_F32)
      const uint wi = (gn * p.k + gk) / 4;
      wr[slot][i][0] = win ? w4[wi] : vec4(0);
      wr[slot][i][1] = win ? w4[wi + 1] : vec4(0);
#else
      wr[slot][i] = win ? w8[(gn * p.k + gk) / 8] : uvec4(0);
#endif
    } else {
#if defined(A_F32)
      float wv[8];
      [[unroll]] for (uint j = 0; j < 8; ++j)
        wv[j] = (gn < p.n && gk + j < p.k) ? w[gn * p.k + gk + j] : 0.0;
      wr[slot][i][0] = vec4(wv[0], wv[1], wv[2], wv[3]);
      wr[slot][i][1] = vec4(wv[4], wv[5], wv[6], wv[7]);
#else
      uint wv[8];
      [[unroll]] for (uint j = 0; j < 8; ++j)
        wv[j] = (gn < p.n && gk + j < p.k) ? W_BITS(w[gn * p.k + gk + j]) : 0u;
      wr[slot][i] = uvec4(wv[0] | (wv[1] << 16), wv[2] | (wv[3] << 16), wv[4] | (wv[5] << 16),
                    wv[6] | (wv[7] << 16));
#endif
    }
#endif
  }
}

void store_step(uint stage, uint slot) {
  [[unroll]] for (uint i = 0; i < PER_X; ++i) {
    const uint e = tid + i * THREADS;
    sa[stage * STAGE_A + (e / CHUNKS) * LD + e % CHUNKS] = pack8(xr[slot][i][0], xr[slot][i][1]);
  }
  [[unroll]] for (uint i = 0; i < PER_W; ++i) {
    const uint e = tid + i * THREADS, at = stage * STAGE_B + (e / CHUNKS) * LD + e % CHUNKS;
#if defined(A_F32) || defined(QUANT)
    sb[at] = pack8(wr[slot][i][0], wr[slot][i][1]);
#elif defined(A_F16)
    sb[at] = wr[slot][i];
#else
    const uvec4 u = wr[slot][i];
    sb[at] = pack8(vec4(unpack_bf16x2(u.x), unpack_bf16x2(u.y)),
                   vec4(unpack_bf16x2(u.z), unpack_bf16x2(u.w)));
#endif
  }
}

void main() {
  tid = gl_LocalInvocationID.x;
  // x walks t so that the workgroups sharing a W tile run together and W is read
  // from memory about once.
  t0 = gl_WorkGroupID.x * BM;
  n0 = gl_WorkGroupID.y * BN;
  const uint sg = gl_SubgroupID;
  const uint wm = sg / (BN / WN), wn = sg % (BN / WN);

  MAT32 acc[FM][FN];
  [[unroll]] for (uint i = 0; i < FM; ++i)
    [[unroll]] for (uint j = 0; j < FN; ++j) acc[i][j] = MAT32(0.0);

#if defined(QUANT)
  const uint kb = 0, ke = p.k;
#else
  const uint kb = gl_WorkGroupID.z * p.k_split;
  const uint ke = p.k_split > 0 ? min(p.k, kb + p.k_split) : p.k;
#endif
  const uint y0 = gl_WorkGroupID.z * p.t * p.n;  // this split's partial sums
  const uint steps = (ke - kb + BK - 1) / BK;
  // Steps 0 .. DEPTH-1 in flight, step 0 in shared stage 0.
  [[unroll]] for (uint u = 0; u < DEPTH; ++u)
    if (u < steps) load_step(kb + u * BK, u);
  store_step(0, 0);
  barrier();
  for (uint s0 = 0; s0 < steps; s0 += DEPTH) {
    // Unrolled by DEPTH so that every slot index is a constant (registers).
    [[unroll]] for (uint u = 0; u < DEPTH; ++u) {
      const uint s = s0 + u;
      if (s >= steps) break;
      // Slot u held step s, in shared memory since the last step: it takes step
      // s + DEPTH. One barrier per step: stage s^1 was last read in step s-1.
      const uint stage = s & 1;
      if (s + DEPTH < steps) load_step(kb + (s + DEPTH) * BK, u);
      [[unroll]] for (uint kk = 0; kk < BK / 16; ++kk) {
        MAT16 a[FM], b[FN];
        [[unroll]] for (uint i = 0; i < FM; ++i)
          coopMatLoadNV(a[i], sa, stage * STAGE_A + (wm * WM + i * 16) * LD + kk * 2, LD, false);
        // W rows are B's columns: B [k][n] is column-major in sb.
        [[unroll]] for (uint j = 0; j < FN; ++j)
          coopMatLoadNV(b[j], sb, stage * STAGE_B + (wn * WN + j * 16) * LD + kk * 2, LD, true);
        [[unroll]] for (uint i = 0; i < FM; ++i)
          [[unroll]] for (uint j = 0; j < FN; ++j)
            acc[i][j] = coopMatMulAddNV(a[i], b[j], acc[i][j]);
      }
      if (s + 1 < steps) store_step(stage ^ 1, (u + 1) % DEPTH);
      barrier();
    }
  }

  // Whole in-bounds 16 x 16 blocks go straight to Y; edge blocks are staged through
  // this subgroup's 1 KiB of sa (free after the last barrier) and written per element.
  const uint lane = gl_SubgroupInvocationID, stage_at = sg * 64;
  [[unroll]] for (uint i = 0; i < FM; ++i)
    [[unroll]] for (uint j = 0; j < FN; ++j) {
      const uint gt0 = t0 + wm * WM + i * 16, gn0 = n0 + wn * WN + j * 16;
      if (gt0 >= p.t || gn0 >= p.n) continue;
      if ((p.flags & DIRECT_STORE) != 0 && gt0 + 16 <= p.t && gn0 + 16 <= p.n) {
        coopMatStoreNV(acc[i][j], y, y0 + gt0 * p.n + gn0, p.n, false);
        continue;
      }
      coopMatStoreNV(acc[i][j], sa, stage_at, 4, false);  // 16 floats = 4 uvec4 per row
      subgroupMemoryBarrierShared();
      subgroupBarrier();
      for (uint e = lane; e < 256; e += gl_SubgroupSize) {
        const uint r = e / 16, c = e % 16;
        if (gt0 + r < p.t && gn0 + c < p.n)
          y[y0 + (gt0 + r) * p.n + gn0 + c] = uintBitsToFloat(sa[stage_at + e / 4][e % 4]);
      }
      subgroupBarrier();
    }
}
