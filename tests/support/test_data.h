// Where tests find ../shared: VKLLM_TEST_DATA, else "../shared" relative to the
// source tree. Tests that need it skip with a reason when it is absent, and fail
// instead when VKLLM_REQUIRE_TEST_DATA=1 (as .ci/run sets).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace vkllm::test {

inline std::filesystem::path test_data_dir() {
  if (const char* env = std::getenv("VKLLM_TEST_DATA"); env && *env) return env;
  return std::filesystem::path(VKLLM_SOURCE_DIR) / ".." / "shared";
}

inline bool test_data_required() {
  const char* env = std::getenv("VKLLM_REQUIRE_TEST_DATA");
  return env && std::string(env) == "1";
}

}  // namespace vkllm::test

// Resolves REL under the test data directory into VAR, or skips (or fails, when
// the data is required) with a message saying what is missing.
#define VKLLM_TEST_DATA_PATH(VAR, REL)                                                       \
  std::filesystem::path VAR = ::vkllm::test::test_data_dir() / (REL);                        \
  if (!std::filesystem::exists(VAR)) {                                                       \
    if (::vkllm::test::test_data_required()) {                                               \
      FAIL() << "test data missing: " << VAR << " (VKLLM_REQUIRE_TEST_DATA=1)";              \
    } else {                                                                                 \
      GTEST_SKIP() << "test data missing: " << VAR << " (set VKLLM_TEST_DATA to ../shared)"; \
    }                                                                                        \
  }
