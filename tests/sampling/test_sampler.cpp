// Sampler::distribution against probabilities worked out by hand on six-token
// vocabularies, one stage at a time and all together, and against a literal
// transcription of transformers' processors on random logits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/runtime/sampler.h"

namespace vkllm::runtime {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
const double e = std::exp(1.0);

using Ids = std::vector<uint32_t>;

std::vector<double> dist(const SamplingParams& p, const std::vector<float>& logits,
                         const Ids& prompt = {}, const Ids& generated = {}) {
  return Sampler(p).distribution(logits, prompt, generated);
}

// softmax(x) over the ids in `keep`, 0 elsewhere.
std::vector<double> softmax_over(const std::vector<double>& x, const Ids& keep) {
  std::vector<double> p(x.size(), 0.0);
  double sum = 0;
  for (uint32_t id : keep) sum += std::exp(x[id]);
  for (uint32_t id : keep) p[id] = std::exp(x[id]) / sum;
  return p;
}
std::vector<double> softmax(const std::vector<double>& x) {
  Ids all(x.size());
  std::iota(all.begin(), all.end(), 0u);
  return softmax_over(x, all);
}

void expect_dist(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (want[i] == 0) {
      EXPECT_EQ(got[i], 0.0) << "token " << i << " should have been removed";
    } else {
      EXPECT_NEAR(got[i], want[i], 1e-12) << "token " << i;
    }
  }
}

const std::vector<float> kRamp = {1, 2, 3, 0, -1, 0.5f};
const std::vector<float> kTies = {1, 3, 3, 2, 3, 0};
const std::vector<float> kSteps = {2, 1, 0, -1, -2, -3};

TEST(sampling, PlainSoftmax) {
  expect_dist(dist({}, kRamp), softmax({1, 2, 3, 0, -1, 0.5}));
}

TEST(sampling, Temperature) {
  expect_dist(dist({.temperature = 0.5f}, kRamp), softmax({2, 4, 6, 0, -2, 1}));
  expect_dist(dist({.temperature = 2.0f}, kRamp), softmax({0.5, 1, 1.5, 0, -0.5, 0.25}));
}

TEST(sampling, TopK) {
  // Keeps ids 2 (logit 3) and 1 (logit 2).
  expect_dist(dist({.top_k = 2}, kRamp), {0, 1 / (1 + e), e / (1 + e), 0, 0, 0});
  expect_dist(dist({.top_k = 1}, kRamp), {0, 0, 1, 0, 0, 0});
  // k at or beyond the vocabulary: off.
  expect_dist(dist({.top_k = 6}, kRamp), softmax({1, 2, 3, 0, -1, 0.5}));
  expect_dist(dist({.top_k = 1000}, kRamp), softmax({1, 2, 3, 0, -1, 0.5}));
}

TEST(sampling, TopKKeepsEveryTieOfTheKthLogit) {
  // Three ids share the largest logit 3: k = 1 and k = 2 both keep all three.
  expect_dist(dist({.top_k = 1}, kTies), {0, 1.0 / 3, 1.0 / 3, 0, 1.0 / 3, 0});
  expect_dist(dist({.top_k = 2}, kTies), {0, 1.0 / 3, 1.0 / 3, 0, 1.0 / 3, 0});
  expect_dist(dist({.top_k = 3}, kTies), {0, 1.0 / 3, 1.0 / 3, 0, 1.0 / 3, 0});
  // The 4th largest is the 2 at id 3.
  const double s = 3 * e + 1;
  expect_dist(dist({.top_k = 4}, kTies), {0, e / s, e / s, 1 / s, e / s, 0});
}

