#include "host/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "engine/base/half.h"
#include "host/cpu/dot.h"

namespace vkllm::host::cpu {

void kv_append(const AttentionParams& a, const float* k, const float* v, const uint32_t* places,
               void* k_cache, void* v_cache) {
  const size_t row = size_t(a.kv_heads) * a.head_dim;
  for (uint32_t t = 0; t < a.tokens; ++t) {
    const uint32_t pos = places[t];
    if (pos >= a.max_pos) continue;
    const size_t at = (size_t(places[a.tokens + t]) + pos) * row;
    if (a.cache == DType::F32) {
      std::memcpy(static_cast<float*>(k_cache) + at, k + t * row, row * 4);
      std::memcpy(static_cast<float*>(v_cache) + at, v + t * row, row * 4);
    } else {
      auto* kc = static_cast<uint16_t*>(k_cache) + at;
      auto* vc = static_cast<uint16_t*>(v_cache) + at;
      for (size_t i = 0; i < row; ++i) {
        kc[i] = f32_to_f16(k[t * row + i]);
        vc[i] = f32_to_f16(v[t * row + i]);
      }
    }
  }
}

void attention(Cpu& cpu, const AttentionParams& a, const float* q, const void* k_cache,
               const void* v_cache, const uint32_t* places, float* out) {
  const size_t hd = a.head_dim, row = size_t(a.kv_heads) * hd, group = a.heads / a.kv_heads;
  const size_t elem = dtype_size(a.cache);
  const auto* kc = static_cast<const std::byte*>(k_cache);
  const auto* vc = static_cast<const std::byte*>(v_cache);
  cpu.pool().parallel_for(size_t(a.tokens) * a.heads, 1, [&](size_t b, size_t e) {
    std::vector<float> scores;
    for (size_t item = b; item < e; ++item) {
      const size_t t = item / a.heads, h = item % a.heads, kvh = h / group;
      float* o = out + item * hd;
      std::fill(o, o + hd, 0.0f);
      const uint32_t pos = places[t];
      if (pos >= a.max_pos) continue;  // padding
      const size_t base = places[a.tokens + t];
      const size_t lo = a.window && pos + 1 > a.window ? pos + 1 - a.window : 0;
      const size_t n = pos + 1 - lo;
      scores.resize(n);
      float m = -INFINITY;
      for (size_t j = 0; j < n; ++j) {
        const std::byte* key = kc + ((base + lo + j) * row + kvh * hd) * elem;
        float s;
        dot_rows(a.cache, key, q + item * hd, hd, 1, hd, &s);
        s *= a.scale;
        if (a.softcap > 0) s = a.softcap * std::tanh(s / a.softcap);
        scores[j] = s;
        m = std::max(m, s);
      }
      float l = 0;
      for (size_t j = 0; j < n; ++j) l += scores[j] = std::exp(scores[j] - m);
      const float inv = 1.0f / l;
      for (size_t j = 0; j < n; ++j) {
        const std::byte* val = vc + ((base + lo + j) * row + kvh * hd) * elem;
        axpy_row(a.cache, val, scores[j] * inv, hd, o);
      }
    }
  });
}

}  // namespace vkllm::host::cpu
