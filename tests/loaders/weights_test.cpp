// Weight naming and checks on every fixture, the errors for missing and
// misshapen tensors, size accounting, and `vkllm inspect --json`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

#include "loaders/model/inspect.h"
#include "loaders/model/model_folder.h"
#include "loaders/model/sizes.h"
#include "tests/loaders/st_writer.h"
#include "tests/support/test_data.h"

namespace vkllm::model {
namespace {

const char* const kFixtures[] = {"llama-f32",
                                 "llama-bf16",
                                 "llama-f16",
                                 "llama-bf16-sharded",
                                 "llama3-rope-tied-bf16",
                                 "llama-medium-bf16",
                                 "mistral-sliding-bf16",
                                 "qwen2-bf16",
                                 "qwen3-bf16",
                                 "gemma-bf16",
                                 "gemma2-bf16",
                                 "gemma3-bf16",
                                 "phi3-bf16"};

TEST(WeightsFixtures, EveryFixtureLoadsAndMatchesItsConfig) {
  VKLLM_TEST_DATA_PATH(root, "fixtures");
  for (const char* name : kFixtures) {
    SCOPED_TRACE(name);
    const auto m = open_model_folder(root / name);
    EXPECT_TRUE(m.weights.unexpected.empty());
    const auto expected = expected_tensors(m.config);
    EXPECT_EQ(m.weights.weights.size(), expected.size());
    // Every tensor of the file is used (none unexpected) and the count adds up.
    EXPECT_EQ(m.files.tensor_count(), expected.size() + m.weights.ignored.size());
    const auto stats = weight_stats(m.weights, m.files);
    std::uint64_t file_tensor_bytes = 0;
    for (const auto& t : m.files.tensors()) file_tensor_bytes += t.info->size();
    EXPECT_EQ(stats.weight_bytes, file_tensor_bytes);
    EXPECT_EQ(stats.bytes_by_dtype.size(), 1u);
    EXPECT_EQ(stats.bytes_by_dtype.begin()->first, m.config.dtype.value());
  }
}

TEST(WeightsFixtures, TiedEmbeddingsHaveNoLmHead) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/llama3-rope-tied-bf16");
  const auto m = open_model_folder(dir);
  EXPECT_TRUE(m.weights.lm_head_tied);
  EXPECT_EQ(m.weights.find(WeightRole::LmHead), nullptr);
  EXPECT_FALSE(m.files.find("lm_head.weight"));
  EXPECT_NE(m.weights.find(WeightRole::TokenEmbedding), nullptr);
}

TEST(WeightsFixtures, FamilySpecificTensors) {
  VKLLM_TEST_DATA_PATH(root, "fixtures");
  const auto phi = open_model_folder(root / "phi3-bf16");
  const auto* qkv = phi.weights.find(WeightRole::QKV, 1);
  ASSERT_NE(qkv, nullptr);
  EXPECT_EQ(qkv->ref.info->shape, (std::vector<std::uint64_t>{96 + 2 * 32, 96}));
  EXPECT_EQ(phi.weights.find(WeightRole::GateUp, 2)->ref.info->shape,
            (std::vector<std::uint64_t>{400, 96}));
  const auto qwen2 = open_model_folder(root / "qwen2-bf16");
  EXPECT_EQ(qwen2.weights.find(WeightRole::KBias, 0)->ref.info->shape,
            std::vector<std::uint64_t>{32});
  const auto gemma3 = open_model_folder(root / "gemma3-bf16");
  EXPECT_NE(gemma3.weights.find(WeightRole::QNorm, 2), nullptr);
  EXPECT_NE(gemma3.weights.find(WeightRole::PostFfnNorm, 2), nullptr);
}

// A tiny llama folder written by the test: 1 layer, hidden 4, 2 heads of 2.
struct TinyLlama {
  test::TempDir dir;
  std::vector<test::FakeTensor> tensors = {
      {"model.embed_tokens.weight", "F32", {8, 4}},
      {"model.layers.0.input_layernorm.weight", "F32", {4}},
      {"model.layers.0.self_attn.q_proj.weight", "F32", {4, 4}},
      {"model.layers.0.self_attn.k_proj.weight", "F32", {2, 4}},
      {"model.layers.0.self_attn.v_proj.weight", "F32", {2, 4}},
      {"model.layers.0.self_attn.o_proj.weight", "F32", {4, 4}},
      {"model.layers.0.post_attention_layernorm.weight", "F32", {4}},
      {"model.layers.0.mlp.gate_proj.weight", "F32", {6, 4}},
      {"model.layers.0.mlp.up_proj.weight", "F32", {6, 4}},
      {"model.layers.0.mlp.down_proj.weight", "F32", {4, 6}},
      {"model.norm.weight", "F32", {4}},
      {"lm_head.weight", "F32", {8, 4}},
  };
  TinyLlama() {
    test::write_text(dir / "config.json",
                     R"({"model_type":"llama","vocab_size":8,"hidden_size":4,)"
                     R"("intermediate_size":6,"num_hidden_layers":1,"num_attention_heads":2,)"
                     R"("num_key_value_heads":1,"torch_dtype":"float32"})");
  }
  std::string error() {
    test::write_file(dir / "model.safetensors", test::make_safetensors(tensors));
    try {
      open_model_folder(dir.path());
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }
};

TEST(WeightsErrors, ValidTinyFolder) {
  TinyLlama t;
  EXPECT_EQ(t.error(), "(no error)");
  const auto m = open_model_folder(t.dir.path());
  const auto s = weight_stats(m.weights, m.files);
  EXPECT_EQ(s.parameters, 32u + 4 + 16 + 8 + 8 + 16 + 4 + 24 + 24 + 24 + 4 + 32);
  const auto kv = kv_cache_bytes(m.config, 100, DType::F16);
  EXPECT_EQ(kv.full, 2u * 2 * 2 * 100);  // K and V, kv_size 2, f16, 1 layer
}

TEST(WeightsErrors, MissingTensor) {
  TinyLlama t;
  t.tensors.erase(t.tensors.begin() + 8);  // up_proj
  const auto e = t.error();
  EXPECT_NE(e.find("tensor 'model.layers.0.mlp.up_proj.weight' (up of layer 0) is not in "
                   "model.safetensors"),
            std::string::npos)
      << e;
}

TEST(WeightsErrors, WrongShape) {
  TinyLlama t;
  t.tensors[3].shape = {4, 4};  // k_proj as if not GQA
  const auto e = t.error();
  EXPECT_NE(e.find("model.safetensors: tensor 'model.layers.0.self_attn.k_proj.weight' has shape "
                   "[4, 4], config.json implies [2, 4]"),
            std::string::npos)
      << e;
}

TEST(WeightsErrors, WrongDtype) {
  TinyLlama t;
  t.tensors[1].dtype = "I32";
  const auto e = t.error();
  EXPECT_NE(e.find("'model.layers.0.input_layernorm.weight' has dtype I32"), std::string::npos)
      << e;
}

TEST(WeightsErrors, MissingLmHeadWhenUntied) {
  TinyLlama t;
  t.tensors.pop_back();
  EXPECT_NE(t.error().find("'lm_head.weight'"), std::string::npos);
}

TEST(WeightsErrors, UnexpectedAndIgnoredTensors) {
  TinyLlama t;
  t.tensors.push_back({"model.layers.0.self_attn.rotary_emb.inv_freq", "F32", {1}});
  t.tensors.push_back({"model.extra.weight", "F32", {2}});
  EXPECT_EQ(t.error(), "(no error)");
  const auto m = open_model_folder(t.dir.path());
  EXPECT_EQ(m.weights.unexpected, std::vector<std::string>{"model.extra.weight"});
  EXPECT_EQ(m.weights.ignored,
            std::vector<std::string>{"model.layers.0.self_attn.rotary_emb.inv_freq"});
}

TEST(WeightsErrors, UnsupportedConfigStopsBeforeWeights) {
  TinyLlama t;
  test::write_text(t.dir / "config.json", R"({"model_type":"gpt2"})");
  EXPECT_NE(t.error().find("model_type is 'gpt2'"), std::string::npos);
}

TEST(WeightsErrors, Gemma3MultimodalCheckpointUsesItsTextModel) {
  test::TempDir dir;
  test::write_text(dir / "config.json",
                   R"({"model_type":"gemma3","torch_dtype":"bfloat16","text_config":{)"
                   R"("hidden_size":4,"intermediate_size":6,"num_hidden_layers":1,"vocab_size":8,)"
                   R"("num_attention_heads":2,"num_key_value_heads":1,"head_dim":2,)"
                   R"("sliding_window":4}})");
  const std::string p = "language_model.model.";
  const std::string l = p + "layers.0.";
  test::write_file(dir / "model.safetensors",
                   test::make_safetensors({{"vision_tower.patch.weight", "BF16", {3}},
                                           {"multi_modal_projector.proj.weight", "BF16", {2}},
                                           {p + "embed_tokens.weight", "BF16", {8, 4}},
                                           {l + "input_layernorm.weight", "BF16", {4}},
                                           {l + "self_attn.q_proj.weight", "BF16", {4, 4}},
                                           {l + "self_attn.k_proj.weight", "BF16", {2, 4}},
                                           {l + "self_attn.v_proj.weight", "BF16", {2, 4}},
                                           {l + "self_attn.q_norm.weight", "BF16", {2}},
                                           {l + "self_attn.k_norm.weight", "BF16", {2}},
                                           {l + "self_attn.o_proj.weight", "BF16", {4, 4}},
                                           {l + "post_attention_layernorm.weight", "BF16", {4}},
                                           {l + "pre_feedforward_layernorm.weight", "BF16", {4}},
                                           {l + "post_feedforward_layernorm.weight", "BF16", {4}},
                                           {l + "mlp.gate_proj.weight", "BF16", {6, 4}},
                                           {l + "mlp.up_proj.weight", "BF16", {6, 4}},
                                           {l + "mlp.down_proj.weight", "BF16", {4, 6}},
                                           {p + "norm.weight", "BF16", {4}}}));
  const auto m = open_model_folder(dir.path());
  EXPECT_EQ(m.weights.prefix.decoder, p);
  EXPECT_TRUE(m.weights.unexpected.empty());
  EXPECT_EQ(m.weights.ignored.size(), 2u);
  EXPECT_EQ(m.weights.find(WeightRole::TokenEmbedding)->expected.name, p + "embed_tokens.weight");
}

TEST(Sizes, KvCacheWindowedForSlidingLayers) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/gemma2-bf16");
  const auto c = load_model_config(dir);
  const auto kv = kv_cache_bytes(c, 100, DType::F32);
  const std::uint64_t per_token_layer = 2 * 32 * 4;  // K+V, 2 kv heads x 16, f32
  EXPECT_EQ(kv.full, per_token_layer * 100 * 3);
  EXPECT_EQ(kv.windowed, per_token_layer * (16 + 100 + 16));
}

TEST(Inspect, JsonMatchesConfig) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/gemma2-bf16");
  const auto r = inspect_model(dir, {512, DType::F16});
  const auto j = nlohmann::json::parse(inspect_json(r));
  EXPECT_EQ(j["model_type"], "gemma2");
  EXPECT_EQ(j["config"]["hidden_size"], 96);
  EXPECT_EQ(j["config"]["num_kv_heads"], 2);
  EXPECT_EQ(j["config"]["layers"][0]["attention"], "sliding_attention");
  EXPECT_EQ(j["config"]["layers"][0]["sliding_window"], 16);
  EXPECT_EQ(j["config"]["final_logit_softcapping"], 30.0);
  EXPECT_EQ(j["tensors"]["layers"].size(), 3u);
  EXPECT_EQ(j["kv_cache"]["bytes"], 2u * 32 * 2 * 512 * 3);
  EXPECT_EQ(j["lm_head_tied"], true);
  EXPECT_EQ(j["parameters"].get<std::uint64_t>(), r.stats.parameters);
  EXPECT_FALSE(inspect_text(r).empty());
}