TEST(sampling, TopPBoundaryExactlyAtACumulativeValue) {
  // Four tokens of probability 1/4 each (exact in binary). Ascending cumulative: 1/4,
  // 1/2, 3/4, 1; a token goes when its cumulative is <= 1 - top_p, so top_p = 0.5 removes
  // two (cumulative 1/4 and 1/2 == 0.5). Among equal logits the higher ids go first.
  const std::vector<float> flat = {0, 0, kNegInf, 0, 0, kNegInf};
  expect_dist(dist({.top_p = 0.5f}, flat), {0.5, 0.5, 0, 0, 0, 0});
  expect_dist(dist({.top_p = 0.75f}, flat), {1.0 / 3, 1.0 / 3, 0, 1.0 / 3, 0, 0});
  expect_dist(dist({.top_p = 0.25f}, flat), {1, 0, 0, 0, 0, 0});
  expect_dist(dist({.top_p = 0.2500001f}, flat), {0.5, 0.5, 0, 0, 0, 0});
}

TEST(sampling, TopPAroundACumulativeValue) {
  // Probabilities of kSteps: p0 = 0.6337, p0 + p1 = 0.8668, p0 + p1 + p2 = 0.9526.
  const double s = 1 + 1 / e + 1 / (e * e);
  expect_dist(dist({.top_p = 0.86f}, kSteps), {e / (e + 1), 1 / (e + 1), 0, 0, 0, 0});
  expect_dist(dist({.top_p = 0.87f}, kSteps), {1 / s, 1 / (e * s), 1 / (e * e * s), 0, 0, 0});
  expect_dist(dist({.top_p = 0.6f}, kSteps), {1, 0, 0, 0, 0, 0});
  // p5 = 0.0043: top_p 0.999 keeps all six (the least likely has 0.9957 before it).
  expect_dist(dist({.top_p = 0.999f}, kSteps), softmax({2, 1, 0, -1, -2, -3}));
  // top_p = 1 is off: every token stays.
  expect_dist(dist({.top_p = 1.0f}, kSteps), softmax({2, 1, 0, -1, -2, -3}));
}

TEST(sampling, MinP) {
  // Relative to the largest probability: e^-1 = 0.37 stays at min_p 0.3, e^-2 = 0.14 goes.
  expect_dist(dist({.min_p = 0.3f}, kSteps), {e / (e + 1), 1 / (e + 1), 0, 0, 0, 0});
  expect_dist(dist({.min_p = 0.1f}, kSteps), softmax_over({2, 1, 0, -1, -2, -3}, {0, 1, 2}));
  // min_p = 1 keeps exactly the tokens tied for the largest probability.
  expect_dist(dist({.min_p = 1.0f}, kTies), {0, 1.0 / 3, 1.0 / 3, 0, 1.0 / 3, 0});
}

TEST(sampling, RepetitionPenaltyOncePerDistinctToken) {
  const std::vector<float> logits = {2, -2, 1, 0, 3, -1};
  // Token 0: 2 / 2; token 1 (three times in the context): -2 * 2 once; token 3: 0 stays 0.
  expect_dist(dist({.repetition_penalty = 2.0f}, logits, {0, 1, 1, 3}, {1}),
              softmax({1, -4, 1, 0, 3, -1}));
  // A penalty below 1 favours repeats.
  expect_dist(dist({.repetition_penalty = 0.5f}, logits, {0, 1, 1, 3}, {1}),
              softmax({4, -1, 1, 0, 3, -1}));
  // Generated ids count as context too.
  expect_dist(dist({.repetition_penalty = 2.0f}, logits, {}, {4, 4}),
              softmax({2, -2, 1, 0, 1.5, -1}));
}

