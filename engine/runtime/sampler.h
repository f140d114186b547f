// Choosing the next token from one row of logits the way transformers' generate()
// does: the same processors and warpers, in the same order, with the same tie and
// boundary rules, computed in double. Pure CPU; runs once per generated token.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace vkllm::runtime {

struct SamplingParams {
  float temperature = 1.0f;         // 0 (or below 1e-5): greedy argmax, only penalties apply
  int32_t top_k = 0;                // 0: off
  float top_p = 1.0f;               // 1: off
  float min_p = 0.0f;               // 0: off
  float repetition_penalty = 1.0f;  // 1: off
  float presence_penalty = 0.0f;    // 0: off
  float frequency_penalty = 0.0f;   // 0: off
  uint64_t seed = 0;
};

// The chain, in transformers' order of logits processors and then warpers:
//   1. repetition penalty: over prompt + generated, each distinct id once:
//      logit > 0 ? logit / p : logit * p
//   2. presence / frequency (OpenAI): over generated only,
//      logit -= presence * (count > 0) + frequency * count
//   3. temperature: logit / T. Greedy (T < 1e-5) stops here: argmax, ties to the lowest id.
//   4. top-k: keep every token whose logit is >= the k-th largest (ties with it all stay).
//   5. top-p: with tokens sorted by probability, drop those whose ascending cumulative
//      probability is <= 1 - top_p; the most likely always stays. Among equal logits the
//      lower id counts as more likely.
//   6. min-p: drop tokens with probability < min_p * (largest probability).
//   7. softmax over what is left, one draw by inverse CDF from mt19937_64(seed).
class Sampler {
 public:
  // Throws std::invalid_argument naming the parameter and its value when it is out of range.
  explicit Sampler(const SamplingParams& params);

  // logits: one row over the vocabulary. prompt: the context ids; generated: the ids
  // sampled so far in this request. Throws std::runtime_error on a NaN or +inf logit, or
  // when every logit is -inf; std::invalid_argument on an id outside the vocabulary (ids
  // are read, and checked, only by the penalties that are on).
  uint32_t sample(std::span<const float> logits, std::span<const uint32_t> prompt,
                  std::span<const uint32_t> generated);

  // The probability of every token after the whole chain (greedy: one-hot on the argmax),
  // exactly what sample() draws from. Allocates; for tests and inspection.
  std::vector<double> distribution(std::span<const float> logits, std::span<const uint32_t> prompt,
                                   std::span<const uint32_t> generated) const;

  const SamplingParams& params() const { return params_; }

 private:
  struct Candidate {
    double logit;   // after penalties and temperature
    double weight;  // exp(logit - max logit): a probability up to one common factor
    uint32_t id;
  };
  // Per-call buffers, kept between sample() calls so that a call does not allocate.
  struct Scratch {
    std::vector<double> logits;    // [vocab] after steps 1-3
    std::vector<uint32_t> counts;  // [vocab] all zero between calls
    std::vector<double> top;       // min-heap of the k largest logits
    std::vector<Candidate> kept;   // survivors of steps 4-6
  };

  // Steps 1-6: leaves the surviving tokens with their weights in s.kept (greedy: the
  // argmax alone, weight 1).
  void select(std::span<const float> logits, std::span<const uint32_t> prompt,
              std::span<const uint32_t> generated, Scratch& s) const;
  void penalize(std::span<const float> logits, std::span<const uint32_t> prompt,
                std::span<const uint32_t> generated, Scratch& s) const;
  void keep_top_k(Scratch& s) const;
  void keep_top_p(Scratch& s) const;
  void keep_min_p(Scratch& s) const;

  SamplingParams params_;
  bool greedy_;
  std::mt19937_64 rng_;
  Scratch scratch_;
};

}  // namespace vkllm::runtime
