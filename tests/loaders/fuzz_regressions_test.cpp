// Every input kept under tests/fuzz/regressions/<target>/ (crashes the fuzzers
// found) and every seed under tests/fuzz/corpus/<target>/ runs through the same
// entry point as a plain unit test, so they stay covered without clang.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "tests/fuzz/entries.h"

namespace vkllm::fuzz {
namespace {

std::size_t replay(const char* target, void (*entry)(const std::uint8_t*, std::size_t)) {
  std::size_t n = 0;
  for (const char* kind : {"regressions", "corpus"}) {
    const auto dir = std::filesystem::path(VKLLM_SOURCE_DIR) / "tests/fuzz" / kind / target;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                    std::istreambuf_iterator<char>()};
      SCOPED_TRACE(e.path().string());
      entry(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++n;
    }
  }
  return n;
}

TEST(FuzzRegressions, SafetensorsHeader) {
  EXPECT_GT(replay("safetensors_header", &safetensors_header), 0u);
}

TEST(FuzzRegressions, Config) {
  EXPECT_GT(replay("config", &config), 0u);
}

}  // namespace
}  // namespace vkllm::fuzz
