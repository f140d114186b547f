// config.json -> ModelConfig on every fixture and real Hub config, both dialects,
// the derivations transformers makes, and the errors for what is unsupported.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <utility>

#include "loaders/model/config.h"
#include "loaders/model/generation_config.h"
#include "tests/loaders/st_writer.h"
#include "tests/support/test_data.h"

namespace vkllm::model {
namespace {

ModelConfig load(const std::filesystem::path& dir) {
  return load_model_config(dir);
}

std::string layer_pattern(const ModelConfig& c) {
  std::string s;
  for (const auto& l : c.layers) s += l.attention == AttentionKind::Full ? 'F' : 'S';
  return s;
}

std::string error_of(std::string_view json) {
  try {
    parse_model_config(json, "cfg.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_contains(const std::string& s, std::initializer_list<std::string_view> parts) {
  for (auto p : parts) EXPECT_NE(s.find(p), std::string::npos) << "'" << p << "' in " << s;
}

void expect_small(const ModelConfig& c) {
  EXPECT_EQ(c.vocab_size, 509);
  EXPECT_EQ(c.hidden_size, 96);
  EXPECT_EQ(c.intermediate_size, 200);
  EXPECT_EQ(c.num_layers, 3);
  EXPECT_EQ(c.num_heads, 6);
  EXPECT_EQ(c.num_kv_heads, 2);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.max_position_embeddings, 512);
  EXPECT_EQ(c.bos_token_id, 1);
  EXPECT_EQ(c.eos_token_ids, std::vector<std::int64_t>{2});
  EXPECT_EQ(c.dtype, DType::BF16);
}

TEST(ConfigFixtures, Llama) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/llama-bf16");
  const auto c = load(dir);
  expect_small(c);
  EXPECT_EQ(c.family, Family::Llama);
  EXPECT_EQ(c.architecture, "LlamaForCausalLM");
  EXPECT_EQ(c.activation, Activation::Silu);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_FALSE(c.qkv_bias || c.o_bias || c.mlp_bias || c.qk_norm || c.sandwich_norms);
  EXPECT_EQ(layer_pattern(c), "FFF");
  ASSERT_EQ(c.ropes.size(), 1u);
  EXPECT_EQ(c.ropes[0].type, RopeType::Default);
  EXPECT_EQ(c.ropes[0].theta, 10000.0);
  EXPECT_EQ(c.ropes[0].rotary_dim, 16);
  EXPECT_DOUBLE_EQ(c.attention_scale, 0.25);
  EXPECT_EQ(c.embedding_scale, 1.0);
  EXPECT_EQ(c.norm_weight_offset, 0.0);
  EXPECT_EQ(c.rms_norm_eps, 1e-6);
}

TEST(ConfigFixtures, DtypesOfLlamaVariants) {
  VKLLM_TEST_DATA_PATH(f16, "fixtures/llama-f16");
  VKLLM_TEST_DATA_PATH(f32, "fixtures/llama-f32");
  VKLLM_TEST_DATA_PATH(medium, "fixtures/llama-medium-bf16");
  EXPECT_EQ(load(f16).dtype, DType::F16);
  EXPECT_EQ(load(f32).dtype, DType::F32);
  const auto m = load(medium);
  EXPECT_EQ(m.head_dim, 128);
  EXPECT_EQ(m.hidden_size, 512);
  EXPECT_EQ(m.vocab_size, 2000);
}

TEST(ConfigFixtures, Llama3RopeTiedClassicForm) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/llama3-rope-tied-bf16");
  const auto c = load(dir);
  expect_small(c);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_EQ(c.dtype_name, "bfloat16");
  const auto& r = c.ropes.at(0);
  EXPECT_EQ(r.type, RopeType::Llama3);
  EXPECT_EQ(r.theta, 500000.0);
  EXPECT_EQ(r.factor, 8.0);
  EXPECT_EQ(r.low_freq_factor, 1.0);
  EXPECT_EQ(r.high_freq_factor, 4.0);
  EXPECT_EQ(r.original_max_position_embeddings, 8192);
}

TEST(ConfigFixtures, MistralSliding) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/mistral-sliding-bf16");
  const auto c = load(dir);
  expect_small(c);
  EXPECT_EQ(c.family, Family::Mistral);
  EXPECT_EQ(layer_pattern(c), "SSS");
  EXPECT_EQ(c.layers[0].sliding_window, 16);
}

