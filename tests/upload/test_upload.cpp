// Weights reach device memory byte for byte, through the mapping and through
// the staging ring, from single-file and sharded fixtures.
#include <gtest/gtest.h>

#include "engine/runtime/device_weights.h"
#include "engine/vulkan/context.h"
#include "tests/support/test_data.h"

namespace vkllm {
namespace {

void check_roundtrip(const std::filesystem::path& dir, bool mapped, unsigned threads) {
  vk::ContextOptions o{
      .validation = true,
      .device_options = {
          .persist_pipeline_cache = false, .map_device_memory = mapped, .staging_bytes = 1 << 20}};
  vk::Context ctx(o);
  auto& dev = ctx.device();
  model::ModelFolder folder = model::open_model_folder(dir);
  model::DeviceWeights w =
      model::upload_weights(&dev, folder, {.threads = threads, .chunk_bytes = 100000});
  ASSERT_EQ(w.tensors.size(), folder.weights.weights.size());
  uint64_t total = 0;
  for (size_t i = 0; i < w.tensors.size(); ++i) {
    const auto& t = w.tensors[i];
    const auto& ref = folder.weights.weights[i].ref;
    ASSERT_NE(t.buffer, nullptr);
    EXPECT_EQ(t.offset % 256, 0u);
    std::vector<std::byte> back(t.bytes);
    dev.download(*t.buffer, t.offset, back);
    auto want = ref.data();
    ASSERT_EQ(back.size(), want.size());
    EXPECT_TRUE(std::equal(back.begin(), back.end(), want.begin()))
        << folder.weights.weights[i].expected.name << (mapped ? " mapped" : " staged");
    total += t.bytes;
  }
  EXPECT_EQ(total, w.bytes);
  EXPECT_EQ(ctx.validation_messages(), 0u);
}

TEST(Upload, SingleFileMapped) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/llama-bf16");
  check_roundtrip(dir, true, 3);
}

TEST(Upload, ShardedThroughStaging) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/llama-bf16-sharded");
  check_roundtrip(dir, false, 4);
}

TEST(Upload, TiedF32) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/llama3-rope-tied-bf16");
  check_roundtrip(dir, true, 1);
  VKLLM_TEST_DATA_PATH(dir32, "fixtures/llama-f32");
  check_roundtrip(dir32, false, 2);
}

TEST(Upload, SelectsASubset) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/llama-bf16");
  vk::Context ctx({.validation = true, .device_options = {.persist_pipeline_cache = false}});
  model::ModelFolder folder = model::open_model_folder(dir);
  auto w = model::upload_weights(
      &ctx.device(), folder,
      {.select = [](const model::ResolvedWeight& r) { return r.expected.layer == 1; }});
  for (size_t i = 0; i < w.tensors.size(); ++i)
    EXPECT_EQ(w.tensors[i].buffer != nullptr, folder.weights.weights[i].expected.layer == 1);
}

}  // namespace
}  // namespace vkllm
