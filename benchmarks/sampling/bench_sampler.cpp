// Time of one Sampler::sample call on one thread, per sampling setting:
//   vkllm_bench_sampler [--vocab V] [--repeats R]
// Logits are fixed random normals (scale 3, like a trained model's spread) over V
// tokens (default 128256, Llama 3); 64 prompt ids feed the penalties. Prints the
// median of R calls (default 200) after 20 warm-up calls.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/runtime/sampler.h"

namespace {

using vkllm::runtime::Sampler;
using vkllm::runtime::SamplingParams;

struct Setting {
  const char* name;
  SamplingParams params;
};

double median_ms(const SamplingParams& params, const std::vector<float>& logits,
                 const std::vector<uint32_t>& prompt, int repeats) {
  Sampler sampler(params);
  std::vector<uint32_t> generated;
  std::vector<double> ms;
  for (int i = 0; i < repeats + 20; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const uint32_t id = sampler.sample(logits, prompt, generated);
    const auto t1 = std::chrono::steady_clock::now();
    if (generated.size() < 64) generated.push_back(id);
    if (i >= 20) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  size_t vocab = 128256;
  int repeats = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--vocab"))
      vocab = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--repeats"))
      repeats = std::max(1, std::atoi(argv[i + 1]));
  }
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> logits(vocab);
  for (float& l : logits) l = normal(rng);
  std::vector<uint32_t> prompt(64);
  for (uint32_t& id : prompt) id = uint32_t(rng() % vocab);

  const Setting settings[] = {
      {"greedy", {.temperature = 0}},
      {"temperature 0.7", {.temperature = 0.7f}},
      {"temperature 0.6, top_p 0.9", {.temperature = 0.6f, .top_p = 0.9f}},
      {"top_k 50, top_p 0.9, temperature 0.7", {.temperature = 0.7f, .top_k = 50, .top_p = 0.9f}},
      {"min_p 0.05, temperature 1", {.temperature = 1.0f, .min_p = 0.05f}},
      {"repetition 1.1, top_k 40, temperature 0.8",
       {.temperature = 0.8f, .top_k = 40, .repetition_penalty = 1.1f}},
  };
  std::printf("vocabulary %zu, median of %d calls\n", vocab, repeats);
  for (const Setting& s : settings)
    std::printf("%-45s %8.3f ms\n", s.name, median_ms(s.params, logits, prompt, repeats));
  return 0;
}