TEST(ConfigFixtures, Qwen2AndQwen3) {
  VKLLM_TEST_DATA_PATH(q2, "fixtures/qwen2-bf16");
  VKLLM_TEST_DATA_PATH(q3, "fixtures/qwen3-bf16");
  const auto a = load(q2);
  expect_small(a);
  EXPECT_TRUE(a.qkv_bias);
  EXPECT_FALSE(a.o_bias);
  EXPECT_FALSE(a.qk_norm);
  EXPECT_EQ(layer_pattern(a), "FFF");
  const auto b = load(q3);
  expect_small(b);
  EXPECT_FALSE(b.qkv_bias);
  EXPECT_TRUE(b.qk_norm);
  EXPECT_EQ(layer_pattern(b), "FFF");
}

TEST(ConfigFixtures, Gemma) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/gemma-bf16");
  const auto c = load(dir);
  expect_small(c);
  EXPECT_EQ(c.activation, Activation::GeluTanh);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_DOUBLE_EQ(c.embedding_scale, std::sqrt(96.0));
  EXPECT_EQ(c.norm_weight_offset, 1.0);
  EXPECT_FALSE(c.sandwich_norms);
  EXPECT_DOUBLE_EQ(c.attention_scale, 0.25);
}

TEST(ConfigFixtures, Gemma2) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/gemma2-bf16");
  const auto c = load(dir);
  expect_small(c);
  EXPECT_EQ(layer_pattern(c), "SFS");
  EXPECT_EQ(c.layers[0].sliding_window, 16);
  EXPECT_EQ(c.layers[1].sliding_window, 0);
  EXPECT_EQ(c.attn_logit_softcapping, 50.0);
  EXPECT_EQ(c.final_logit_softcapping, 30.0);
  EXPECT_DOUBLE_EQ(c.attention_scale, 0.25);  // query_pre_attn_scalar 16
  EXPECT_TRUE(c.sandwich_norms);
  EXPECT_FALSE(c.qk_norm);
}

TEST(ConfigFixtures, Gemma3PerLayerTypeRope) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/gemma3-bf16");
  const auto c = load(dir);
  expect_small(c);
  EXPECT_EQ(c.family, Family::Gemma3);
  EXPECT_EQ(layer_pattern(c), "SSS");
  EXPECT_TRUE(c.qk_norm);
  EXPECT_TRUE(c.sandwich_norms);
  EXPECT_EQ(c.attn_logit_softcapping, 0.0);
  EXPECT_EQ(c.final_logit_softcapping, 0.0);
  EXPECT_DOUBLE_EQ(c.attention_scale, 1.0 / 16);  // query_pre_attn_scalar 256
  ASSERT_EQ(c.ropes.size(), 2u);
  EXPECT_EQ(c.ropes[0].theta, 1e6);
  EXPECT_EQ(c.rope(0).theta, 10000.0);
}

TEST(ConfigFixtures, Phi3) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/phi3-bf16");
  const auto c = load(dir);
  expect_small(c);
  EXPECT_TRUE(c.fused_qkv && c.fused_gate_up);
  EXPECT_EQ(c.rms_norm_eps, 1e-5);
  EXPECT_EQ(layer_pattern(c), "FFF");
  EXPECT_EQ(c.ropes[0].type, RopeType::Default);
}

TEST(ConfigHub, Gemma2_2b) {
  VKLLM_TEST_DATA_PATH(dir, "models/gemma-2-2b-it");
  const auto c = load(dir);
  EXPECT_EQ(c.num_layers, 26);
  EXPECT_EQ(c.head_dim, 256);
  EXPECT_EQ(c.num_kv_heads, 4);
  EXPECT_EQ(layer_pattern(c), "SFSFSFSFSFSFSFSFSFSFSFSFSF");
  EXPECT_EQ(c.layers[0].sliding_window, 4096);
  EXPECT_EQ(c.eos_token_ids, (std::vector<std::int64_t>{1, 107}));
  EXPECT_EQ(c.bos_token_id, 2);
  EXPECT_TRUE(c.tie_word_embeddings);  // class default
  EXPECT_DOUBLE_EQ(c.attention_scale, 1.0 / 16);
  EXPECT_EQ(c.final_logit_softcapping, 30.0);
}

