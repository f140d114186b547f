// The folders in ../shared/fixtures (every supported architecture), for
// parameterized tests, and a test-name form of each.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace vkllm::test {

inline auto all_fixtures() {
  return ::testing::Values("llama-f32", "llama-bf16", "llama-f16", "llama-bf16-sharded",
                           "llama3-rope-tied-bf16", "llama-medium-bf16", "mistral-sliding-bf16",
                           "qwen2-bf16", "qwen3-bf16", "gemma-bf16", "gemma2-bf16", "gemma3-bf16",
                           "phi3-bf16");
}

inline std::string fixture_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

}  // namespace vkllm::test
