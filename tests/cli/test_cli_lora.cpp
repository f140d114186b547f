// --lora on the bundled demo model with an adapter the test writes (every
// projection of every layer, rank 4): `vkllm score` merged and applied at run
// time agree, differ from the base, and scale 0 gives the base back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "loaders/safetensors/file.h"
#include "tests/support/adapter_writer.h"
#include "tests/support/cli.h"

namespace vkllm {
namespace {

namespace fs = std::filesystem;

class CliLora : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("vkllm-cli-lora-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    std::vector<test::AdapterTensor> tensors;
    for (int il = 0; il < 6; ++il) {
      const std::string l = "model.layers." + std::to_string(il);
      for (auto [m, out, in] : {std::tuple{"self_attn.q_proj", 256, 256},
                                {"self_attn.k_proj", 128, 256},
                                {"self_attn.v_proj", 128, 256},
                                {"self_attn.o_proj", 256, 256},
                                {"mlp.gate_proj", 768, 256},
                                {"mlp.up_proj", 768, 256},
                                {"mlp.down_proj", 256, 768}})
        for (auto t : test::lora_pair(l + "." + m, uint64_t(out), uint64_t(in), 4))
          tensors.push_back(t);
    }
    test::write_adapter(root_ / "story-adapter",
                        R"({"peft_type": "LORA", "r": 4, "lora_alpha": 8,
                            "target_modules": "all-linear"})",
                        tensors, 7, 0.1f);
  }
  void TearDown() override { fs::remove_all(root_); }

  // Logits [T, V] of `vkllm score` over a fixed sequence with `flags`.
  std::vector<float> score(const std::string& flags, std::string* said = nullptr) {
    const fs::path out = root_ / ("logits-" + std::to_string(runs_++) + ".st");
    const test::CmdResult r =
        test::run_vkllm("score --debug --precision f32 -m " + std::string(VKLLM_DEMO_DIR) +
                        " --ids 5,80,300,41,7,600,12,9 --out " + out.string() + " " + flags);
    EXPECT_EQ(r.code, 0) << r.out;
    if (said) *said = r.out;
    if (r.code != 0) return {};
    const st::SafetensorsFile f = st::SafetensorsFile::open(out);
    const auto bytes = f.data(f.at("logits"));
    std::vector<float> v(bytes.size() / 4);
    std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
  }

  fs::path root_;
  int runs_ = 0;
};

// max |a - b| / max(1, max |b|).
double rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 1;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    diff = std::max(diff, double(std::abs(a[i] - b[i])));
    scale = std::max(scale, double(std::abs(b[i])));
  }
  return a.size() == b.size() ? diff / scale : INFINITY;
}

TEST_F(CliLora, MergedEqualsUnmergedAndDiffersFromBase) {
  const std::string adapter = (root_ / "story-adapter").string();
  std::string said;
  const auto base = score("");
  const auto merged = score("--lora " + adapter, &said);
  EXPECT_NE(said.find("lora: story-adapter (LoRA): 42 modules"), std::string::npos) << said;
  EXPECT_NE(said.find("rank 4, scale x1, merged"), std::string::npos) << said;
  const auto unmerged = score("--lora " + adapter + " --lora-merge no", &said);
  EXPECT_NE(said.find("applied at run time"), std::string::npos) << said;
  EXPECT_LE(rel_diff(merged, unmerged), 1e-4);
  EXPECT_GT(rel_diff(merged, base), 1e-2);
  EXPECT_LE(rel_diff(score("--lora " + adapter + ":0"), base), 1e-5);
  EXPECT_LE(rel_diff(score("--lora " + adapter + ":0 --lora-merge no"), base), 1e-5);
}

TEST_F(CliLora, DecodeMatchesPrefill) {
  const std::string adapter = (root_ / "story-adapter").string();
  for (const char* merge : {"yes", "no"})
    EXPECT_LE(rel_diff(score("--decode-check --lora " + adapter + " --lora-merge " + merge),
                       score("--lora " + adapter + " --lora-merge " + merge)),
              1e-4)
        << merge;
}

// lora_bias (a bias on lora_B, scaled with it) and modules_to_save (a tensor
// replaced whole): merged and run-time paths agree, and both change the logits.
TEST_F(CliLora, BiasAndReplacedTensors) {
  auto tensors = test::lora_pair("model.layers.0.self_attn.q_proj", 256, 256, 4);
  tensors.push_back({"base_model.model.model.layers.0.self_attn.q_proj.lora_B.bias", {256}});
  for (auto t : test::lora_pair("model.layers.3.mlp.down_proj", 256, 768, 4)) tensors.push_back(t);
  tensors.push_back({"base_model.model.model.layers.3.mlp.down_proj.lora_B.bias", {256}});
  tensors.push_back({"base_model.model.model.norm.weight", {256}});
  const std::string dir = (root_ / "bias-adapter").string();
  test::write_adapter(dir,
                      R"({"peft_type": "LORA", "r": 4, "lora_alpha": 4, "lora_bias": true,
                          "target_modules": ["q_proj", "down_proj"],
                          "modules_to_save": ["norm"]})",
                      tensors, 11, 0.2f);
  std::string said;
  const auto merged = score("--lora " + dir, &said);
  EXPECT_NE(said.find("2 modules"), std::string::npos) << said;
  EXPECT_NE(said.find("1 tensors replaced"), std::string::npos) << said;
  const auto unmerged = score("--lora " + dir + " --lora-merge no");
  EXPECT_LE(rel_diff(merged, unmerged), 1e-4);
  EXPECT_GT(rel_diff(merged, score("")), 1e-2);
}

TEST_F(CliLora, MissingAdapterIsNamed) {
  const test::CmdResult r = test::run_vkllm("score -m " + std::string(VKLLM_DEMO_DIR) +
                                            " --ids 1,2 --lora /nonexistent/adapter");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("adapter folder '/nonexistent/adapter' does not exist"), std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace vkllm
