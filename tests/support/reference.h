// The reference logits of a fixture folder (reference.safetensors: input_ids,
// logits [T, V] from transformers or PEFT in float64, top2_margin [T]), the
// measure every model test uses against them, and a session run over the
// sequence teacher-forced.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <span>
#include <vector>

#include "engine/runtime/session.h"
#include "loaders/safetensors/file.h"

namespace vkllm::test {

struct Reference {
  std::vector<uint32_t> ids;
  std::vector<float> logits, margin;
  size_t vocab = 0;
};

inline Reference load_reference(const std::filesystem::path& dir) {
  auto f = st::SafetensorsFile::open(dir / "reference.safetensors");
  Reference r;
  auto ids = f.data(f.at("input_ids"));
  for (size_t i = 0; i < ids.size() / 8; ++i) {
    int64_t v;
    std::memcpy(&v, ids.data() + i * 8, 8);
    r.ids.push_back(uint32_t(v));
  }
  auto copy = [&](const char* name, std::vector<float>& out) {
    auto d = f.data(f.at(name));
    out.resize(d.size() / 4);
    std::memcpy(out.data(), d.data(), d.size());
  };
  copy("logits", r.logits);
  copy("top2_margin", r.margin);
  r.vocab = f.at("logits").shape[1];
  return r;
}

struct Score {
  double max_rel = 0;
  int argmax_mismatches = 0;
};

inline Score compare(const Reference& ref, const std::vector<float>& got) {
  Score s;
  const size_t T = ref.ids.size(), V = ref.vocab;
  for (size_t t = 0; t < T; ++t) {
    const float* r = ref.logits.data() + t * V;
    const float* g = got.data() + t * V;
    double scale = 1, diff = 0;
    for (size_t i = 0; i < V; ++i) {
      scale = std::max(scale, double(std::abs(r[i])));
      diff = std::max(diff, double(std::abs(g[i] - r[i])));
    }
    s.max_rel = std::max(s.max_rel, diff / scale);
    if (ref.margin[t] > 0.1f && std::max_element(r, r + V) - r != std::max_element(g, g + V) - g)
      ++s.argmax_mismatches;
  }
  return s;
}

// Teacher-forced logits of the whole sequence, in prefill chunks of `batch`
// tokens or one decode step per token.
inline std::vector<float> run_sequence(runtime::Session& s, const Reference& ref, bool decode,
                                       uint32_t batch) {
  std::vector<float> out;
  const uint32_t step = decode ? 1 : batch;
  for (size_t pos = 0; pos < ref.ids.size(); pos += step) {
    const size_t n = std::min<size_t>(step, ref.ids.size() - pos);
    auto rows = s.forward(std::span(ref.ids).subspan(pos, n), uint32_t(pos), true, decode);
    out.insert(out.end(), rows.begin(), rows.end());
  }
  return out;
}

}  // namespace vkllm::test
