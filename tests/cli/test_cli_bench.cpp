// `vkllm bench` as a user runs it on the demo model: on the GPU (lavapipe here),
// on the CPU, and --batch-decode, each within a time limit (a recursion once made
// the GPU's ceiling measurement loop forever, and nothing else ran the command),
// with its rates and the ceiling they are measured against in --json.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli.h"

namespace vkllm {
namespace {

nlohmann::json bench(const std::string& flags) {
  const test::CmdResult r = test::run_vkllm(
      "bench --json -p 8 -n 4 -r 1 --ctx 64 -m " + std::string(VKLLM_DEMO_DIR) + " " + flags,
      "timeout 300", false);
  EXPECT_EQ(r.code, 0) << r.out;
  return r.code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json{};
}

TEST(CliBench, OnTheGpuAndOnTheCpu) {
  for (const char* flags : {"", "--device cpu --threads 2"}) {
    SCOPED_TRACE(flags);
    const auto j = bench(flags);
    ASSERT_TRUE(j.contains("decode_tok_s")) << j.dump();
    EXPECT_GT(j["prefill_tok_s"].get<double>(), 0);
    EXPECT_GT(j["decode_tok_s"].get<double>(), 0);
    EXPECT_GT(j["read_ceiling_gb_s"].get<double>(), 0);
    const double frac = j["decode_fraction_of_ceiling"];
    EXPECT_GT(frac, 0);
    EXPECT_LT(frac, 10);  // a fraction, give or take caches: not a unit error
  }
}

TEST(CliBench, BatchDecode) {
  const auto j = bench("--batch-decode 1,2");
  ASSERT_TRUE(j.contains("batch_decode")) << j.dump();
  ASSERT_EQ(j["batch_decode"].size(), 2u);
  EXPECT_EQ(j["batch_decode"][1]["batch"], 2);
  EXPECT_GT(j["batch_decode"][1]["tok_s"].get<double>(), 0);
  EXPECT_GT(j["read_ceiling_gb_s"].get<double>(), 0);
}

}  // namespace
}  // namespace vkllm
