// Quantize at load on the bundled demo model, measured as a user would with
// `vkllm score`: perplexity over held-out stories (benchmarks/quality: stories
// from the demo's generator with another seed, one per line) and the mean KL
// divergence of each position's next-token distribution from the unquantized
// model's; and the decode path (quantized matvec) against prefill (quantized matmul).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli.h"

namespace vkllm {
namespace {

namespace fs = std::filesystem;

class CliQuant : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("vkllm-cli-quant-" + std::to_string(::getpid()));
    fs::create_directories(root_);
    // Stories 2 to 8 (about 600 tokens: two windows), and the first one alone.
    std::ifstream in(std::string(VKLLM_SOURCE_DIR) + "/benchmarks/quality/demo_heldout.txt");
    std::ofstream out(root_ / "text.txt"), one(root_ / "one.txt");
    std::string line;
    for (int i = 0; i < 8 && std::getline(in, line); ++i) (i ? out : one) << line << "\n";
  }
  void TearDown() override { fs::remove_all(root_); }

  nlohmann::json score(const std::string& flags, const char* text = "text.txt") {
    const test::CmdResult r =
        test::run_vkllm("score --debug --json --window 512 -m " + std::string(VKLLM_DEMO_DIR) +
                            " --text-file " + (root_ / text).string() + " " + flags,
                        "", false);
    EXPECT_EQ(r.code, 0) << r.out;
    return r.code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json{{"perplexity", NAN}};
  }
  fs::path root_;
};

TEST_F(CliQuant, PerplexityAndKlAgainstUnquantized) {
  const std::string base = (root_ / "base.st").string();
  const double ppl = score("--out " + base)["perplexity"];
  ASSERT_GT(ppl, 1.0);
  const auto q8 = score("--quant q8 --kl-base " + base);
  const auto q4 = score("--quant q4 --kl-base " + base);
  // q8: within 0.2% of the unquantized perplexity (the target).
  EXPECT_LT(std::abs(q8["perplexity"].get<double>() / ppl - 1), 0.002) << q8.dump();
  EXPECT_LT(q8["mean_kl"].get<double>(), 1e-4) << q8.dump();
  EXPECT_LT(q4["perplexity"].get<double>() / ppl - 1, 0.01) << q4.dump();
  EXPECT_LT(q4["mean_kl"].get<double>(), 2e-3) << q4.dump();
  // Quantization does change the model: a test that cannot fail is no test.
  EXPECT_GT(q4["mean_kl"].get<double>(), 1e-6) << q4.dump();
}

TEST_F(CliQuant, InspectShowsThePlan) {
  const test::CmdResult r =
      test::run_vkllm("inspect " + std::string(VKLLM_DEMO_DIR) + " --quant q4");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("quant q4: 9.4 MB of weights -> 2.9 MB;"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("36 x int4 g32 f16 scales + zeros (5.00 bits/weight)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("kept model.embed_tokens.weight (token embedding, also the tied output "
                       "head)"),
            std::string::npos)
      << r.out;
}

TEST_F(CliQuant, DecodeMatchesPrefill) {
  for (const char* q : {"q8", "q4"}) {
    const std::string a = (root_ / (std::string(q) + "-prefill.st")).string();
    score(std::string("--quant ") + q + " --out " + a, "one.txt");
    const auto d = score(std::string("--quant ") + q + " --decode-check --kl-base " + a, "one.txt");
    EXPECT_LT(d["mean_kl"].get<double>(), 1e-6) << q << " " << d.dump();
  }
}

}  // namespace
}  // namespace vkllm
