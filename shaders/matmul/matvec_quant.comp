#version 450
#extension GL_GOOGLE_include_directive : require
// y[n] = sum_k W[n, k] x[k] (+ r[n] with RESIDUAL) for a quantized W (engine/base/quant.h),
// dequantized in registers: each thread takes blocks of 32 weights of ROWS rows (one
// 16-byte load per row for 4-bit codes, two for 8-bit), their group's scale and
// zero, and the matching 32 values of x; subgroups then shared memory reduce.
#extension GL_KHR_shader_subgroup_arithmetic : require

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ROWS = 2;
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

float dot8(uint codes, float s, float z, vec4 xa, vec4 xb) {
  vec4 a, b;
  for (uint j = 0u; j < 4u; ++j) {
    a[j] = qdecode(qcode(codes, j), z);
    b[j] = qdecode(qcode(codes, j + 4u), z);
  }
  return s * (dot(a, xa) + dot(b, xb));
}

float dot4(uint codes, float s, float z, vec4 xa) {
  vec4 a;
  for (uint j = 0u; j < 4u; ++j) a[j] = qdecode(qcode(codes, j), z);
  return s * dot(a, xa);
}

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint row0 = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * ROWS;
  const RowGeom g = RowGeom(p.row_words, p.scale_word, p.zero_byte);
  float acc[ROWS];
  for (uint r = 0u; r < ROWS; ++r) acc[r] = 0.0;
  const uint blocks = p.k / 32u;
  for (uint b = tid; b < blocks; b += gl_WorkGroupSize.x) {
    vec4 xv[8];
    for (uint i = 0u; i < 8u; ++i) xv[i] = x4[b * 8u + i];
    for (uint r = 0u; r < ROWS; ++r) {
      const uint row = min(row0 + r, p.n - 1u);  // rows past the end read the last, unused
      const uint rb = row * g.row_words;
      const float s = qscale(rb, g, b * 32u), z = qzero(rb, g, b * 32u);
      if (QBITS == 4u) {
        const uvec4 c = wq4[(rb + b * 4u) / 4u];
        acc[r] += dot8(c.x, s, z, xv[0], xv[1]) + dot8(c.y, s, z, xv[2], xv[3]) +
                  dot8(c.z, s, z, xv[4], xv[5]) + dot8(c.w, s, z, xv[6], xv[7]);
      } else {
        const uvec4 c0 = wq4[(rb + b * 8u) / 4u], c1 = wq4[(rb + b * 8u) / 4u + 1u];
        acc[r] += dot4(c0.x, s, z, xv[0]) + dot4(c0.y, s, z, xv[1]) + dot4(c0.z, s, z, xv[2]) +
                  dot4(c0.w, s, z, xv[3]) + dot4(c1.x, s, z, xv[4]) + dot4(c1.y, s, z, xv[5]) +
                  dot4(c1.z, s, z, xv[6]) + dot4(c1.w, s, z, xv[7]);
      }
    }
  }
  for (uint r = 0u; r < ROWS; ++r) {
    const float s = subgroupAdd(acc[r]);
    if (subgroupElect()) partial[r][gl_SubgroupID] = s;
  }
  barrier();
  if (tid < ROWS && row0 + tid < p.n) {
    float s = 0.0;
    for (uint i = 0u; i < gl_NumSubgroups; ++i) s += partial[tid][i];
#ifdef RESIDUAL
    s += r[row0 + tid];
#endif
    y[row0 + tid] = s;
  }
}
