// Every fixture in ../shared/fixtures computed by the CPU backend: all layers on
// the CPU (no Vulkan at all), and the layers split GPU / CPU / GPU (three segments,
// two transfers each way per step; also with the CPU layers' Linears sent to the
// GPU, llama.cpp's op offload), through prefill (whole and in chunks of 7) and
// decode, at f32 and default precision, against transformers' float64 logits with
// the bounds of the forward-pass tests.
#include <gtest/gtest.h>

#include <string>

#include "engine/runtime/auto_device_map.h"
#include "engine/runtime/device_map.h"
#include "engine/runtime/session.h"
#include "engine/vulkan/context.h"
#include "host/cpu/cpu.h"
#include "tests/support/fixtures.h"
#include "tests/support/reference.h"
#include "tests/support/test_data.h"

namespace vkllm {
namespace {

using test::compare;
using test::load_reference;
using test::Reference;
using test::Score;

void check(runtime::Session& s, const Reference& ref, double bound, const std::string& what) {
  for (bool decode : {false, true})
    for (uint32_t batch : decode ? std::vector<uint32_t>{1} : std::vector<uint32_t>{512, 7}) {
      const Score sc = compare(ref, test::run_sequence(s, ref, decode, batch));
      SCOPED_TRACE(::testing::Message()
                   << what << ", " << (decode ? "decode" : "prefill") << " batch " << batch);
      EXPECT_LE(sc.max_rel, bound);
      EXPECT_EQ(sc.argmax_mismatches, 0);
    }
}

// {"model.embed_tokens": 0, layers: the first third on 0, the next third "cpu", the
// rest on 0, "model.norm": 0, "lm_head": 0}.
std::string gpu_cpu_gpu_map(int layers) {
  std::string map = R"({"model.embed_tokens": 0, "model.norm": 0, "lm_head": 0)";
  for (int il = 0; il < layers; ++il) {
    const bool cpu = il >= layers / 3 && il < std::max(layers / 3 + 1, 2 * layers / 3);
    map += ", \"model.layers." + std::to_string(il) + "\": " + (cpu ? "\"cpu\"" : "0");
  }
  return map + "}";
}

class CpuFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(CpuFixture, AllLayersOnTheCpu) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/" + GetParam());
  const Reference ref = load_reference(dir);
  model::ModelFolder folder = model::open_model_folder(dir);
  host::cpu::Cpu cpu(3);  // more threads than CI has cores: the blocks still add up
  for (DType cache : {DType::F32, DType::F16}) {
    runtime::Session s(std::vector<graph::Backend>{&cpu}, folder,
                       runtime::single_device(folder.config),
                       {.ctx = uint32_t(ref.ids.size()), .cache = cache});
    check(s, ref, cache == DType::F32 ? 1e-4 : 1e-2, std::string(dtype_name(cache)) + " cache");
  }
}

TEST_P(CpuFixture, GpuCpuGpuSplit) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/" + GetParam());
  const Reference ref = load_reference(dir);
  vk::Context ctx({.validation = true, .device_options = {.persist_pipeline_cache = false}});
  model::ModelFolder folder = model::open_model_folder(dir);
  host::cpu::Cpu cpu(2);
  const models::Placement p =
      runtime::parse_device_map(gpu_cpu_gpu_map(folder.config.num_layers), folder.config, 1);
  ASSERT_EQ(p.devices, 2);
  // The CPU's Linears on the CPU (offload off), and on the GPU for every step, decode
  // included (offload from one row): weights and inputs copied over, products back.
  for (uint32_t offload : {0u, 1u})
    for (DType cache : {DType::F32, DType::F16}) {
      runtime::Session s(
          std::vector<graph::Backend>{&ctx.device(), &cpu}, folder, p,
          {.ctx = uint32_t(ref.ids.size()), .cache = cache, .offload_min_rows = offload});
      check(s, ref, cache == DType::F32 ? 1e-4 : 1e-2,
            std::string(dtype_name(cache)) + " cache, offload from " + std::to_string(offload) +
                " rows");
    }
  EXPECT_EQ(ctx.validation_messages(), 0u);
}

// accelerate's auto map with a GPU limit of about half the model: the first
// layers on the GPU, the rest on the CPU.
TEST_P(CpuFixture, AutoMapUnderMaxMemory) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/" + GetParam());
  const Reference ref = load_reference(dir);
  vk::Context ctx({.validation = true, .device_options = {.persist_pipeline_cache = false}});
  model::ModelFolder folder = model::open_model_folder(dir);
  host::cpu::Cpu cpu(2);
  for (DType cache : {DType::F32, DType::F16}) {
    const uint32_t tokens = uint32_t(ref.ids.size());
    const auto sizes =
        runtime::module_sizes(folder.config, folder.weights, nullptr, tokens, 1, cache);
    uint64_t half = sizes.reserve + sizes.offload_reserve + sizes.embed;
    for (size_t il = 0; il < sizes.layers.size() / 2; ++il)
      half += sizes.layers[il] + sizes.kv_per_layer;
    const auto plan = runtime::plan_device_map(
        sizes, {{0, "0", false, half}, {1, "cpu", true, 1ull << 30}}, runtime::MapStrategy::Auto);
    const auto& layers = plan.placement.layers;
    ASSERT_EQ(layers.front(), 0);
    ASSERT_EQ(layers.back(), 1);
    runtime::Session s(std::vector<graph::Backend>{&ctx.device(), &cpu}, folder, plan.placement,
                       {.ctx = tokens, .cache = cache});
    check(s, ref, cache == DType::F32 ? 1e-4 : 1e-2, std::string(dtype_name(cache)) + " cache");
  }
  EXPECT_EQ(ctx.validation_messages(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllFixtures, CpuFixture, test::all_fixtures(), test::fixture_test_name);

TEST(CpuDeviceMap, CpuAndDiskValues) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/llama-bf16");
  model::ModelFolder folder = model::open_model_folder(dir);
  const int layers = folder.config.num_layers;
  ASSERT_GE(layers, 2);
  std::string map = R"({"model.embed_tokens": "cpu", "model.layers.0": 0, "model.layers.1": "disk",
                        "model.norm": 1, "lm_head": "cpu")";
  for (int il = 2; il < layers; ++il) map += ", \"model.layers." + std::to_string(il) + "\": 1";
  const models::Placement p = runtime::parse_device_map(map + "}", folder.config, 2, "map.json", 2);
  EXPECT_EQ(p.devices, 3);
  EXPECT_EQ(p.embed, 2);
  EXPECT_EQ(p.layers[0], 0);
  EXPECT_EQ(p.layers[1], 2);
  EXPECT_EQ(p.norm, 1);
  EXPECT_EQ(p.lm_head, 2);
  try {
    runtime::parse_device_map(R"({"": "gpu"})", folder.config, 1);
    ADD_FAILURE() << "a device map value naming no device was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"gpu\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vkllm
