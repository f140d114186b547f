// Encoding throughput on one thread:
//   vkllm_bench_tokenizer [TOKENIZER_DIR] [TEXTS_JSON] [--mb N] [--repeats R]
// Defaults: ../shared/tokenizers/llama3 and ../shared/tools/tokenizer_texts.json
// (or under $VKLLM_TEST_DATA). The input is ~N MB of mixed text made
// deterministically from the test texts (English, code, CJK, Korean, emoji ...)
// joined in a fixed shuffled order. Prints the first (cold-cache) pass and the
// median of the following passes, in MB/s of UTF-8 input.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "engine/base/error.h"
#include "loaders/tokenizer/tokenizer.h"

namespace {

std::filesystem::path data_dir() {
  if (const char* env = std::getenv("VKLLM_TEST_DATA"); env && *env) return env;
  return std::filesystem::path(VKLLM_BENCH_SOURCE_DIR) / ".." / "shared";
}

std::string make_text(const std::filesystem::path& texts_json, std::size_t bytes) {
  std::ifstream in(texts_json);
  if (!in) vkllm::fail("bench: cannot open {}", texts_json.string());
  const auto j = nlohmann::json::parse(in);
  std::vector<std::string> texts;
  for (const auto& t : j.at("texts"))
    if (!t.get<std::string>().empty()) texts.push_back(t.get<std::string>());
  std::mt19937 rng(1234);
  std::string out;
  while (out.size() < bytes) {
    std::shuffle(texts.begin(), texts.end(), rng);
    for (const auto& t : texts) out += t + (rng() % 3 == 0 ? "\n" : " ");
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::filesystem::path dir, texts;
    double mb = 1.0;
    int repeats = 7;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--mb" && i + 1 < argc)
        mb = std::stod(argv[++i]);
      else if (a == "--repeats" && i + 1 < argc)
        repeats = std::max(2, std::atoi(argv[++i]));
      else if (dir.empty())
        dir = a;
      else
        texts = a;
    }
    if (dir.empty()) dir = data_dir() / "tokenizers" / "llama3";
    if (texts.empty()) texts = data_dir() / "tools" / "tokenizer_texts.json";

    const auto tok = vkllm::tok::Tokenizer::load(dir);
    const std::string text = make_text(texts, static_cast<std::size_t>(mb * 1e6));
    std::vector<double> secs;
    std::size_t n_tokens = 0;
    for (int r = 0; r < repeats; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      n_tokens = tok.encode(text, false).size();
      secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    const double cold = secs.front();
    std::vector<double> warm(secs.begin() + 1, secs.end());
    std::sort(warm.begin(), warm.end());
    const double median = warm[warm.size() / 2];
    const double mbytes = static_cast<double>(text.size()) / 1e6;
    std::printf("tokenizer %s\ninput %.3f MB, %zu tokens (%.2f bytes/token), 1 thread\n",
                dir.string().c_str(), mbytes, n_tokens,
                static_cast<double>(text.size()) / n_tokens);
    std::printf("cold pass: %.1f MB/s (%.3f s)\n", mbytes / cold, cold);
    std::printf("warm median of %zu: %.1f MB/s (%.3f s), %.2f M tokens/s\n", warm.size(),
                mbytes / median, median, n_tokens / median / 1e6);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