TEST(sampling, PresenceAndFrequencyOverGeneratedOnly) {
  const std::vector<float> logits = {2, -2, 1, 0, 3, -1};
  // Token 2 three times: 1 - 0.5 - 3 * 0.25; token 5 once: -1 - 0.5 - 0.25. The prompt's
  // ids 0 and 4 are untouched.
  const SamplingParams p = {.presence_penalty = 0.5f, .frequency_penalty = 0.25f};
  expect_dist(dist(p, logits, {0, 4}, {2, 2, 5, 2}), softmax({2, -2, -0.25, 0, 3, -1.75}));
  expect_dist(dist({.presence_penalty = 0.5f}, logits, {}, {2, 2, 5, 2}),
              softmax({2, -2, 0.5, 0, 3, -1.5}));
  expect_dist(dist({.frequency_penalty = 0.25f}, logits, {}, {2, 2, 5, 2}),
              softmax({2, -2, 0.25, 0, 3, -1.25}));
  // Repetition first (over prompt and generated), then presence / frequency.
  SamplingParams both = p;
  both.repetition_penalty = 2.0f;
  expect_dist(dist(both, logits, {0, 4}, {2, 2, 5, 2}), softmax({1, -2, -0.75, 0, 1.5, -2.75}));
}

TEST(sampling, WholeChainInOrder) {
  // Penalties: id 2 (prompt) 3 -> 1.5; id 5 (generated) 2.5 -> 1.25 - 1 = 0.25, giving
  // {2, 1, 1.5, 0, -1, 0.25}; temperature 0.5 -> {4, 2, 3, 0, -2, 0.5}; top-k 4 keeps ids
  // 0, 2, 1, 5 with probabilities .652 .240 .088 .020; top-p 0.95 drops id 5 (.652 + .240
  // + .088 >= .95); min-p 0.2 drops id 1 (e^-2 < 0.2).
  const SamplingParams p = {.temperature = 0.5f,
                            .top_k = 4,
                            .top_p = 0.95f,
                            .min_p = 0.2f,
                            .repetition_penalty = 2.0f,
                            .presence_penalty = 1.0f};
  const std::vector<float> logits = {2, 1, 3, 0, -1, 2.5f};
  expect_dist(dist(p, logits, {2}, {5}), {e / (e + 1), 0, 1 / (e + 1), 0, 0, 0});
  // Without min-p, id 1 stays.
  SamplingParams no_min_p = p;
  no_min_p.min_p = 0;
  expect_dist(dist(no_min_p, logits, {2}, {5}), softmax_over({4, 2, 3, 0, -2, 0.5}, {0, 1, 2}));
}

TEST(sampling, GreedyIsOneHotOnTheLowestArgmax) {
  expect_dist(dist({.temperature = 0}, kRamp), {0, 0, 1, 0, 0, 0});
  expect_dist(dist({.temperature = 0}, kTies), {0, 1, 0, 0, 0, 0});
  expect_dist(dist({.temperature = 1e-6f}, kTies), {0, 1, 0, 0, 0, 0});
  // Warpers do not apply (min_p = 1 would otherwise keep all three ties)...
  expect_dist(dist({.temperature = 0, .top_k = 3, .min_p = 1}, kTies), {0, 1, 0, 0, 0, 0});
  // ...penalties do: id 4's 3 becomes 1.5, below id 0's 2.
  const std::vector<float> logits = {2, -2, 1, 0, 3, -1};
  expect_dist(dist({.temperature = 0, .repetition_penalty = 2.0f}, logits, {4}, {}),
              {1, 0, 0, 0, 0, 0});
  Sampler greedy({.temperature = 0, .repetition_penalty = 2.0f});
  EXPECT_EQ(greedy.sample(logits, Ids{4}, {}), 0u);
  EXPECT_EQ(greedy.sample(logits, {}, {}), 4u);
}

TEST(sampling, NegativeInfinityIsNeverKept) {
  const std::vector<float> logits = {kNegInf, 0, kNegInf, 0, 0, kNegInf};
  expect_dist(dist({}, logits), {0, 1.0 / 3, 0, 1.0 / 3, 1.0 / 3, 0});
  // Fewer finite logits than k.
  expect_dist(dist({.top_k = 5}, logits), {0, 1.0 / 3, 0, 1.0 / 3, 1.0 / 3, 0});
}

