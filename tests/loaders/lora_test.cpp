// PEFT adapter folders written by the test, resolved against the bundled demo
// model (hidden 256, 6 layers, 4 heads of 64, 2 kv heads, ffn 768): the scale
// rules (lora_alpha / r, rsLoRA, rank_pattern and alpha_pattern by PEFT's regex
// rule, the user's scale) and every refusal, each naming what was wrong.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/base/error.h"
#include "loaders/adapter/lora.h"
#include "loaders/model/model_folder.h"
#include "tests/loaders/st_writer.h"
#include "tests/support/adapter_writer.h"

namespace vkllm::model {
namespace {

using test::lora_pair;

const ModelFolder& demo() {
  static const ModelFolder folder = open_model_folder(VKLLM_SOURCE_DIR "/models/demo");
  return folder;
}

std::string config(const std::string& extra = "") {
  return R"({"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"])" +
         (extra.empty() ? "" : ", " + extra) + "}";
}

const LoraModule& module(const LoraAdapter& a, const std::string& name) {
  for (const LoraModule& m : a.modules)
    if (m.module == name) return m;
  throw Error("no module " + name);
}

TEST(LoraConfig, ScalesFollowPeft) {
  test::TempDir dir;
  auto tensors = lora_pair("model.layers.0.self_attn.q_proj", 256, 256, 4);
  for (auto t : lora_pair("model.layers.0.self_attn.v_proj", 128, 256, 4)) tensors.push_back(t);
  for (auto t : lora_pair("model.layers.0.mlp.down_proj", 256, 768, 2)) tensors.push_back(t);
  for (auto t : lora_pair("model.layers.1.self_attn.q_proj", 256, 256, 4)) tensors.push_back(t);
  test::write_adapter(dir.path(), config(R"("use_rslora": true, "rank_pattern": {"down_proj": 2},
                                "alpha_pattern": {"v_proj": 32, "layers\\.1\\.self_attn\\.q_proj": 2})"),
                      tensors);
  const LoraAdapter a = load_lora(dir.path(), 0.5, demo().weights);
  ASSERT_EQ(a.modules.size(), 4u);
  // rsLoRA: alpha / sqrt(r); the user's 0.5 on top.
  EXPECT_DOUBLE_EQ(module(a, "model.layers.0.self_attn.q_proj").scale, 8 / std::sqrt(4.0) * 0.5);
  EXPECT_DOUBLE_EQ(module(a, "model.layers.0.self_attn.v_proj").scale, 32 / std::sqrt(4.0) * 0.5);
  EXPECT_DOUBLE_EQ(module(a, "model.layers.0.mlp.down_proj").scale, 8 / std::sqrt(2.0) * 0.5);
  EXPECT_DOUBLE_EQ(module(a, "model.layers.1.self_attn.q_proj").scale, 2 / std::sqrt(4.0) * 0.5);
  EXPECT_EQ(module(a, "model.layers.0.mlp.down_proj").rank, 2u);
  EXPECT_EQ(module(a, "model.layers.0.mlp.down_proj").in, 768u);
  // B carries the scale; A is as stored.
  const LoraAdapter plain = load_lora(dir.path(), 1.0, demo().weights);
  const LoraModule &m = module(a, "model.layers.0.self_attn.v_proj"),
                   &p = module(plain, "model.layers.0.self_attn.v_proj");
  EXPECT_FLOAT_EQ(m.b[5], p.b[5] * 0.5f);
  EXPECT_EQ(m.a, p.a);
}

// The first key that matches wins in the file's order, not in sorted order.
TEST(LoraConfig, PatternOrderIsTheFiles) {
  test::TempDir dir;
  auto tensors = lora_pair("model.layers.0.self_attn.q_proj", 256, 256, 4);
  for (auto t : lora_pair("model.layers.1.self_attn.q_proj", 256, 256, 4)) tensors.push_back(t);
  test::write_adapter(
      dir.path(),
      config(R"("alpha_pattern": {"q_proj": 16, "layers\\.0\\.self_attn\\.q_proj": 4})"), tensors);
  const LoraAdapter a = load_lora(dir.path(), 1.0, demo().weights);
  EXPECT_DOUBLE_EQ(module(a, "model.layers.0.self_attn.q_proj").scale, 16 / 4.0);
  EXPECT_DOUBLE_EQ(module(a, "model.layers.1.self_attn.q_proj").scale, 16 / 4.0);
}

TEST(LoraConfig, PlainScaleIsAlphaOverRank) {
  test::TempDir dir;
  test::write_adapter(dir.path(), config(),
                      lora_pair("model.layers.2.self_attn.q_proj", 256, 256, 4));
  EXPECT_DOUBLE_EQ(load_lora(dir.path(), 1.0, demo().weights).modules[0].scale, 2.0);
}

TEST(LoraConfig, PatternRule) {
  const std::string v = "model.layers.0.self_attn.v_proj";
  EXPECT_TRUE(lora_pattern_matches("v_proj", v));
  EXPECT_TRUE(lora_pattern_matches("self_attn.(q|v)_proj", v));
  EXPECT_TRUE(lora_pattern_matches("layers.0.self_attn.v_proj", v));
  EXPECT_FALSE(lora_pattern_matches("proj", v));  // a whole component, not a suffix of one
  EXPECT_FALSE(lora_pattern_matches("q_proj", v));
  EXPECT_FALSE(lora_pattern_matches("layers.1.self_attn.v_proj", v));
}

TEST(LoraConfig, LoraArgument) {
  EXPECT_EQ(parse_lora_arg("dir"), std::make_pair(std::string("dir"), 1.0));
  EXPECT_EQ(parse_lora_arg("a/dir:0.25"), std::make_pair(std::string("a/dir"), 0.25));
  EXPECT_EQ(parse_lora_arg("a:b/dir"), std::make_pair(std::string("a:b/dir"), 1.0));
  EXPECT_EQ(parse_lora_arg("dir:"), std::make_pair(std::string("dir:"), 1.0));
}

// Loads an adapter expected to be refused; returns the message.
std::string refusal(const std::filesystem::path& dir) {
  try {
    load_lora(dir, 1.0, demo().weights);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << dir << " was accepted";
  return "";
}

#define EXPECT_SAYS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(LoraConfig, RefusesOtherPeftTypes) {
  test::TempDir dir;
  for (const char* type : {"IA3", "PROMPT_TUNING", "LOHA"}) {
    test::write_adapter(dir.path(), std::string(R"({"peft_type": ")") + type + R"("})", {});
    EXPECT_SAYS(refusal(dir.path()), std::string("peft_type \"") + type + "\" is not supported");
  }
  test::write_adapter(dir.path(), config(R"("use_qalora": true)"), {});
  EXPECT_SAYS(refusal(dir.path()),
              "\"use_qalora\": true (QALoRA pools the input) is not supported");
  test::write_adapter(dir.path(), config(R"("r": "eight")"), {});
  EXPECT_SAYS(refusal(dir.path()), "\"r\" is \"eight\", expected an integer");
}

TEST(LoraConfig, RefusesAdaptersThatDoNotFit) {
  test::TempDir dir;
  auto fails = [&](const std::vector<test::AdapterTensor>& t, const std::string& says,
                   const std::string& cfg = config()) {
    std::filesystem::remove_all(dir.path());
    test::write_adapter(dir.path(), cfg, t);
    EXPECT_SAYS(refusal(dir.path()), says);
  };
  // A layer the base does not have.
  fails(lora_pair("model.layers.9.self_attn.q_proj", 256, 256, 4),
        "adapts 'model.layers.9.self_attn.q_proj.weight', which the base model does not have");
  // A different hidden size.
  fails(lora_pair("model.layers.0.self_attn.q_proj", 256, 320, 4),
        "lora_A.weight' is [4, 320], expected [rank, 256] for "
        "'model.layers.0.self_attn.q_proj.weight' [256, 256]");
  // B at another rank than A.
  fails({{"base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight", {4, 256}},
         {"base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight", {128, 3}}},
        "lora_B.weight' is [128, 3], expected [128, 4]");
  fails({{"base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight", {4, 256}}},
        "module 'model.layers.0.self_attn.k_proj' has no lora_B.weight");
  fails({{"base_model.model.model.embed_tokens.lora_embedding_A", {4, 767}}},
        "is LoRA on an embedding");
  fails(lora_pair("model.embed_tokens", 767, 256, 4),
        "adapts 'model.embed_tokens.weight', which is not a Linear projection");
  fails({{"base_model.model.model.layers.0.mystery", {3}}},
        "'base_model.model.model.layers.0.mystery' is neither a LoRA factor nor a tensor of the "
        "base model");
  fails({{"base_model.model.model.norm.weight", {255}}},
        "replaces 'model.norm.weight' [256], but is [255]");
  auto dora = lora_pair("model.layers.0.self_attn.q_proj", 256, 256, 4);
  dora.push_back({"base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector", {255}});
  fails(dora, "lora_magnitude_vector' has 255 elements", config(R"("use_dora": true)"));
  fails(lora_pair("model.layers.0.self_attn.q_proj", 256, 256, 4),
        "use_dora is true, but module 'model.layers.0.self_attn.q_proj' has no "
        "lora_magnitude_vector",
        config(R"("use_dora": true)"));
}

TEST(LoraConfig, RefusesFoldersThatAreNotAdapters) {
  test::TempDir dir;
  EXPECT_SAYS(refusal(dir / "missing"), "does not exist");
  EXPECT_SAYS(refusal(dir.path()), "has no adapter_config.json");
  test::write_text(dir / "adapter_config.json", config());
  EXPECT_SAYS(refusal(dir.path()), "has no adapter_model.safetensors");
  test::write_text(dir / "adapter_model.bin", "pickle");
  EXPECT_SAYS(refusal(dir.path()), "adapter_model.bin (a PyTorch pickle)");
  test::write_text(dir / "adapter_config.json", "{not json");
  EXPECT_SAYS(refusal(dir.path()), "not valid JSON");
}

}  // namespace
}  // namespace vkllm::model
