// Encoding throughput on one thread:
//   vkllm_bench_tokenizer [TOKENIZER_DIR] [TEXTS_JSON] [--mb N] [--repeats R]
// Defaults: ../shared/tokenizers/llama3 and ../shared/tools/tokenizer_texts.json
// (or under $VKLLM_TEST_DATA). The input is ~N MB of mixed text made
// deterministically from the test texts (English, code, CJK, Korean, emoji ...)
// joined in a fixed shuffled order, and ~N MB of words that almost never repeat
// (the BPE word cache misses). Prints the first (cold-cache) pass and the median
// of the following passes, in MB/s of UTF-8 input.
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
#include "loaders/tokenizer/utf8.h"

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

// Text whose words almost never repeat (random letters from several scripts,
// numbers, punctuation, emoji), so the per-word BPE cache nearly always misses.
std::string make_unique_words(std::size_t bytes) {
  struct Range {
    char32_t first, count;
  };
  const Range scripts[] = {{'a', 26},      {'a', 26},      {'a', 26},   {0x430, 32},
                           {0x4E00, 2000}, {0xAC00, 2000}, {0x3B1, 24}, {0x5D0, 27}};
  const char* const punct[] = {",", ".", "!", "?", ";", ":", "(", ")", "\"", "'s", " -", "..."};
  std::mt19937 rng(99);
  std::string out;
  auto append = [&](char32_t c) { vkllm::tok::append_utf8(out, c); };
  while (out.size() < bytes) {
    const unsigned kind = rng() % 20;
    if (kind == 0) {
      out += std::to_string(rng() % 100000);
    } else if (kind == 1) {
      append(0x1F600 + rng() % 80);
    } else {
      const Range& r = scripts[rng() % std::size(scripts)];
      for (unsigned n = 1 + rng() % 9; n > 0; --n) append(r.first + rng() % r.count);
    }
    if (rng() % 6 == 0) out += punct[rng() % std::size(punct)];
    out += rng() % 12 == 0 ? "\n" : " ";
  }
  return out;
}

struct Result {
  double cold_s, median_s;
  std::size_t tokens;
};

Result measure(const vkllm::tok::Tokenizer& tok, const std::string& text, int repeats) {
  std::vector<double> secs;
  std::size_t n_tokens = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    n_tokens = tok.encode(text, false).size();
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::vector<double> warm(secs.begin() + 1, secs.end());
  std::sort(warm.begin(), warm.end());
  return {secs.front(), warm[warm.size() / 2], n_tokens};
}

void report(const char* what, const std::string& text, const Result& r, int repeats) {
  const double mbytes = static_cast<double>(text.size()) / 1e6;
  std::printf("%s: %.3f MB, %zu tokens (%.2f bytes/token)\n", what, mbytes, r.tokens,
              static_cast<double>(text.size()) / static_cast<double>(r.tokens));
  std::printf(
      "  first pass %.1f MB/s (%.3f s); median of the next %d: %.1f MB/s (%.3f s), "
      "%.2f M tokens/s\n",
      mbytes / r.cold_s, r.cold_s, repeats - 1, mbytes / r.median_s, r.median_s,
      static_cast<double>(r.tokens) / r.median_s / 1e6);
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
    const auto bytes = static_cast<std::size_t>(mb * 1e6);
    std::printf("tokenizer %s, 1 thread\n", dir.string().c_str());
    const std::string mixed = make_text(texts, bytes);
    report("mixed text (the test texts, shuffled and repeated)", mixed,
           measure(tok, mixed, repeats), repeats);
    const std::string unique = make_unique_words(bytes);
    report("unique words (random letters of 8 scripts, numbers, emoji)", unique,
           measure(tok, unique, repeats), repeats);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
