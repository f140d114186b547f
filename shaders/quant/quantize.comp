#version 450
#extension GL_GOOGLE_include_directive : require
// Quantize at load: a weight [n, k] in f32/f16/bf16 (A_*) into the engine's q8 or q4
// layout (engine/base/quant.h; BITS 8 or 4), groups of 32 with f16 scales. Each
// thread takes four consecutive groups of one row (so that it writes whole words of
// scales and zeros); k is a multiple of 128.
//   q8: s = max|w| / 127, code = round(w / s) + 128 (zero 128, no zeros stored)
//   q4: s = (max - min) / 15 over a range that holds 0, zero = round(-min / s),
//       code = clamp(round(w / s) + zero, 0, 15)
// The scale is rounded to f16 first and the codes computed with the rounded scale;
// halves round to even (engine/base/quant.h quant_round).
#include "types.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BITS = 8;

layout(push_constant) uniform Push { uint n; uint k; uint row_words; uint scale_word; uint zero_byte; } p;
layout(binding = 0) readonly buffer A { A_T a[]; };
layout(binding = 1) writeonly buffer Q { uint q[]; };

void main() {
  const uint quads = p.k / 128u;  // four groups per thread
  const uint id = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x +
                  gl_LocalInvocationID.x;
  if (id >= p.n * quads) return;
  const uint row = id / quads, quad = id % quads;
  const uint rb = row * p.row_words;
  uint scales[2] = uint[2](0u, 0u);
  uint zeros = 0u;
  for (uint gi = 0u; gi < 4u; ++gi) {
    const uint g = quad * 4u + gi, c0 = g * 32u;
    float v[32];
    float mn = 0.0, mx = 0.0, amax = 0.0;
    for (uint j = 0u; j < 32u; ++j) {
      v[j] = A_LOAD(a[row * p.k + c0 + j]);
      mn = j == 0u ? v[j] : min(mn, v[j]);
      mx = j == 0u ? v[j] : max(mx, v[j]);
      amax = max(amax, abs(v[j]));
    }
    float s;
    uint zero;
    if (BITS == 8u) {
      s = unpackHalf2x16(packHalf2x16(vec2(amax / 127.0, 0.0))).x;
      zero = 128u;
    } else {
      // The range holds 0 (as GPTQ's quantizer does): the zero is a code 0..15.
      mn = min(mn, 0.0);
      mx = max(mx, 0.0);
      s = unpackHalf2x16(packHalf2x16(vec2((mx - mn) / 15.0, 0.0))).x;
      zero = s > 0.0 ? uint(clamp(roundEven(-mn / s), 0.0, 15.0)) : 0u;
    }
    const float inv = s > 0.0 ? 1.0 / s : 0.0;
    const float top = BITS == 8u ? 255.0 : 15.0;
    uint words[8];
    for (uint w = 0u; w < 8u; ++w) words[w] = 0u;
    for (uint j = 0u; j < 32u; ++j) {
      const uint code = uint(clamp(roundEven(v[j] * inv) + float(zero), 0.0, top));
      if (BITS == 8u)
        words[j / 4u] |= code << (8u * (j & 3u));
      else
        words[j / 8u] |= code << (4u * (j & 7u));
    }
    const uint words_per_group = BITS == 8u ? 8u : 4u;
    for (uint w = 0u; w < words_per_group; ++w) q[rb + g * words_per_group + w] = words[w];
    scales[gi / 2u] |= packHalf2x16(vec2(s, 0.0)) << (16u * (gi & 1u));
    zeros |= zero << (8u * gi);
  }
  q[rb + p.scale_word + quad * 2u] = scales[0];
  q[rb + p.scale_word + quad * 2u + 1u] = scales[1];
  if (BITS == 4u) q[rb + p.zero_byte / 4u + quad] = zeros;
}
