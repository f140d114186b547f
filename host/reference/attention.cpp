#include "host/reference/attention.h"

#include <algorithm>
#include <cmath>

namespace vkllm::host::ref {

namespace {

// [first, end): the cache rows of the keys token t sees.
std::pair<size_t, size_t> visible_keys(const std::vector<uint32_t>& places, size_t t,
                                       const AttentionParams& a) {
  const size_t tokens = places.size() / 2, base = places[tokens + t];
  if (places[t] >= a.max_pos) return {0, 0};  // padding
  size_t end = size_t(places[t]) + 1;
  size_t first = a.window > 0 && end > a.window ? end - a.window : 0;
  return {base + first, base + end};
}

// Scores of query (t, h) against keys [first, end), after scaling and soft-capping.
std::vector<double> scores(const HostTensor& q, const HostTensor& k_cache, size_t t, size_t h,
                           size_t first, size_t end, const AttentionParams& a) {
  size_t kvh = h / (a.heads / a.kv_heads);
  std::vector<double> s(end - first);
  for (size_t j = first; j < end; ++j) {
    double dot = 0;
    for (size_t d = 0; d < a.head_dim; ++d)
      dot += double(q.get((t * a.heads + h) * a.head_dim + d)) *
             k_cache.get((j * a.kv_heads + kvh) * a.head_dim + d);
    double x = dot * a.scale;
    s[j - first] = a.softcap > 0 ? a.softcap * std::tanh(x / a.softcap) : x;
  }
  return s;
}

// Accumulates w[j] * v[first + j] into o (head_dim doubles) for query head h.
void weighted_values(std::vector<double>& o, const std::vector<double>& w,
                     const HostTensor& v_cache, size_t h, size_t first, const AttentionParams& a) {
  size_t kvh = h / (a.heads / a.kv_heads);
  for (size_t j = 0; j < w.size(); ++j)
    for (size_t d = 0; d < a.head_dim; ++d)
      o[d] += w[j] * v_cache.get(((first + j) * a.kv_heads + kvh) * a.head_dim + d);
}

}  // namespace

std::vector<uint32_t> places(const std::vector<uint32_t>& pos, const std::vector<uint32_t>& base) {
  std::vector<uint32_t> p = pos;
  for (size_t t = 0; t < pos.size(); ++t) p.push_back(base.empty() ? 0 : base[t]);
  return p;
}

void kv_append(HostTensor& k_cache, HostTensor& v_cache, const HostTensor& k, const HostTensor& v,
               const std::vector<uint32_t>& places, size_t kv_heads, size_t head_dim,
               size_t max_pos) {
  const size_t row = kv_heads * head_dim, tokens = places.size() / 2;
  for (size_t t = 0; t < tokens; ++t) {
    if (places[t] >= max_pos) continue;
    const size_t at = places[tokens + t] + places[t];
    for (size_t i = 0; i < row; ++i) {
      k_cache.set(at * row + i, k.get(t * row + i));
      v_cache.set(at * row + i, v.get(t * row + i));
    }
  }
}

HostTensor attention(const HostTensor& q, const HostTensor& k_cache, const HostTensor& v_cache,
                     const std::vector<uint32_t>& places, const AttentionParams& a) {
  const size_t tokens = places.size() / 2;
  HostTensor out(DType::F32, tokens * a.heads * a.head_dim);
  for (size_t t = 0; t < tokens; ++t)
    for (size_t h = 0; h < a.heads; ++h) {
      auto [first, end] = visible_keys(places, t, a);
      if (first == end) continue;  // padding: zeros
      std::vector<double> s = scores(q, k_cache, t, h, first, end, a);
      double m = *std::max_element(s.begin(), s.end()), l = 0;
      for (double& x : s) l += x = std::exp(x - m);
      std::vector<double> o(a.head_dim, 0.0);
      weighted_values(o, s, v_cache, h, first, a);
      for (size_t d = 0; d < a.head_dim; ++d)
        out.set((t * a.heads + h) * a.head_dim + d, float(o[d] / l));
    }
  return out;
}

AttentionPartials attention_partials(const HostTensor& q, const HostTensor& k_cache,
                                     const HostTensor& v_cache, const std::vector<uint32_t>& places,
                                     const AttentionParams& a, size_t splits) {
  const size_t tokens = places.size() / 2;
  size_t records = tokens * a.heads * splits;
  AttentionPartials r{HostTensor(DType::F32, records * a.head_dim),
                      HostTensor(DType::F32, records * 2)};
  for (size_t t = 0; t < tokens; ++t)
    for (size_t h = 0; h < a.heads; ++h) {
      auto [first, end] = visible_keys(places, t, a);
      size_t len = (end - first + splits - 1) / splits;
      for (size_t c = 0; c < splits; ++c) {
        size_t rec = (t * a.heads + h) * splits + c;
        size_t b = std::min(first + c * len, end), e = std::min(b + len, end);
        std::vector<double> o(a.head_dim, 0.0);
        double m = 0, l = 0;
        if (b < e) {
          std::vector<double> s = scores(q, k_cache, t, h, b, e, a);
          m = *std::max_element(s.begin(), s.end());
          for (double& x : s) l += x = std::exp(x - m);
          weighted_values(o, s, v_cache, h, b, a);
        }
        for (size_t d = 0; d < a.head_dim; ++d) r.o.set(rec * a.head_dim + d, float(o[d]));
        r.ml.set(2 * rec, float(m));
        r.ml.set(2 * rec + 1, float(l));
      }
    }
  return r;
}

}  // namespace vkllm::host::ref
