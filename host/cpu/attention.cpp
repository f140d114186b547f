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

namespace {

// Keys per work item when a step has fewer (token, kv head) pairs than threads
// (decode): the keys are cut into chunks whose partial softmaxes are merged after.
constexpr size_t kKeyChunk = 512;

// One token's query heads h0.. of kv head kvh over keys [j0, j1) of its visible
// range: m (running max), l (sum of exp) and o (unnormalized output) per head.
struct Partial {
  float* m;
  float* l;
  float* o;  // [heads of the group, hd]
};

}  // namespace

void attention(Cpu& cpu, const AttentionParams& a, const float* q, const void* k_cache,
               const void* v_cache, const uint32_t* places, float* out) {
  const size_t hd = a.head_dim, row = size_t(a.kv_heads) * hd, group = a.heads / a.kv_heads;
  const size_t elem = dtype_size(a.cache);
  const auto* kc = static_cast<const std::byte*>(k_cache);
  const auto* vc = static_cast<const std::byte*>(v_cache);
  const size_t pairs = size_t(a.tokens) * a.kv_heads;
  // Chunks only where there are too few pairs to occupy the threads.
  size_t chunks = 1;
  if (pairs < 2 * size_t(cpu.threads())) {
    size_t longest = 0;
    for (uint32_t t = 0; t < a.tokens; ++t)
      if (places[t] < a.max_pos)
        longest = std::max<size_t>(longest,
                                   std::min<size_t>(places[t] + 1, a.window ? a.window : SIZE_MAX));
    chunks = std::max<size_t>(1, (longest + kKeyChunk - 1) / kKeyChunk);
  }
  std::vector<float> part_m(pairs * chunks * group), part_l(pairs * chunks * group);
  std::vector<float> part_o(chunks > 1 ? pairs * chunks * group * hd : 0);
  cpu.pool().parallel_for(pairs * chunks, 1, [&](size_t b, size_t e) {
    std::vector<float> scores;
    for (size_t item = b; item < e; ++item) {
      const size_t pair = item / chunks, chunk = item % chunks;
      const size_t t = pair / a.kv_heads, kvh = pair % a.kv_heads;
      const size_t h0 = kvh * group;
      // This item's partials: straight into the output when the keys are not cut.
      float* m = part_m.data() + item * group;
      float* l = part_l.data() + item * group;
      float* o = chunks > 1 ? part_o.data() + item * group * hd : out + (t * a.heads + h0) * hd;
      std::fill(o, o + group * hd, 0.0f);
      std::fill(m, m + group, -INFINITY);
      std::fill(l, l + group, 0.0f);
      const uint32_t pos = places[t];
      if (pos >= a.max_pos) continue;  // padding: zeros
      const size_t base = places[a.tokens + t];
      const size_t lo = a.window && pos + 1 > a.window ? pos + 1 - a.window : 0;
      const size_t n = pos + 1 - lo, per = (n + chunks - 1) / chunks;
      const size_t j0 = std::min(n, chunk * per), j1 = std::min(n, j0 + per);
      if (j0 == j1) continue;
      const float* qt = q + (t * a.heads + h0) * hd;
      scores.resize((j1 - j0) * group);  // [key][head]
      for (size_t j = j0; j < j1; ++j) {
        const std::byte* key = kc + ((base + lo + j) * row + kvh * hd) * elem;
        float* s = scores.data() + (j - j0) * group;
        for (size_t g = 0; g < group; g += kMaxDotInputs)
          dot_rows(a.cache, key, qt + g * hd, hd, std::min(kMaxDotInputs, group - g), hd, s + g);
        for (size_t g = 0; g < group; ++g) {
          s[g] *= a.scale;
          if (a.softcap > 0) s[g] = a.softcap * std::tanh(s[g] / a.softcap);
          m[g] = std::max(m[g], s[g]);
        }
      }
      for (size_t j = j0; j < j1; ++j) {
        float* s = scores.data() + (j - j0) * group;
        for (size_t g = 0; g < group; ++g) l[g] += s[g] = std::exp(s[g] - m[g]);
        const std::byte* val = vc + ((base + lo + j) * row + kvh * hd) * elem;
        for (size_t g = 0; g < group; g += kMaxDotInputs)
          axpy_rows(a.cache, val, s + g, std::min(kMaxDotInputs, group - g), hd, o + g * hd, hd);
      }
      if (chunks == 1)
        for (size_t g = 0; g < group; ++g)
          for (size_t c = 0; c < hd; ++c) o[g * hd + c] /= l[g];
    }
  });
  if (chunks == 1) return;
  // Merge each head's chunks: weights exp(m_c - max m) on their sums and outputs.
  cpu.pool().parallel_for(size_t(a.tokens) * a.heads, 1, [&](size_t b, size_t e) {
    for (size_t th = b; th < e; ++th) {
      const size_t t = th / a.heads, h = th % a.heads, kvh = h / group, g = h % group;
      const size_t first = (t * a.kv_heads + kvh) * chunks;
      float top = -INFINITY, sum = 0;
      for (size_t c = 0; c < chunks; ++c) top = std::max(top, part_m[(first + c) * group + g]);
      float* o = out + th * hd;
      std::fill(o, o + hd, 0.0f);
      if (top == -INFINITY) continue;  // padding
      for (size_t c = 0; c < chunks; ++c) {
        const size_t at = (first + c) * group + g;
        if (part_l[at] == 0) continue;
        const float w = std::exp(part_m[at] - top);
        sum += w * part_l[at];
        const float* po = part_o.data() + at * hd;
        for (size_t i = 0; i < hd; ++i) o[i] += w * po[i];
      }
      for (size_t i = 0; i < hd; ++i) o[i] /= sum;
    }
  });
}

}  // namespace vkllm::host::cpu