TEST(ConfigHub, Llama2_7b) {
  VKLLM_TEST_DATA_PATH(dir, "models/llama-2-7b-chat");
  const auto c = load(dir);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.num_kv_heads, 32);
  EXPECT_EQ(c.ropes[0].type, RopeType::Default);
  EXPECT_EQ(c.dtype, DType::F16);
  EXPECT_EQ(c.rms_norm_eps, 1e-5);
  EXPECT_EQ(c.max_position_embeddings, 4096);
}

TEST(ConfigHub, Llama31And32) {
  VKLLM_TEST_DATA_PATH(d31, "models/llama-3.1-8b");
  VKLLM_TEST_DATA_PATH(d32, "models/llama-3.2-3b-instruct");
  const auto a = load(d31);
  EXPECT_EQ(a.num_kv_heads, 8);
  EXPECT_EQ(a.vocab_size, 128256);
  EXPECT_EQ(a.ropes[0].type, RopeType::Llama3);
  EXPECT_EQ(a.ropes[0].factor, 8.0);
  EXPECT_EQ(a.ropes[0].theta, 500000.0);
  const auto b = load(d32);
  EXPECT_TRUE(b.tie_word_embeddings);
  EXPECT_EQ(b.head_dim, 128);
  EXPECT_EQ(b.ropes[0].factor, 32.0);
  EXPECT_EQ(b.eos_token_ids, (std::vector<std::int64_t>{128001, 128008, 128009}));
}

TEST(ConfigHub, Mistral7bNullWindowIsFull) {
  VKLLM_TEST_DATA_PATH(dir, "models/mistral-7b-instruct-v0.2");
  const auto c = load(dir);
  EXPECT_EQ(layer_pattern(c), std::string(32, 'F'));
  EXPECT_EQ(c.ropes[0].theta, 1e6);
  EXPECT_EQ(c.dtype, DType::F32);
  EXPECT_EQ(c.max_position_embeddings, 32768);
}

TEST(ConfigHub, Phi3Mini128kLongRope) {
  VKLLM_TEST_DATA_PATH(dir, "models/phi-3-mini-128k-instruct");
  const auto c = load(dir);
  EXPECT_EQ(c.head_dim, 96);
  const auto& r = c.ropes.at(0);
  EXPECT_EQ(r.type, RopeType::LongRope);
  EXPECT_EQ(r.original_max_position_embeddings, 4096);
  EXPECT_DOUBLE_EQ(r.factor, 32.0);
  EXPECT_NEAR(r.attention_factor, std::sqrt(17.0 / 12.0), 1e-12);
  EXPECT_EQ(r.short_factor.size(), 48u);
  EXPECT_EQ(r.long_factor.size(), 48u);
  EXPECT_EQ(layer_pattern(c), std::string(32, 'S'));
  EXPECT_EQ(c.layers[0].sliding_window, 262144);
  EXPECT_EQ(c.eos_token_ids, std::vector<std::int64_t>{32000});
  const auto short_inv = rope_inv_freq(r, 100);
  const auto long_inv = rope_inv_freq(r, 5000);
  EXPECT_DOUBLE_EQ(short_inv[1], std::pow(10000.0, -2.0 / 96) / 1.1);
  EXPECT_DOUBLE_EQ(long_inv[1], std::pow(10000.0, -2.0 / 96) / r.long_factor[1]);
}

TEST(ConfigHub, Qwen25NoSlidingWindow) {
  VKLLM_TEST_DATA_PATH(dir, "models/qwen2.5-0.5b-instruct");
  const auto c = load(dir);
  EXPECT_EQ(layer_pattern(c), std::string(24, 'F'));
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.num_kv_heads, 2);
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_EQ(c.ropes[0].theta, 1e6);
}

TEST(ConfigHub, EveryDtypeSpellingInTheDataIsAccepted) {
  VKLLM_TEST_DATA_PATH(root, "models");
  std::size_t n = 0;
  for (const char* kind : {"models", "fixtures"}) {
    const auto dir = root.parent_path() / kind;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (!std::filesystem::exists(e.path() / "config.json")) continue;
      SCOPED_TRACE(e.path().string());
      const auto c = load(e.path());
      EXPECT_NE(c.dtype_name, "");
      EXPECT_TRUE(c.dtype.has_value()) << c.dtype_name;
      ++n;
    }
  }
  EXPECT_GT(n, 0u);
}

