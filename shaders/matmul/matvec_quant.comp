#version 450
#extension GL_GOOGLE_include_directive : require
// y[n] = sum_k W[n, k] x[k] (+ r[n] with RESIDUAL) for a quantized W (engine/base/quant.h),
// dequantized in registers. A workgroup computes ROWS rows. A row's codes are taken
// in pieces of VEC consecutive 32-bit words (8 weights a word for 4-bit codes, 4 for
// 8-bit; one 4-, 8- or 16-byte load), thread t taking pieces t, t + WG, t + 2 WG, ...,
// so that loads of codes, scales and x are contiguous across threads (narrow pieces
// keep the x loads dense, wide ones share a scale and zero among more weights).
// UNROLL pieces per row are loaded before any is used; the x of a piece serves all
// ROWS rows. A piece lies in one group: its codes become exact floats code - zero two
// instructions each (quant.glsl qword4/qword8, no int-to-float conversion), are
// dotted with x, and the sum is scaled once. Table codes (NF4, FP4, FP8) look each
// code up. Subgroups, then shared memory, reduce.
#extension GL_KHR_shader_subgroup_arithmetic : require

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ROWS = 4;
layout(constant_id = 2) const uint MAX_SUBGROUPS = 32;
layout(constant_id = 3) const uint QFMT = 4u;
layout(constant_id = 4) const uint QGROUP = 32u;
layout(constant_id = 5) const uint UNROLL = 2u;
layout(constant_id = 6) const uint VEC = 1u;  // words per piece: 1, 2 or 4

layout(push_constant) uniform Push { uint n; uint k; uint row_words; uint scale_word; uint zero_byte; } p;
layout(binding = 0) readonly buffer W { uint wq[]; };
layout(binding = 0) readonly buffer W2 { uvec2 wq2[]; };
layout(binding = 0) readonly buffer W4 { uvec4 wq4[]; };
layout(binding = 1) readonly buffer X4 { vec4 x4[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };
#ifdef RESIDUAL
layout(binding = 3) readonly buffer R { float r[]; };
#endif

#include "grid.glsl"
#include "quant.glsl"

shared float partial[ROWS][MAX_SUBGROUPS];

const uint PER_WORD = 32u / QBITS;          // codes in a 32-bit word
const uint XV = VEC * PER_WORD / 4u;         // vec4s of x a piece takes (at most 8)

// The piece starting at word `at` (a multiple of VEC: rows start 16-byte aligned).
uvec4 load_piece(uint at) {
  if (VEC == 1u) return uvec4(wq[at], 0u, 0u, 0u);
  if (VEC == 2u) return uvec4(wq2[at / 2u], 0u, 0u);
  return wq4[at / 4u];
}

// Code word w of a row (its group's zero z) against its x (xa: columns 0..3, xb:
// 4..7), before the scale.
float word_dot(uint w, float z, vec4 xa, vec4 xb) {
  if (QCODES == 0u) {
    if (QBITS == 4u) {
      vec4 lo, hi;
      qword4(w, z, lo, hi);
      return dot(lo, xa) + dot(hi, xb);
    }
    return dot(qword8(w, z), xa);
  }
  float d = 0.0;
  for (uint j = 0u; j < PER_WORD; ++j) d += qdecode(qcode(w, j), 0.0) * (j < 4u ? xa[j] : xb[j - 4u]);
  return d;
}

void main() {
  const uint tid = gl_LocalInvocationID.x, wg = gl_WorkGroupSize.x;
  const uint row0 = linear_workgroup() * ROWS;
  const RowGeom g = RowGeom(p.row_words, p.scale_word, p.zero_byte);
  const uint pieces = p.k / (VEC * PER_WORD);  // per row
  float acc[ROWS];
  uint rb[ROWS];
  for (uint r = 0u; r < ROWS; ++r) {
    acc[r] = 0.0;
    rb[r] = min(row0 + r, p.n - 1u) * g.row_words;  // rows past the end read the last, unused
  }
  for (uint p0 = tid; p0 < pieces; p0 += UNROLL * wg) {
    // All loads of the step first: UNROLL pieces (and their scales and zeros) per row.
    uvec4 c[UNROLL][ROWS];
    float s[UNROLL][ROWS], z[UNROLL][ROWS];
    vec4 xv[UNROLL][8];
    for (uint u = 0u; u < UNROLL; ++u) {
      const uint pc = p0 + u * wg;
      const bool in_row = pc < pieces;
      const uint pl = in_row ? pc : p0;  // past the row's end: a piece of it, times x = 0
      for (uint r = 0u; r < ROWS; ++r) {
        c[u][r] = load_piece(rb[r] + pl * VEC);
        s[u][r] = qscale(rb[r], g, pl * VEC * PER_WORD);
        z[u][r] = qzero(rb[r], g, pl * VEC * PER_WORD);
      }
      for (uint i = 0u; i < XV; ++i) xv[u][i] = in_row ? x4[pc * XV + i] : vec4(0.0);
    }
    for (uint u = 0u; u < UNROLL; ++u)
      for (uint r = 0u; r < ROWS; ++r) {
        float d = 0.0;
        for (uint v = 0u; v < VEC; ++v)
          d += QBITS == 4u ? word_dot(c[u][r][v], z[u][r], xv[u][2u * v], xv[u][2u * v + 1u])
                           : word_dot(c[u][r][v], z[u][r], xv[u][v], vec4(0.0));
        acc[r] += s[u][r] * d;
      }
  }
  for (uint r = 0u; r < ROWS; ++r) {
    const float v = subgroupAdd(acc[r]);
    if (subgroupElect()) partial[r][gl_SubgroupID] = v;
  }
  barrier();
  if (tid < ROWS && row0 + tid < p.n) {
    float v = 0.0;
    for (uint i = 0u; i < gl_NumSubgroups; ++i) v += partial[tid][i];
#ifdef RESIDUAL
    v += r[row0 + tid];
#endif
    y[row0 + tid] = v;
  }
}
