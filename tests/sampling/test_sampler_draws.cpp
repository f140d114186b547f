// Sampler::sample draws from exactly Sampler::distribution: counts over many draws
// against it, zero-probability tokens never drawn, and one seed, one sequence.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/runtime/sampler.h"

namespace vkllm::runtime {
namespace {

using Ids = std::vector<uint32_t>;

// Every count within 5 binomial standard deviations of n * p; p = 0 never drawn.
void expect_draws_follow(const SamplingParams& params, const std::vector<float>& logits,
                         const Ids& prompt, const Ids& generated) {
  constexpr int kDraws = 200000;
  Sampler sampler(params);
  const std::vector<double> p = sampler.distribution(logits, prompt, generated);
  std::vector<int> count(logits.size());
  for (int i = 0; i < kDraws; ++i) ++count[sampler.sample(logits, prompt, generated)];
  for (size_t id = 0; id < p.size(); ++id) {
    if (p[id] == 0) {
      EXPECT_EQ(count[id], 0) << "token " << id << " has probability 0";
      continue;
    }
    const double mean = kDraws * p[id], sigma = std::sqrt(kDraws * p[id] * (1 - p[id]));
    EXPECT_LE(std::abs(count[id] - mean), 5 * sigma + 1)
        << "token " << id << ": " << count[id] << " draws, expected " << mean;
  }
}

const std::vector<float> kLogits = {1.0f, 2.5f, 0.3f, -1.0f, 2.0f, 0.0f, 1.7f, -3.0f};

TEST(sampling, DrawsFollowTheDistribution) {
  expect_draws_follow({.seed = 1}, kLogits, {}, {});
  expect_draws_follow({.temperature = 0.7f, .top_k = 3, .seed = 2}, kLogits, {}, {});
  expect_draws_follow({.temperature = 1.5f, .top_p = 0.8f, .min_p = 0.1f, .seed = 3}, kLogits, {},
                      {});
  expect_draws_follow({.temperature = 0.9f,
                       .top_k = 6,
                       .top_p = 0.95f,
                       .repetition_penalty = 1.3f,
                       .presence_penalty = 0.2f,
                       .frequency_penalty = 0.1f,
                       .seed = 4},
                      kLogits, {1, 4}, {6, 6, 0});
}

TEST(sampling, DrawsNeverDrawARemovedToken) {
  // Vocabulary of 1000, top-k 50: every draw must be one of the 50 kept.
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  std::vector<float> logits(1000);
  for (float& v : logits) v = 3 * normal(rng);
  Sampler sampler({.temperature = 0.7f, .top_k = 50, .top_p = 0.9f, .seed = 5});
  const std::vector<double> p = sampler.distribution(logits, {}, {});
  int kept = 0;
  for (double v : p) kept += v > 0;
  EXPECT_LE(kept, 50);
  for (int i = 0; i < 20000; ++i) {
    const uint32_t id = sampler.sample(logits, {}, {});
    ASSERT_GT(p[id], 0.0) << "drew token " << id << ", which has probability 0";
  }
}

TEST(sampling, DrawsAreTheInverseCdfOfTheSeededStream) {
  // Without top-p the kept tokens are in id order, so the draw is predictable from the
  // documented stream: u = (mt19937_64(seed)() >> 11) * 2^-53, first id whose cumulative
  // probability exceeds u. Pins the sequence across standard libraries.
  Sampler sampler({.temperature = 0.8f, .top_k = 5, .seed = 42});
  const std::vector<double> p = sampler.distribution(kLogits, {}, {});
  std::mt19937_64 rng(42);
  for (int i = 0; i < 1000; ++i) {
    const double u = double(rng() >> 11) * 0x1.0p-53;
    uint32_t want = 0;
    for (double cumulative = p[0]; cumulative <= u;) cumulative += p[++want];
    ASSERT_EQ(sampler.sample(kLogits, {}, {}), want) << "draw " << i << " u " << u;
  }
}

std::vector<uint32_t> sequence(uint64_t seed) {
  Sampler sampler({.temperature = 1.2f, .seed = seed});
  std::vector<uint32_t> ids;
  for (int i = 0; i < 200; ++i) ids.push_back(sampler.sample(kLogits, {}, ids));
  return ids;
}

TEST(sampling, DrawsSameSeedSameSequence) {
  EXPECT_EQ(sequence(123), sequence(123));
  EXPECT_NE(sequence(123), sequence(124));
  EXPECT_NE(sequence(0), sequence(1));
}

TEST(sampling, DrawsScratchIsReusedAcrossVocabularySizes) {
  // One sampler, calls over a large then a small then a large vocabulary: each call
  // must match a fresh sampler's distribution (nothing carried over).
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  const std::vector<float> big = [&] {
    std::vector<float> v(4096);
    for (float& x : v) x = normal(rng);
    return v;
  }();
  const SamplingParams params = {.temperature = 0, .frequency_penalty = 5.0f};
  Sampler reused(params);
  for (const std::vector<float>* logits : {&big, &kLogits, &big}) {
    const Ids generated = {1, 1, 2};
    const std::vector<double> want = Sampler(params).distribution(*logits, {}, generated);
    const uint32_t id = reused.sample(*logits, {}, generated);
    EXPECT_EQ(want[id], 1.0) << "vocabulary " << logits->size();
  }
}

}  // namespace
}  // namespace vkllm::runtime
