#version 450
#extension GL_GOOGLE_include_directive : require
// y[n] = sum_k W[n, k] x[k] (+ r[n] with RESIDUAL) for a quantized W (engine/base/quant.h),
// dequantized in registers. A workgroup computes ROWS rows; each thread takes blocks
// of 32 weights (one 16-byte load per row for 4-bit codes, two for 8-bit) two at a
// time, all loads of both issued before either is used, with the matching 32 values
// of x. Integer codes use sum_j s (q_j - z) x_j = s (q . x - z sum(x)); table codes
// (NF4, FP4, FP8) look each code up. Subgroups, then shared memory, reduce.
#extension GL_KHR_shader_subgroup_arithmetic : require

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ROWS = 4;
layout(constant_id = 2) const uint MAX_SUBGROUPS = 32;
layout(constant_id = 3) const uint QFMT = 4u;
layout(constant_id = 4) const uint QGROUP = 32u;

layout(push_constant) uniform Push { uint n; uint k; uint row_words; uint scale_word; uint zero_byte; } p;
layout(binding = 0) readonly buffer W { uint wq[]; };
layout(binding = 0) readonly buffer W4 { uvec4 wq4[]; };
layout(binding = 1) readonly buffer X4 { vec4 x4[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };
#ifdef RESIDUAL
layout(binding = 3) readonly buffer R { float r[]; };
#endif

#include "quant.glsl"

shared float partial[ROWS][MAX_SUBGROUPS];

// Codes 4j..4j+3 of a word as floats (4-bit: nibbles 4h..4h+3 of the word's half h).
vec4 codes4(uint word, uint h) {
  if (QBITS == 4u) {
    const uint v = word >> (16u * h);
    return vec4(uvec4(v, v >> 4u, v >> 8u, v >> 12u) & 15u);
  }
  return vec4(uvec4(word, word >> 8u, word >> 16u, word >> 24u) & 255u);
}

vec4 table4(uint word, uint h) {
  vec4 v;
  for (uint j = 0u; j < 4u; ++j) v[j] = qdecode(qcode(word, QBITS == 4u ? 4u * h + j : j), 0.0);
  return v;
}

// One block of 32 weights of a row against x[32] (xv), with sum(x) for integer codes.
float block_dot(uvec4 c0, uvec4 c1, float s, float z, const vec4 xv[8], float xsum) {
  float d = 0.0;
  if (QCODES == 0u) {
    if (QBITS == 4u) {
      for (uint i = 0u; i < 4u; ++i) d += dot(codes4(c0[i], 0u), xv[2u * i]) + dot(codes4(c0[i], 1u), xv[2u * i + 1u]);
    } else {
      for (uint i = 0u; i < 4u; ++i) d += dot(codes4(c0[i], 0u), xv[i]) + dot(codes4(c1[i], 0u), xv[4u + i]);
    }
    return s * (d - z * xsum);
  }
  if (QBITS == 4u) {
    for (uint i = 0u; i < 4u; ++i) d += dot(table4(c0[i], 0u), xv[2u * i]) + dot(table4(c0[i], 1u), xv[2u * i + 1u]);
  } else {
    for (uint i = 0u; i < 4u; ++i) d += dot(table4(c0[i], 0u), xv[i]) + dot(table4(c1[i], 0u), xv[4u + i]);
  }
  return s * d;
}

void main() {
  const uint tid = gl_LocalInvocationID.x, wg = gl_WorkGroupSize.x;
  const uint row0 = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * ROWS;
  const RowGeom g = RowGeom(p.row_words, p.scale_word, p.zero_byte);
  const uint words = QBITS == 4u ? 4u : 8u;  // per block of 32
  float acc[ROWS];
  uint rb[ROWS];
  for (uint r = 0u; r < ROWS; ++r) {
    acc[r] = 0.0;
    rb[r] = min(row0 + r, p.n - 1u) * g.row_words;  // rows past the end read the last, unused
  }
  const uint blocks = p.k / 32u;
  for (uint b0 = tid; b0 < blocks; b0 += 2u * wg) {
    const uint b1 = b0 + wg;
    const bool two = b1 < blocks;
    uvec4 c[ROWS][2][2];
    float s[ROWS][2], z[ROWS][2];
    for (uint r = 0u; r < ROWS; ++r)
      for (uint u = 0u; u < 2u; ++u) {
        const uint b = u == 0u ? b0 : (two ? b1 : b0);
        const uint at = (rb[r] + b * words) / 4u;
        c[r][u][0] = wq4[at];
        c[r][u][1] = QBITS == 8u ? wq4[at + 1u] : uvec4(0u);
        s[r][u] = qscale(rb[r], g, b * 32u);
        z[r][u] = qzero(rb[r], g, b * 32u);
      }
    for (uint u = 0u; u < (two ? 2u : 1u); ++u) {
      const uint b = u == 0u ? b0 : b1;
      vec4 xv[8];
      float xsum = 0.0;
      for (uint i = 0u; i < 8u; ++i) {
        xv[i] = x4[b * 8u + i];
        xsum += dot(xv[i], vec4(1.0));
      }
      for (uint r = 0u; r < ROWS; ++r) acc[r] += block_dot(c[r][u][0], c[r][u][1], s[r][u], z[r][u], xv, xsum);
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