TEST(ConfigHub, GenerationConfigs) {
  VKLLM_TEST_DATA_PATH(l32, "models/llama-3.2-3b-instruct");
  VKLLM_TEST_DATA_PATH(qw, "models/qwen2.5-0.5b-instruct");
  VKLLM_TEST_DATA_PATH(fx, "fixtures/llama-bf16");
  const auto a = load_generation_config(l32).value();
  EXPECT_EQ(a.eos_token_ids, (std::vector<std::int64_t>{128001, 128008, 128009}));
  EXPECT_EQ(a.do_sample, true);
  EXPECT_EQ(a.temperature, 0.6);
  EXPECT_EQ(a.top_p, 0.9);
  const auto b = load_generation_config(qw).value();
  EXPECT_EQ(b.top_k, 20);
  EXPECT_EQ(b.repetition_penalty, 1.1);
  EXPECT_EQ(b.pad_token_id, 151643);
  const auto f = load_generation_config(fx).value();
  EXPECT_EQ(f.eos_token_ids, std::vector<std::int64_t>{2});
  EXPECT_EQ(f.bos_token_id, 1);
  EXPECT_FALSE(f.temperature.has_value());
  test::TempDir empty;
  EXPECT_FALSE(load_generation_config(empty.path()).has_value());
}

constexpr std::string_view kSmall =
    R"("vocab_size":509,"hidden_size":96,"intermediate_size":200,"num_hidden_layers":3,)"
    R"("num_attention_heads":6,"num_key_value_heads":2)";

std::string cfg(std::string_view model_type, std::string_view extra = "") {
  return "{\"model_type\":\"" + std::string(model_type) + "\"," + std::string(kSmall) +
         (extra.empty() ? "" : ",") + std::string(extra) + "}";
}

TEST(ConfigDerivation, HeadDimDefaults) {
  EXPECT_EQ(parse_model_config(cfg("llama")).head_dim, 16);   // hidden / heads
  EXPECT_EQ(parse_model_config(cfg("qwen3")).head_dim, 128);  // Qwen3Config default
  EXPECT_EQ(parse_model_config(cfg("gemma")).head_dim, 256);  // GemmaConfig default
  EXPECT_EQ(parse_model_config(cfg("llama", R"("head_dim":null)")).head_dim, 16);
}

TEST(ConfigDerivation, MistralAbsentWindowDefaultsTo4096) {
  const auto c = parse_model_config(cfg("mistral"));
  EXPECT_EQ(layer_pattern(c), "SSS");
  EXPECT_EQ(c.layers[2].sliding_window, 4096);
  EXPECT_EQ(layer_pattern(parse_model_config(cfg("mistral", R"("sliding_window":null)"))), "FFF");
}

TEST(ConfigDerivation, Qwen2UseSlidingWindow) {
  EXPECT_EQ(layer_pattern(parse_model_config(cfg("qwen2", R"("sliding_window":8)"))), "FFF");
  const auto c = parse_model_config(
      cfg("qwen2", R"("use_sliding_window":true,"sliding_window":8,"max_window_layers":1)"));
  EXPECT_EQ(layer_pattern(c), "FSS");
  EXPECT_EQ(c.layers[1].sliding_window, 8);
}

TEST(ConfigDerivation, Gemma3SlidingPatternAndClassicRope) {
  const auto c = parse_model_config(
      cfg("gemma3_text", R"("num_hidden_layers":7,"sliding_window_pattern":3,"sliding_window":8,)"
                         R"("rope_theta":500000,"rope_local_base_freq":5000,)"
                         R"("rope_scaling":{"rope_type":"linear","factor":4})"));
  EXPECT_EQ(layer_pattern(c), "SSFSSFS");
  ASSERT_EQ(c.ropes.size(), 2u);
  EXPECT_EQ(c.rope(2).type, RopeType::Linear);
  EXPECT_EQ(c.rope(2).theta, 500000.0);
  EXPECT_EQ(c.rope(2).factor, 4.0);
  EXPECT_EQ(c.rope(0).type, RopeType::Default);
  EXPECT_EQ(c.rope(0).theta, 5000.0);
}