TEST(Inspect, EveryFixtureJsonMatchesItsConfigJson) {
  VKLLM_TEST_DATA_PATH(root, "fixtures");
  for (const char* name : kFixtures) {
    SCOPED_TRACE(name);
    const auto raw = nlohmann::json::parse(test::read_text(root / name / "config.json"));
    const auto j = nlohmann::json::parse(inspect_json(inspect_model(root / name, {})));
    const auto& c = j["config"];
    EXPECT_EQ(j["model_type"], raw["model_type"]);
    EXPECT_EQ(j["architecture"], raw["architectures"][0]);
    EXPECT_EQ(c["vocab_size"], raw["vocab_size"]);
    EXPECT_EQ(c["hidden_size"], raw["hidden_size"]);
    EXPECT_EQ(c["intermediate_size"], raw["intermediate_size"]);
    EXPECT_EQ(c["num_layers"], raw["num_hidden_layers"]);
    EXPECT_EQ(c["num_heads"], raw["num_attention_heads"]);
    EXPECT_EQ(c["num_kv_heads"], raw["num_key_value_heads"]);
    EXPECT_EQ(c["head_dim"], raw["head_dim"]);
    EXPECT_EQ(c["rms_norm_eps"], raw["rms_norm_eps"]);
    EXPECT_EQ(c["max_position_embeddings"], raw["max_position_embeddings"]);
    EXPECT_EQ(c["tie_word_embeddings"], raw["tie_word_embeddings"]);
    EXPECT_EQ(c["layers"].size(), raw["num_hidden_layers"].get<std::size_t>());
    if (raw.contains("layer_types")) {
      for (std::size_t i = 0; i < c["layers"].size(); ++i) {
        EXPECT_EQ(c["layers"][i]["attention"], raw["layer_types"][i]);
      }
    }
    EXPECT_EQ(j["lm_head_tied"], raw["tie_word_embeddings"]);
    EXPECT_EQ(j["weights_present"], true);
  }
}