// transformers' processors transcribed literally (full sorts, ascending cumulative
// sums), in double: the oracle for the partial sorts and heaps of the fast path.
std::vector<double> reference(const SamplingParams& p, const std::vector<float>& logits,
                              const Ids& prompt, const Ids& generated) {
  const size_t n = logits.size();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> x(logits.begin(), logits.end());
  std::vector<bool> seen(n);
  for (const Ids* ids : {&prompt, &generated}) {
    for (uint32_t id : *ids) seen[id] = true;
  }
  for (size_t i = 0; i < n; ++i) {
    if (seen[i]) x[i] = x[i] < 0 ? x[i] * p.repetition_penalty : x[i] / p.repetition_penalty;
  }
  std::vector<uint32_t> count(n);
  for (uint32_t id : generated) ++count[id];
  for (size_t i = 0; i < n; ++i) {
    if (count[i]) x[i] -= p.presence_penalty + double(p.frequency_penalty) * count[i];
  }
  auto probs = [&] {
    const double mx = *std::max_element(x.begin(), x.end());
    std::vector<double> q(n);
    double sum = 0;
    for (size_t i = 0; i < n; ++i) sum += q[i] = std::exp(x[i] - mx);
    for (double& v : q) v /= sum;
    return q;
  };
  for (double& v : x) v /= p.temperature;
  if (p.top_k > 0) {
    std::vector<double> sorted = x;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    const double kth = sorted[std::min<size_t>(p.top_k, n) - 1];
    for (double& v : x) v = v < kth ? -inf : v;
  }
  if (p.top_p < 1) {
    const std::vector<double> q = probs();
    Ids order(n);
    std::iota(order.begin(), order.end(), 0u);
    // Ascending; among equal logits the higher id first (it is the less likely one).
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return x[a] < x[b] || (x[a] == x[b] && a > b); });
    double cumulative = 0;
    for (size_t j = 0; j + 1 < n; ++j) {
      cumulative += q[order[j]];
      if (cumulative <= 1 - double(p.top_p)) x[order[j]] = -inf;
    }
  }
  if (p.min_p > 0) {
    const std::vector<double> q = probs();
    const double top = *std::max_element(q.begin(), q.end());
    for (size_t i = 0; i < n; ++i) {
      if (q[i] < p.min_p * top) x[i] = -inf;
    }
  }
  return probs();
}

TEST(sampling, MatchesTheLiteralTransformersChainOnRandomLogits) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  const SamplingParams cases[] = {
      {.temperature = 0.7f, .top_k = 50, .top_p = 0.9f},
      {.temperature = 1.0f, .top_p = 0.9f},   // flat: the sorted head grows 64 -> 512 -> 4096
      {.temperature = 0.1f, .top_p = 0.95f},  // peaked: the cut is inside the first 64
      {.temperature = 1.3f, .top_k = 200, .min_p = 0.05f, .repetition_penalty = 1.3f},
      {.temperature = 0.8f,
       .top_k = 40,
       .top_p = 0.8f,
       .min_p = 0.02f,
       .repetition_penalty = 1.1f,
       .presence_penalty = 0.4f,
       .frequency_penalty = 0.3f},
      {.top_k = 3000, .top_p = 0.5f},
  };
  for (const SamplingParams& p : cases) {
    for (int trial = 0; trial < 3; ++trial) {
      std::vector<float> logits(5000);
      for (float& v : logits) v = 2 * normal(rng);
      Ids prompt(100), generated(30);
      for (uint32_t& id : prompt) id = rng() % 5000;
      for (uint32_t& id : generated) id = rng() % 60;  // repeats
      const std::vector<double> got = Sampler(p).distribution(logits, prompt, generated);
      const std::vector<double> want = reference(p, logits, prompt, generated);
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i] == 0, want[i] == 0)
            << "top_k " << p.top_k << " top_p " << p.top_p << " trial " << trial << " token " << i;
        ASSERT_NEAR(got[i], want[i], 1e-12) << "token " << i;
      }
    }
  }
}