TEST(ConfigDerivation, Gemma3MultimodalTextConfig) {
  const auto c = parse_model_config(
      R"({"model_type":"gemma3","architectures":["Gemma3ForConditionalGeneration"],)"
      R"("torch_dtype":"bfloat16","eos_token_id":[1,106],)"
      R"("text_config":{"hidden_size":96,"intermediate_size":200,"num_hidden_layers":6,)"
      R"("num_attention_heads":6,"num_key_value_heads":2,"head_dim":16,"vocab_size":509,)"
      R"("sliding_window":16}})");
  EXPECT_TRUE(c.multimodal_wrapper);
  EXPECT_EQ(c.family, Family::Gemma3);
  EXPECT_EQ(c.architecture, "Gemma3ForConditionalGeneration");
  EXPECT_EQ(c.dtype, DType::BF16);
  EXPECT_EQ(c.eos_token_ids, (std::vector<std::int64_t>{1, 106}));
  EXPECT_EQ(layer_pattern(c), "SSSSSF");
  EXPECT_EQ(c.ropes[0].theta, 1e6);
}

TEST(ConfigDerivation, BothDialectsAgree) {
  const auto classic = parse_model_config(
      cfg("llama", R"("rope_theta":500000,"rope_scaling":{"type":"linear","factor":2},)"
                   R"("torch_dtype":"float16")"));
  const auto v5 = parse_model_config(
      cfg("llama", R"("rope_parameters":{"rope_type":"linear","factor":2,"rope_theta":500000},)"
                   R"("dtype":"float16")"));
  EXPECT_EQ(classic.ropes, v5.ropes);
  EXPECT_EQ(classic.dtype, v5.dtype);
  EXPECT_EQ(classic.ropes[0].type, RopeType::Linear);
}

TEST(ConfigDerivation, DtypeSpellings) {
  const std::pair<const char*, std::optional<DType>> spellings[] = {
      {"bfloat16", DType::BF16}, {"torch.bfloat16", DType::BF16}, {"float16", DType::F16},
      {"half", DType::F16},      {"float32", DType::F32},         {"float", DType::F32},
      {"float64", std::nullopt}, {"double", std::nullopt},
  };
  for (const auto& [name, want] : spellings) {
    for (const char* field : {"dtype", "torch_dtype"}) {
      const auto c = parse_model_config(cfg("llama", fmt::format(R"("{}":"{}")", field, name)));
      EXPECT_EQ(c.dtype, want) << field << " " << name;
      EXPECT_EQ(c.dtype_name, name);
    }
  }
  for (const char* unset : {R"("torch_dtype":null)", R"("dtype":"auto")"}) {
    const auto none = parse_model_config(cfg("llama", unset));
    EXPECT_FALSE(none.dtype.has_value()) << unset;
    EXPECT_EQ(none.dtype_name, "") << unset;
  }
  // transformers keeps dtype when both are given.
  EXPECT_EQ(parse_model_config(cfg("llama", R"("dtype":"float16","torch_dtype":"bfloat16")")).dtype,
            DType::F16);
}

TEST(ConfigDerivation, GemmaLegacyGeluMeansTanh) {
  EXPECT_EQ(parse_model_config(cfg("gemma", R"("hidden_act":"gelu")")).activation,
            Activation::GeluTanh);
  EXPECT_EQ(
      parse_model_config(cfg("gemma2", R"("hidden_activation":"gelu_pytorch_tanh")")).activation,
      Activation::GeluTanh);
}

TEST(ConfigDerivation, Llama3InvFreq) {
  const auto c = parse_model_config(
      cfg("llama", R"("head_dim":128,"rope_theta":500000,"rope_scaling":{"rope_type":"llama3",)"
                   R"("factor":8,"low_freq_factor":1,"high_freq_factor":4,)"
                   R"("original_max_position_embeddings":8192})"));
  const auto inv = rope_inv_freq(c.ropes[0]);
  ASSERT_EQ(inv.size(), 64u);
  EXPECT_DOUBLE_EQ(inv[0], 1.0);                                    // high frequency: unchanged
  EXPECT_DOUBLE_EQ(inv[63], std::pow(500000.0, -126.0 / 128) / 8);  // low: divided by factor
}

