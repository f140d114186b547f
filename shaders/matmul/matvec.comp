#version 450
#extension GL_GOOGLE_include_directive : require
// y[n] = sum_k W[n, k] * x[k]: W [N, K] row-major in f32, f16 or bf16 (A_*), x and
// y f32, fp32 accumulation. A workgroup computes ROWS rows; its threads stride
// over k, then reduce per subgroup and across subgroups through shared memory.
// With VEC=1 (K a multiple of 8, or of 4 for f32) W is read 16 bytes at a time.
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "types.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ROWS = 4;
layout(constant_id = 2) const uint VEC = 1;
layout(constant_id = 3) const uint MAX_SUBGROUPS = 32;

layout(push_constant) uniform Push { uint n; uint k; } p;
layout(binding = 0) readonly buffer W { A_T w[]; };
layout(binding = 0) readonly buffer W4 { uvec4 w4[]; };
layout(binding = 1) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer X4 { vec4 x4[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };

shared float partial[ROWS][MAX_SUBGROUPS];

#if defined(A_F32)
const uint PER_VEC = 4;
#else
const uint PER_VEC = 8;
#endif

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint row0 = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * ROWS;
  float acc[ROWS];
  uint base[ROWS];
  for (uint r = 0; r < ROWS; ++r) {
    acc[r] = 0.0;
    base[r] = min(row0 + r, p.n - 1) * p.k;  // rows past the end read the last row, unused
  }

  if (VEC == 1) {
    const uint kv = p.k / PER_VEC;
    for (uint v = tid; v < kv; v += gl_WorkGroupSize.x) {
#if defined(A_F32)
      vec4 xv = x4[v];
      for (uint r = 0; r < ROWS; ++r) {
        uvec4 q = w4[base[r] / 4 + v];
        acc[r] += dot(uintBitsToFloat(q), xv);
      }
#else
      vec4 xa = x4[2 * v], xb = x4[2 * v + 1];
      for (uint r = 0; r < ROWS; ++r) {
        uvec4 q = w4[base[r] / 8 + v];
#if defined(A_BF16)
        vec2 w0 = unpack_bf16x2(q.x), w1 = unpack_bf16x2(q.y), w2 = unpack_bf16x2(q.z),
             w3 = unpack_bf16x2(q.w);
#else
        vec2 w0 = unpackHalf2x16(q.x), w1 = unpackHalf2x16(q.y), w2 = unpackHalf2x16(q.z),
             w3 = unpackHalf2x16(q.w);
#endif
        acc[r] += dot(vec4(w0, w1), xa) + dot(vec4(w2, w3), xb);
      }
#endif
    }
  } else {
    for (uint k = tid; k < p.k; k += gl_WorkGroupSize.x) {
      float xk = x[k];
      for (uint r = 0; r < ROWS; ++r) acc[r] += A_LOAD(w[base[r] + k]) * xk;
    }
  }

  for (uint r = 0; r < ROWS; ++r) {
    float s = subgroupAdd(acc[r]);
    if (subgroupElect()) partial[r][gl_SubgroupID] = s;
  }
  barrier();
  if (tid < ROWS && row0 + tid < p.n) {
    float s = 0.0;
    for (uint i = 0; i < gl_NumSubgroups; ++i) s += partial[tid][i];
    y[row0 + tid] = s;
  }
}
