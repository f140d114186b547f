#include "engine/runtime/sampler.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

namespace vkllm::runtime {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Shortest round-tripping text, so 0.9f reads "0.9" and not "0.899999976".
template <typename T>
std::string show(T v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

void require(bool ok, const char* name, float value, const char* expected) {
  if (!ok) {
    throw std::invalid_argument(std::string("sampler: ") + name + " must be " + expected +
                                ", got " + show(value));
  }
}

void check_ids(std::span<const uint32_t> ids, size_t vocab, const char* what) {
  for (uint32_t id : ids) {
    if (id >= vocab) {
      throw std::invalid_argument(std::string("sampler: ") + what + " id " + std::to_string(id) +
                                  " is outside the vocabulary of " + std::to_string(vocab) +
                                  " logits");
    }
  }
}

}  // namespace

Sampler::Sampler(const SamplingParams& p)
    : params_(p), greedy_(p.temperature < 1e-5f), rng_(p.seed) {
  // Written as !(in range) so that NaN fails too.
  require(p.temperature >= 0 && std::isfinite(p.temperature), "temperature", p.temperature,
          "finite and >= 0 (0: greedy)");
  require(p.top_k >= 0, "top_k", float(p.top_k), ">= 0 (0: off)");
  require(p.top_p > 0 && p.top_p <= 1, "top_p", p.top_p, "in (0, 1] (1: off)");
  require(p.min_p >= 0 && p.min_p <= 1, "min_p", p.min_p, "in [0, 1] (0: off)");
  require(p.repetition_penalty > 0 && std::isfinite(p.repetition_penalty), "repetition_penalty",
          p.repetition_penalty, "finite and > 0 (1: off)");
  require(std::isfinite(p.presence_penalty), "presence_penalty", p.presence_penalty, "finite");
  require(std::isfinite(p.frequency_penalty), "frequency_penalty", p.frequency_penalty, "finite");
}

void Sampler::penalize(std::span<const float> logits, std::span<const uint32_t> prompt,
                       std::span<const uint32_t> generated, Scratch& s) const {
  const size_t n = logits.size();
  if (n == 0) throw std::invalid_argument("sampler: empty logits row (expected one per token)");
  s.logits.resize(n);
  // One branch-free pass; `bad` catches NaN and +inf (both fail x < inf).
  unsigned bad = 0;
  for (size_t i = 0; i < n; ++i) {
    bad |= unsigned(!(logits[i] < std::numeric_limits<float>::infinity()));
    s.logits[i] = logits[i];
  }
  if (bad) {
    for (size_t i = 0; i < n; ++i) {
      if (!(logits[i] < std::numeric_limits<float>::infinity())) {
        throw std::runtime_error(std::string("sampler: the model produced ") +
                                 (std::isnan(logits[i]) ? "NaN" : "+inf") + " at token id " +
                                 std::to_string(i) + " (of " + std::to_string(n) + " logits)");
      }
    }
  }

  // Penalized logits are recomputed from the raw logit, so an id seen twice gets the
  // same value twice: "once per distinct token" without a seen-set.
  const double rp = params_.repetition_penalty;
  auto repeat = [rp](float x) { return x > 0 ? double(x) / rp : double(x) * rp; };
  if (params_.repetition_penalty != 1.0f) {
    check_ids(prompt, n, "prompt");
    check_ids(generated, n, "generated");
    for (uint32_t id : prompt) s.logits[id] = repeat(logits[id]);
    for (uint32_t id : generated) s.logits[id] = repeat(logits[id]);
  }
  if (params_.presence_penalty != 0.0f || params_.frequency_penalty != 0.0f) {
    check_ids(generated, n, "generated");
    if (s.counts.size() < n) s.counts.resize(n, 0);
    for (uint32_t id : generated) ++s.counts[id];
    // The first occurrence applies the penalty and zeroes the count for the next call.
    for (uint32_t id : generated) {
      const uint32_t count = s.counts[id];
      if (count == 0) continue;
      s.counts[id] = 0;
      s.logits[id] = repeat(logits[id]) - double(params_.presence_penalty) -
                     double(params_.frequency_penalty) * count;
    }
  }
}

void Sampler::keep_top_k(Scratch& s) const {
  const std::vector<double>& x = s.logits;
  const size_t n = x.size(), k = size_t(params_.top_k);
  std::vector<Candidate>& kept = s.kept;
  kept.clear();
  if (k == 0 || k >= n) {
    for (size_t i = 0; i < n; ++i) {
      if (x[i] != -kInf) kept.push_back({x[i], 0.0, uint32_t(i)});
    }
    return;
  }
  // Min-heap of the k largest seen: its top ends as the k-th largest, duplicates counted
  // (torch.topk(...)[-1]). Its top only rises, so a token below it when visited can never
  // be kept, and one pass collects a superset (~k log(n/k) tokens for random logits).
  std::vector<double>& top = s.top;
  top.assign(x.begin(), x.begin() + k);
  std::make_heap(top.begin(), top.end(), std::greater<>());
  for (size_t i = 0; i < k; ++i) kept.push_back({x[i], 0.0, uint32_t(i)});
  for (size_t i = k; i < n; ++i) {
    if (x[i] < top.front()) continue;
    kept.push_back({x[i], 0.0, uint32_t(i)});
    if (x[i] > top.front()) {
      std::pop_heap(top.begin(), top.end(), std::greater<>());
      top.back() = x[i];
      std::push_heap(top.begin(), top.end(), std::greater<>());
    }
  }
  const double threshold = top.front();
  std::erase_if(
      kept, [threshold](const Candidate& c) { return c.logit < threshold || c.logit == -kInf; });
}

void Sampler::keep_top_p(Scratch& s) const {
  std::vector<Candidate>& kept = s.kept;
  const size_t m = kept.size();
  auto more_likely = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  double total = 0;
  for (const Candidate& c : kept) total += c.weight;

  // A token stays while the probability of the tokens more likely than it is < top_p
  // (transformers' "ascending cumulative > 1 - top_p", in exact arithmetic). Only that
  // head must be sorted: sort a growing prefix until it holds the cut.
  const double top_p = params_.top_p;
  size_t sorted = std::min<size_t>(m, 64), cut = m;
  for (;;) {
    if (sorted == m) {
      std::sort(kept.begin(), kept.end(), more_likely);
    } else {
      std::partial_sort(kept.begin(), kept.begin() + sorted, kept.end(), more_likely);
    }
    size_t j = 0;
    double before = 0;
    while (j < sorted && before < top_p) before += kept[j++].weight / total;
    if (before >= top_p || sorted == m) {
      cut = j;
      break;
    }
    sorted = std::min(m, sorted * 8);
  }
  kept.resize(cut);
}

void Sampler::keep_min_p(Scratch& s) const {
  // p_i < min_p * p_max compares weights directly: the softmax denominator cancels.
  double max_weight = 0;
  for (const Candidate& c : s.kept) max_weight = std::max(max_weight, c.weight);
  const double floor = double(params_.min_p) * max_weight;
  std::erase_if(s.kept, [floor](const Candidate& c) { return c.weight < floor; });
}

void Sampler::select(std::span<const float> logits, std::span<const uint32_t> prompt,
                     std::span<const uint32_t> generated, Scratch& s) const {
  penalize(logits, prompt, generated, s);
  const std::vector<double>& x = s.logits;
  auto all_masked = [&] {
    return std::runtime_error("sampler: every one of the " + std::to_string(x.size()) +
                              " logits is -inf; there is no token to choose");
  };

  if (greedy_) {
    size_t best = 0;
    double best_logit = x[0];
    for (size_t i = 1; i < x.size(); ++i) {
      if (x[i] > best_logit) {  // strict: ties go to the lowest id
        best_logit = x[i];
        best = i;
      }
    }
    if (best_logit == -kInf) throw all_masked();
    s.kept.assign(1, {best_logit, 1.0, uint32_t(best)});
    return;
  }

  // Top-k before dividing by the temperature: a division by T > 0 keeps the order, and
  // then only the survivors need it.
  keep_top_k(s);
  if (s.kept.empty()) throw all_masked();
  const double temperature = params_.temperature;
  for (Candidate& c : s.kept) c.logit /= temperature;
  double max_logit = -kInf;
  for (const Candidate& c : s.kept) max_logit = std::max(max_logit, c.logit);
  for (Candidate& c : s.kept) c.weight = std::exp(c.logit - max_logit);
  if (params_.top_p < 1.0f) keep_top_p(s);
  if (params_.min_p > 0.0f) keep_min_p(s);
}

uint32_t Sampler::sample(std::span<const float> logits, std::span<const uint32_t> prompt,
                         std::span<const uint32_t> generated) {
  select(logits, prompt, generated, scratch_);
  const std::vector<Candidate>& kept = scratch_.kept;
  if (greedy_) return kept.front().id;

  double total = 0;
  for (const Candidate& c : kept) total += c.weight;
  // 53 random bits -> [0, 1) the same way on every standard library.
  const double u = double(rng_() >> 11) * 0x1.0p-53;
  const double target = u * total;
  double cumulative = 0;
  for (const Candidate& c : kept) {
    cumulative += c.weight;
    if (cumulative > target) return c.id;
  }
  // u * total rounded up to total: the last token that has any weight.
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    if (it->weight > 0) return it->id;
  }
  return kept.front().id;  // unreachable: the largest logit has weight 1
}

std::vector<double> Sampler::distribution(std::span<const float> logits,
                                          std::span<const uint32_t> prompt,
                                          std::span<const uint32_t> generated) const {
  Scratch s;
  select(logits, prompt, generated, s);
  double total = 0;
  for (const Candidate& c : s.kept) total += c.weight;
  std::vector<double> p(logits.size(), 0.0);
  for (const Candidate& c : s.kept) p[c.id] = c.weight / total;
  return p;
}

}  // namespace vkllm::runtime