TEST(ConfigErrors, UnsupportedModelType) {
  expect_contains(error_of(cfg("bert")), {"cfg.json", "model_type is 'bert'", "llama"});
  expect_contains(error_of(R"({"hidden_size":4})"), {"model_type is missing"});
}

TEST(ConfigErrors, UnsupportedRopeType) {
  expect_contains(error_of(cfg("llama", R"("rope_scaling":{"rope_type":"yarn","factor":4})")),
                  {"rope_scaling.rope_type is 'yarn'", "supported: default"});
  expect_contains(error_of(cfg("llama", R"("rope_parameters":{"rope_type":"dynamic"})")),
                  {"rope_parameters.rope_type is 'dynamic'"});
  expect_contains(error_of(cfg("llama", R"("rope_scaling":{"rope_type":"llama3","factor":8})")),
                  {"low_freq_factor is missing"});
}

TEST(ConfigErrors, UnsupportedActivationAndQuantization) {
  expect_contains(error_of(cfg("llama", R"("hidden_act":"relu")")), {"hidden_act is 'relu'"});
  // Quantized checkpoints: the methods and variants not read are refused by name.
  expect_contains(error_of(cfg("llama", R"("quantization_config":{"quant_method":"hqq"})")),
                  {"quantization_config.quant_method is 'hqq'", "--quant q4"});
  expect_contains(
      error_of(
          cfg("llama",
              R"("quantization_config":{"quant_method":"gptq","checkpoint_format":"marlin"})")),
      {"checkpoint_format is 'marlin'", "not Marlin"});
  expect_contains(
      error_of(cfg("llama", R"("quantization_config":{"quant_method":"gptq","bits":3})")),
      {"bits is 3"});
  expect_contains(
      error_of(
          cfg("llama", R"("quantization_config":{"quant_method":"awq","version":"gemv_fast"})")),
      {"version is 'gemv_fast'", "GEMM checkpoints only"});
  expect_contains(error_of(cfg("llama",
                               R"("quantization_config":{"quant_method":"compressed-tensors",
                                  "format":"nvfp4-pack-quantized"})")),
                  {"format is 'nvfp4-pack-quantized'", "NVFP4"});
  expect_contains(
      error_of(cfg("llama", R"("quantization_config":{"quant_method":"bitsandbytes"})")),
      {"exactly one of load_in_4bit and load_in_8bit"});
  EXPECT_EQ(error_of(cfg("llama", R"("quantization_config":{"quant_method":"gptq","bits":4})")),
            "(no error)");
}

TEST(ConfigErrors, UnknownDtype) {
  expect_contains(error_of(cfg("llama", R"("torch_dtype":"bf16")")),
                  {"cfg.json: torch_dtype is 'bf16'", "expected bfloat16, float16, float32"});
  expect_contains(error_of(cfg("llama", R"("dtype":"int8")")), {"dtype is 'int8'"});
  // gemma3's text model inherits the outer torch_dtype.
  expect_contains(error_of(R"({"model_type":"gemma3","torch_dtype":"fp16","text_config":{}})"),
                  {"torch_dtype is 'fp16'"});
}

TEST(ConfigErrors, BadJsonAndTypes) {
  expect_contains(error_of("{\"model_type\":"), {"cfg.json", "not valid JSON"});
  expect_contains(error_of(cfg("llama", R"("rms_norm_eps":"small")")),
                  {"rms_norm_eps is \"small\"", "expected a number"});
  expect_contains(error_of(R"({"model_type":"llama","hidden_size":96.5})"),
                  {"hidden_size", "expected an integer"});
  expect_contains(error_of(cfg("llama", R"("layer_types":["full_attention"])")),
                  {"layer_types has 1 entries, num_hidden_layers is 3"});
  expect_contains(error_of(cfg("llama", R"("num_key_value_heads":4)")),
                  {"num_attention_heads 6 is not a multiple of num_key_value_heads 4"});
  expect_contains(error_of(cfg("gemma2", R"("sliding_window":null)")), {"sliding_window"});
}

}  // namespace
}  // namespace vkllm::model
