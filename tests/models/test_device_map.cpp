// Automatic device maps (engine/runtime/auto_device_map.h) on synthetic module
// sizes: accelerate's sequential and balanced fills, balanced_low_0, the CPU and
// "disk" taking what the GPUs do not, the error when nothing fits, --max-memory.
#include <gtest/gtest.h>

#include "engine/base/error.h"
#include "engine/runtime/auto_device_map.h"

namespace vkllm {
namespace {

using runtime::MapDevice;
using runtime::MapStrategy;

constexpr uint64_t MiB = 1ull << 20;

// 8 layers of 10 MiB + 1 MiB of KV cache each, a 4 MiB embedding, a 4 MiB head.
runtime::ModuleSizes sizes() {
  runtime::ModuleSizes s;
  s.embed = 4 * MiB;
  s.head = 4 * MiB;
  s.norm = 1024;
  s.layers.assign(8, 10 * MiB);
  s.kv_per_layer = MiB;
  s.reserve = MiB;
  return s;
}

TEST(AutoDeviceMap, SequentialFillsEachDeviceInOrder) {
  // GPU 0 holds the embedding and 4 layers (48 MiB + 1 reserved of 50), GPU 1 the rest.
  const auto plan = runtime::plan_device_map(
      sizes(), {{0, "0", false, 50 * MiB}, {1, "1", false, 100 * MiB}}, MapStrategy::Sequential);
  EXPECT_EQ(plan.placement.embed, 0);
  EXPECT_EQ(plan.placement.layers, (std::vector<int>{0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(plan.placement.norm, 1);
  EXPECT_EQ(plan.placement.lm_head, 1);
  EXPECT_EQ(plan.weight_bytes[0], 44 * MiB);
  EXPECT_EQ(plan.kv_bytes[0], 4 * MiB);
}

TEST(AutoDeviceMap, BalancedSpreadsLayersOverGpus) {
  // Plenty of room on both: sequential would put everything on GPU 0, balanced halves it.
  const std::vector<MapDevice> gpus{{0, "0", false, 1000 * MiB}, {1, "1", false, 1000 * MiB}};
  const auto seq = runtime::plan_device_map(sizes(), gpus, MapStrategy::Sequential);
  EXPECT_EQ(seq.placement.layers, std::vector<int>(8, 0));
  const auto bal = runtime::plan_device_map(sizes(), gpus, MapStrategy::Balanced);
  int on1 = 0;
  for (int d : bal.placement.layers) on1 += d == 1;
  EXPECT_GE(on1, 3);
  EXPECT_LE(on1, 5);
  const auto low0 = runtime::plan_device_map(sizes(), gpus, MapStrategy::BalancedLow0);
  int on0 = 0;
  for (int d : low0.placement.layers) on0 += d == 0;
  EXPECT_EQ(on0, 0) << "balanced_low_0 leaves GPU 0 only what GPU 1 cannot hold";
}

TEST(AutoDeviceMap, CpuTakesTheRestAndDiskPastItsLimit) {
  // The CPU is listed first but always fills last; past its 25 MiB the layers are "disk".
  const auto plan = runtime::plan_device_map(
      sizes(), {{1, "cpu", true, 25 * MiB}, {0, "0", false, 30 * MiB}}, MapStrategy::Auto);
  EXPECT_EQ(plan.placement.layers, (std::vector<int>{0, 0, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(plan.disk, (std::vector<bool>{false, false, false, false, true, true, true, true}));
  EXPECT_EQ(plan.placement.devices, 2);
  const std::string json = runtime::device_map_json(plan, 1);
  EXPECT_NE(json.find(R"("model.layers.2":"cpu")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("model.layers.7":"disk")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("model.layers.0":0)"), std::string::npos) << json;
}

TEST(AutoDeviceMap, GpusKeepRoomForOffloadedWeightsWhenTheCpuHoldsLayers) {
  // Op offload copies two of a CPU layer's largest Linears to the GPU at a time: with
  // the CPU in the map the GPU holds one layer fewer; without it, nothing changes.
  auto s = sizes();
  s.offload_reserve = 5 * MiB;
  const auto plan = runtime::plan_device_map(
      s, {{0, "0", false, 30 * MiB}, {1, "cpu", true, 1000 * MiB}}, MapStrategy::Auto);
  EXPECT_EQ(plan.placement.layers, (std::vector<int>{0, 1, 1, 1, 1, 1, 1, 1}));
  const auto gpus = runtime::plan_device_map(
      s, {{0, "0", false, 50 * MiB}, {1, "1", false, 100 * MiB}}, MapStrategy::Sequential);
  const auto base = runtime::plan_device_map(
      sizes(), {{0, "0", false, 50 * MiB}, {1, "1", false, 100 * MiB}}, MapStrategy::Sequential);
  EXPECT_EQ(gpus.placement.layers, base.placement.layers);
}

TEST(AutoDeviceMap, SaysWhatDoesNotFit) {
  try {
    runtime::plan_device_map(sizes(), {{0, "0 (gpu)", false, 30 * MiB}}, MapStrategy::Auto);
    ADD_FAILURE() << "a model larger than every limit was placed";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("model.layers.2"), std::string::npos) << m;
    EXPECT_NE(m.find("0 (gpu)"), std::string::npos) << m;
    EXPECT_NE(m.find("cpu=64GiB"), std::string::npos) << m;
  }
}

TEST(AutoDeviceMap, TiedHeadStaysWithTheEmbedding) {
  auto s = sizes();
  s.head = 0;
  const auto plan = runtime::plan_device_map(
      s, {{0, "0", false, 30 * MiB}, {1, "cpu", true, 1000 * MiB}}, MapStrategy::Sequential);
  EXPECT_EQ(plan.placement.norm, 1);
  EXPECT_EQ(plan.placement.lm_head, 0);
}

TEST(AutoDeviceMap, MaxMemory) {
  const auto limits = runtime::parse_max_memory("0=20GiB,1=1.5GB,cpu=64GiB,2=512MiB,3=1000");
  ASSERT_EQ(limits.size(), 5u);
  EXPECT_EQ(limits[0], (std::pair<std::string, uint64_t>{"0", 20ull << 30}));
  EXPECT_EQ(limits[1].second, 1500000000ull);
  EXPECT_EQ(limits[2].first, "cpu");
  EXPECT_EQ(limits[3].second, 512 * MiB);
  EXPECT_EQ(limits[4].second, 1000u);
  for (const char* bad : {"0", "0=", "=1GiB", "0=1XB", "0=GiB"}) {
    EXPECT_THROW(runtime::parse_max_memory(bad), Error) << bad;
  }
  const std::vector<MapDevice> cands{{0, "0", false, 5}, {1, "1", false, 6}, {2, "cpu", true, 7}};
  const auto only = runtime::apply_max_memory(cands, "1=100,cpu=200");
  ASSERT_EQ(only.size(), 2u);
  EXPECT_EQ(only[0].index, 1);
  EXPECT_EQ(only[0].capacity, 100u);
  EXPECT_EQ(only[1].capacity, 200u);
  EXPECT_EQ(runtime::apply_max_memory(cands, "").size(), 3u);
  EXPECT_THROW(runtime::apply_max_memory(cands, "7=1GiB"), Error);
}

}  // namespace
}  // namespace vkllm
