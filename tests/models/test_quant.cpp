// Pre-quantized checkpoints of ../shared/fixtures-quant (each as a user downloads it,
// with reference logits computed by transformers in float64 from the exact
// dequantization) through prefill and decode at f32 and default precision:
// max |logits - ref| / max(1, max |ref|) <= 1e-2 (1e-4 with an f32 cache) and argmax equal where
// the reference's top-2 margin exceeds 0.1. This measures the loaders' repacking and the quantized
// kernels, not quantization error.
#include <gtest/gtest.h>

#include "engine/runtime/device_map.h"
#include "engine/runtime/session.h"
#include "engine/vulkan/context.h"
#include "host/cpu/cpu.h"
#include "tests/support/reference.h"
#include "tests/support/test_data.h"

namespace vkllm {
namespace {

class QuantFixture : public ::testing::TestWithParam<std::string> {};

// Prefill (whole and in chunks of 7) and decode against the reference: 1e-4 with an
// f32 cache (exact products), else the issue's 1e-2; argmax equal where it is clear.
void check(runtime::Session& s, const test::Reference& ref, DType cache, bool record = false) {
  for (bool decode : {false, true})
    for (uint32_t batch : decode ? std::vector<uint32_t>{1} : std::vector<uint32_t>{512, 7}) {
      const test::Score sc = test::compare(ref, test::run_sequence(s, ref, decode, batch));
      SCOPED_TRACE(::testing::Message() << dtype_name(cache) << " cache, "
                                        << (decode ? "decode" : "prefill") << " batch " << batch);
      EXPECT_LE(sc.max_rel, cache == DType::F32 ? 1e-4 : 1e-2);
      EXPECT_EQ(sc.argmax_mismatches, 0);
      if (record)
        ::testing::Test::RecordProperty(std::string(dtype_name(cache)) +
                                            (decode ? "_decode" : "_prefill") +
                                            std::to_string(batch),
                                        std::to_string(sc.max_rel));
    }
}

TEST_P(QuantFixture, MatchesExactDequantization) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures-quant/" + GetParam());
  const test::Reference ref = test::load_reference(dir);
  vk::Context ctx({.validation = true, .device_options = {.persist_pipeline_cache = false}});
  model::ModelFolder folder = model::open_model_folder(dir);
  // As in test_lora.cpp: make_quant_fixtures.py's references come from transformers'
  // default (SDPA) attention, which drops Gemma 2's attention soft-capping.
  if (folder.config.model_type == "gemma2") folder.config.attn_logit_softcapping = 0;
  size_t quantized = 0;
  for (const auto& w : folder.weights.weights) quantized += w.quant.has_value();
  EXPECT_EQ(quantized, 7u * size_t(folder.config.num_layers)) << "every projection is quantized";
  for (DType cache : {DType::F32, DType::F16}) {
    runtime::Session s({&ctx.device()}, folder, runtime::single_device(folder.config),
                       {.ctx = uint32_t(ref.ids.size()), .cache = cache});
    check(s, ref, cache, true);
  }
  EXPECT_EQ(ctx.validation_messages(), 0u);
}

// The same folders with every layer on the CPU backend (its quantized rows
// dequantized by host/cpu/linear), at the same bounds.
TEST_P(QuantFixture, OnTheCpu) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures-quant/" + GetParam());
  const test::Reference ref = test::load_reference(dir);
  model::ModelFolder folder = model::open_model_folder(dir);
  if (folder.config.model_type == "gemma2") folder.config.attn_logit_softcapping = 0;
  host::cpu::Cpu cpu(2);
  for (DType cache : {DType::F32, DType::F16}) {
    runtime::Session s(std::vector<graph::Backend>{&cpu}, folder,
                       runtime::single_device(folder.config),
                       {.ctx = uint32_t(ref.ids.size()), .cache = cache});
    check(s, ref, cache);
  }
}

// The layers split GPU / CPU / GPU with the CPU layers' quantized Linears sent to
// the GPU for every step (op offload from one row: the decode's matvecs too), their
// layouts copied as stored (and GPTQ act-order's x permuted on the CPU first).
TEST_P(QuantFixture, SplitWithOpOffload) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures-quant/" + GetParam());
  const test::Reference ref = test::load_reference(dir);
  vk::Context ctx({.validation = true, .device_options = {.persist_pipeline_cache = false}});
  model::ModelFolder folder = model::open_model_folder(dir);
  if (folder.config.model_type == "gemma2") folder.config.attn_logit_softcapping = 0;
  const int layers = folder.config.num_layers;
  std::string map = R"({"model.embed_tokens": 0, "model.norm": 0, "lm_head": 0)";
  for (int il = 0; il < layers; ++il)
    map += ", \"model.layers." + std::to_string(il) + "\": " + (il == layers / 2 ? "\"cpu\"" : "0");
  const models::Placement p = runtime::parse_device_map(map + "}", folder.config, 1);
  ASSERT_EQ(p.devices, 2);
  host::cpu::Cpu cpu(2);
  for (DType cache : {DType::F32, DType::F16}) {
    runtime::Session s(std::vector<graph::Backend>{&ctx.device(), &cpu}, folder, p,
                       {.ctx = uint32_t(ref.ids.size()), .cache = cache, .offload_min_rows = 1});
    check(s, ref, cache);
  }
  EXPECT_EQ(ctx.validation_messages(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllFormats, QuantFixture,
                         ::testing::Values("bnb-nf4-dq-llama", "bnb-fp4-mistral", "bnb-int8-llama",
                                           "gptq-4bit-llama", "gptq-4bit-actorder-qwen2",
                                           "gptq-8bit-llama", "gptq-4bit-asym-v2-llama",
                                           "awq-gemm-llama", "ct-w4a16-gemma2",
                                           "ct-fp8-channel-llama", "fp8-block-llama"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace vkllm
