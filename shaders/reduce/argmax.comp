#version 450
// Index of the largest value of each row (the first one on ties): one workgroup
// per row of x [rows, n] f32; out [rows] uint. A row holding a NaN or +inf, or only
// -inf, has no answer: 0xffffffff (greedy decoding then hands that row to the host's
// sampler, which says what is wrong with it).
#extension GL_GOOGLE_include_directive : require
#include "grid.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint rows; uint n; } p;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) writeonly buffer Out { uint out_idx[]; };

shared float best_v[1024];
shared uint best_i[1024];
shared uint bad_row;  // bit 0: a NaN or +inf seen; bit 1: a value above -inf

// Whether (v, i) beats (bv, bi): larger value, or equal value and smaller index.
bool beats(float v, uint i, float bv, uint bi) { return v > bv || (v == bv && i < bi); }

void main() {
  const uint row = linear_workgroup();
  if (row >= p.rows) return;
  const uint tid = gl_LocalInvocationID.x;
  if (tid == 0) bad_row = 0u;
  barrier();
  float bv = uintBitsToFloat(0xff800000u);  // -inf
  uint bi = 0xffffffffu;
  bool bad = false, seen = false;  // a NaN or +inf; a value above -inf
  for (uint i = tid; i < p.n; i += gl_WorkGroupSize.x) {
    float v = x[row * p.n + i];
    bad = bad || isnan(v) || (isinf(v) && v > 0.0);
    seen = seen || v > bv;
    if (beats(v, i, bv, bi)) {
      bv = v;
      bi = i;
    }
  }
  best_v[tid] = bv;
  best_i[tid] = bi;
  if (bad) atomicOr(bad_row, 1u);
  if (seen) atomicOr(bad_row, 2u);
  barrier();
  for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
    if (tid < s && beats(best_v[tid + s], best_i[tid + s], best_v[tid], best_i[tid])) {
      best_v[tid] = best_v[tid + s];
      best_i[tid] = best_i[tid + s];
    }
    barrier();
  }
  if (tid == 0) out_idx[row] = bad_row != 2u ? 0xffffffffu : best_i[0];
}
