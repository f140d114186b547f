// Every fixture in ../shared/fixtures through the prefill path and the decode
// path, at f32 and default precision, against transformers' float64 logits:
// max over positions of max|logits - ref| / max(1, max|ref|), and the greedy
// token wherever the reference's top-2 margin exceeds 0.1. Also a model split
// over two logical devices (lavapipe opened twice) against one device.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/runtime/device_map.h"
#include "engine/runtime/session.h"
#include "engine/vulkan/context.h"
#include "loaders/safetensors/file.h"
#include "tests/support/fixtures.h"
#include "tests/support/reference.h"
#include "tests/support/test_data.h"

namespace vkllm {
namespace {

using test::compare;
using test::load_reference;
using test::Reference;
using test::Score;

std::vector<float> run(runtime::Session& s, const Reference& ref, bool decode, uint32_t batch) {
  return test::run_sequence(s, ref, decode, batch);
}

class Fixture : public ::testing::TestWithParam<std::string> {};

TEST_P(Fixture, MatchesTransformers) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/" + GetParam());
  const Reference ref = load_reference(dir);
  vk::Context ctx({.validation = true, .device_options = {.persist_pipeline_cache = false}});
  model::ModelFolder folder = model::open_model_folder(dir);
  for (DType cache : {DType::F32, DType::F16}) {
    runtime::Session s({&ctx.device()}, folder, runtime::single_device(folder.config),
                       {.ctx = uint32_t(ref.ids.size()), .cache = cache});
    // f32: everything but the weights' own rounding is fp32; f16: the KV cache rounds.
    const double bound = cache == DType::F32 ? 1e-4 : 1e-2;
    for (bool decode : {false, true}) {
      // Prefill in chunks of 7 (odd, and several per sequence) exercises the cache across calls.
      for (uint32_t batch : decode ? std::vector<uint32_t>{1} : std::vector<uint32_t>{512, 7}) {
        Score sc = compare(ref, run(s, ref, decode, batch));
        SCOPED_TRACE(::testing::Message() << dtype_name(cache) << " cache, "
                                          << (decode ? "decode" : "prefill") << " batch " << batch);
        EXPECT_LE(sc.max_rel, bound);
        EXPECT_EQ(sc.argmax_mismatches, 0);
        RecordProperty(std::string(dtype_name(cache)) + (decode ? "_decode" : "_prefill") +
                           std::to_string(batch),
                       std::to_string(sc.max_rel));
      }
    }
  }
  EXPECT_EQ(ctx.validation_messages(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllFixtures, Fixture, test::all_fixtures(), test::fixture_test_name);

// The layers split over two logical devices give the logits of one device, bit for
// bit: the same kernels run on the same driver, with a host copy at the boundary.
TEST(DeviceMap, TwoLogicalDevicesMatchOne) {
  for (const char* name : {"llama-bf16", "gemma3-bf16"}) {
    VKLLM_TEST_DATA_PATH(dir, std::string("fixtures/") + name);
    const Reference ref = load_reference(dir);
    vk::Context ctx({.validation = true, .device_options = {.persist_pipeline_cache = false}});
    model::ModelFolder folder = model::open_model_folder(dir);
    const auto& cfg = folder.config;
    std::string map = R"({"model.embed_tokens": 0, "model.norm": 1, "lm_head": 0)";
    for (int il = 0; il < cfg.num_layers; ++il)
      map +=
          ", \"model.layers." + std::to_string(il) + "\": " + (il < cfg.num_layers / 2 ? "0" : "1");
    map += "}";
    auto devices = ctx.open_devices("0,0");
    ASSERT_EQ(devices.size(), 2u);
    ASSERT_NE(devices[0], devices[1]);
    const runtime::SessionOptions so{.ctx = uint32_t(ref.ids.size())};
    runtime::Session two(graph::Backend::of(devices), folder,
                         runtime::parse_device_map(map, cfg, 2), so);
    runtime::Session one({&ctx.device()}, folder, runtime::single_device(cfg), so);
    for (bool decode : {false, true}) {
      std::vector<float> a = run(two, ref, decode, 512), b = run(one, ref, decode, 512);
      EXPECT_EQ(a, b) << name << (decode ? " decode" : " prefill");
      EXPECT_LE(compare(ref, a).max_rel, 1e-2);
    }
    EXPECT_EQ(ctx.validation_messages(), 0u);
  }
}

TEST(Session, RejectsBadInput) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/llama-bf16");
  vk::Context ctx({.validation = true, .device_options = {.persist_pipeline_cache = false}});
  model::ModelFolder folder = model::open_model_folder(dir);
  runtime::Session s({&ctx.device()}, folder, runtime::single_device(folder.config), {.ctx = 8});
  std::vector<uint32_t> nine(9, 1), bad{1, 509};
  try {
    s.forward(nine, 0, true);
    ADD_FAILURE() << "a sequence past the context ran";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("context of 8"), std::string::npos) << e.what();
  }
  try {
    s.forward(bad, 0, true);
    ADD_FAILURE() << "an id past the vocabulary ran";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("509"), std::string::npos) << e.what();
  }
  try {
    runtime::parse_device_map(R"({"model.embed_tokens": 0, "model.layers.0": "gpu"})",
                              folder.config, 1);
    ADD_FAILURE() << "a device map entry naming no device was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.0"), std::string::npos) << e.what();
  }
  try {
    runtime::parse_device_map(R"({"model.embed_tokens": 0, "model.norm": 0, "lm_head": 0})",
                              folder.config, 1);
    ADD_FAILURE() << "a device map without layers was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vkllm