TEST(sampling, NaNNamesTheTokenId) {
  std::vector<float> logits = {1, 2, 3, std::numeric_limits<float>::quiet_NaN(), 0, 1};
  for (float temperature : {1.0f, 0.0f}) {
    Sampler s({.temperature = temperature, .top_k = 2});
    try {
      s.sample(logits, {}, {});
      FAIL() << "NaN accepted";
    } catch (const std::runtime_error& err) {
      EXPECT_NE(std::string(err.what()).find("NaN at token id 3"), std::string::npos) << err.what();
    }
    EXPECT_THROW(s.distribution(logits, {}, {}), std::runtime_error);
  }
  logits[3] = std::numeric_limits<float>::infinity();
  try {
    Sampler({}).sample(logits, {}, {});
    FAIL() << "+inf accepted";
  } catch (const std::runtime_error& err) {
    EXPECT_NE(std::string(err.what()).find("+inf at token id 3"), std::string::npos) << err.what();
  }
}

TEST(sampling, NothingToChoose) {
  const std::vector<float> masked(6, kNegInf);
  EXPECT_THROW(Sampler({}).sample(masked, {}, {}), std::runtime_error);
  EXPECT_THROW(Sampler({.temperature = 0}).sample(masked, {}, {}), std::runtime_error);
  EXPECT_THROW(Sampler({}).sample({}, {}, {}), std::invalid_argument);
}

TEST(sampling, IdsOutsideTheVocabulary) {
  try {
    Sampler({.repetition_penalty = 1.2f}).sample(kRamp, Ids{1, 9}, {});
    FAIL() << "id 9 accepted for a vocabulary of 6";
  } catch (const std::invalid_argument& err) {
    EXPECT_NE(std::string(err.what()).find("prompt id 9"), std::string::npos) << err.what();
  }
  // A rejected call must not leave counts behind for the next one: one stale count of id 2
  // would make its 3 - 2 * 0.75 lose to id 1's 2.
  Sampler greedy({.temperature = 0, .frequency_penalty = 0.75f});
  EXPECT_THROW(greedy.sample(kRamp, {}, Ids{2, 6}), std::invalid_argument);
  EXPECT_EQ(greedy.sample(kRamp, {}, Ids{2}), 2u);  // 3 - 0.75 still beats 2
  EXPECT_EQ(greedy.sample(kRamp, {}, Ids{2, 2}), 1u);
  EXPECT_EQ(greedy.sample(kRamp, {}, Ids{2}), 2u);  // and no counts from the call before
}

TEST(sampling, InvalidParametersNameTheParameter) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  struct Case {
    SamplingParams p;
    std::string name, value;
  };
  const Case cases[] = {
      {{.temperature = -0.5f}, "temperature", "-0.5"},
      {{.temperature = nan}, "temperature", "nan"},
      {{.top_k = -1}, "top_k", "-1"},
      {{.top_p = 0}, "top_p", "0"},
      {{.top_p = 1.5f}, "top_p", "1.5"},
      {{.min_p = -0.1f}, "min_p", "-0.1"},
      {{.min_p = 1.1f}, "min_p", "1.1"},
      {{.repetition_penalty = 0}, "repetition_penalty", "0"},
      {{.repetition_penalty = -1}, "repetition_penalty", "-1"},
      {{.presence_penalty = nan}, "presence_penalty", "nan"},
      {{.frequency_penalty = std::numeric_limits<float>::infinity()}, "frequency_penalty", "inf"},
  };
  for (const Case& c : cases) {
    try {
      Sampler s(c.p);
      FAIL() << c.name << " = " << c.value << " accepted";
    } catch (const std::invalid_argument& err) {
      const std::string what = err.what();
      EXPECT_NE(what.find(c.name + " must be"), std::string::npos) << what;
      EXPECT_NE(what.find("got " + c.value), std::string::npos) << what;
    }
  }
  EXPECT_NO_THROW(Sampler({.temperature = 0, .top_p = 1, .min_p = 1}));
}

}  // namespace
}  // namespace vkllm::runtime