// Parameter counts that the model cards state, from config.json alone.
TEST(Inspect, ConfigOnlyHubFoldersParameterCounts) {
  VKLLM_TEST_DATA_PATH(root, "models");
  const std::pair<const char*, std::uint64_t> cases[] = {
      {"llama-2-7b-chat", 6738415616},         {"llama-3.1-8b", 8030261248},
      {"llama-3.2-3b-instruct", 3212749824},   {"mistral-7b-instruct-v0.2", 7241732096},
      {"qwen2.5-0.5b-instruct", 494032768},    {"gemma-2-2b-it", 2614341888},
      {"phi-3-mini-128k-instruct", 3821079552}};
  for (const auto& [name, params] : cases) {
    SCOPED_TRACE(name);
    const auto r = inspect_model(root / name, {4096, DType::F16});
    EXPECT_FALSE(r.weights_present);
    EXPECT_EQ(r.stats.parameters, params);
  }
  const auto r = inspect_model(root / "llama-2-7b-chat", {4096, DType::F16});
  EXPECT_EQ(r.stats.weight_bytes, 2 * 6738415616ull);  // float16
  EXPECT_EQ(r.kv.full, 2ull * 32 * 4096 * 4096 * 2);   // K+V, 32 layers, 4096 wide, f16
  const auto j = nlohmann::json::parse(inspect_json(r));
  EXPECT_EQ(j["weights_present"], false);
  EXPECT_TRUE(j["tensors"]["global"][0]["file"].is_null());
}

TEST(Inspect, BinaryPrintsOneJsonObject) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/llama-bf16-sharded");
  const std::string bin = VKLLM_BINARY_DIR "/tools/vkllm";
  if (!std::filesystem::exists(bin)) GTEST_SKIP() << bin << " is not built";
  const std::string cmd = bin + " inspect --json --ctx 64 --precision f32 '" + dir.string() + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
  ASSERT_TRUE(p);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p.get())) out.append(buf, n);
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["family"], "llama");
  EXPECT_EQ(j["files"].size(), 3u);
  EXPECT_EQ(j["kv_cache"]["dtype"], "f32");
  EXPECT_EQ(j["kv_cache"]["bytes"], 2u * 32 * 4 * 64 * 3);
  EXPECT_EQ(j["parameters"], 344928);  // the index's metadata.total_parameters
}

}  // namespace
}  // namespace vkllm::model
