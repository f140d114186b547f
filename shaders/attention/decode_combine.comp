#version 450
// Decode attention, second pass: merges the `splits` partial results of each
// (token, head) written by decode_split.comp: with M the largest chunk max,
// out = sum_c exp(m_c - M) o_c / sum_c exp(m_c - M) l_c. Empty chunks (l = 0) are
// skipped. part_o [tokens * heads * splits, head_dim], part_ml [..., 2], out
// [tokens, heads, head_dim], all f32; one workgroup per (token, head).
#extension GL_GOOGLE_include_directive : require
#include "grid.glsl"
#include "attention.glsl"

layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint rows; uint head_dim; uint splits; } p;  // rows = tokens * heads
layout(binding = 0) readonly buffer PO { float part_o[]; };
layout(binding = 1) readonly buffer PML { float part_ml[]; };
layout(binding = 2) writeonly buffer O { float o[]; };

void main() {
  const uint row = linear_workgroup();
  if (row >= p.rows) return;
  const uint first = row * p.splits;
  float big = NEG_BIG;
  for (uint c = 0; c < p.splits; ++c)
    if (part_ml[2 * (first + c) + 1] > 0.0) big = max(big, part_ml[2 * (first + c)]);
  float l = 0.0;
  for (uint c = 0; c < p.splits; ++c) {
    const float lc = part_ml[2 * (first + c) + 1];
    if (lc > 0.0) l += lc * exp(part_ml[2 * (first + c)] - big);
  }
  const float inv_l = l > 0.0 ? 1.0 / l : 0.0;
  for (uint d = gl_LocalInvocationID.x; d < p.head_dim; d += gl_WorkGroupSize.x) {
    float acc = 0.0;
    for (uint c = 0; c < p.splits; ++c) {
      const float lc = part_ml[2 * (first + c) + 1];
      if (lc > 0.0) acc += exp(part_ml[2 * (first + c)] - big) * part_o[(first + c) * p.head_dim + d];
    }
    o[row * p.head_dim + d] = acc * inv_l;
  }
}
