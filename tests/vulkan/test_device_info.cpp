// What `vkllm devices` prints for a device described by hand: memory budget and
// usage only where VK_EXT_memory_budget measured them. Needs no Vulkan device.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "engine/vulkan/device_info.h"

namespace vkllm::vk {
namespace {

DeviceInfo fake_device(bool memory_budget) {
  DeviceInfo d;
  d.name = "Fake GPU";
  d.type = "discrete";
  d.memory_budget = memory_budget;
  MemoryHeapInfo heap;
  heap.size = 8ull << 30;
  heap.device_local = true;
  heap.measured = memory_budget;
  heap.budget = memory_budget ? 6ull << 30 : heap.size;
  heap.usage = memory_budget ? 1ull << 30 : 0;
  d.heaps.push_back(heap);
  return d;
}

TEST(DeviceInfo, TableShowsMeasuredBudget) {
  const std::string s = format_devices({fake_device(true)});
  EXPECT_NE(s.find("heap 0: 8.0 GiB device-local, budget 6.0 GiB, used 1.0 GiB"), std::string::npos)
      << s;
}

TEST(DeviceInfo, TableSaysBudgetUnknownWithoutExtension) {
  const std::string s = format_devices({fake_device(false)});
  EXPECT_NE(s.find("heap 0: 8.0 GiB device-local, budget n/a (no VK_EXT_memory_budget)\n"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("used"), std::string::npos) << s;
}

TEST(DeviceInfo, JsonBudgetIsNullWithoutExtension) {
  const auto j =
      nlohmann::json::parse(format_devices_json({fake_device(true), fake_device(false)}));
  ASSERT_EQ(j.size(), 2u);
  const auto& measured = j[0]["heaps"][0];
  EXPECT_EQ(j[0]["memory_budget"], true);
  EXPECT_EQ(measured["size"], 8ull << 30);
  EXPECT_EQ(measured["budget"], 6ull << 30);
  EXPECT_EQ(measured["usage"], 1ull << 30);
  const auto& unmeasured = j[1]["heaps"][0];
  EXPECT_EQ(j[1]["memory_budget"], false);
  EXPECT_EQ(unmeasured["size"], 8ull << 30);
  EXPECT_TRUE(unmeasured["budget"].is_null()) << unmeasured;
  EXPECT_TRUE(unmeasured["usage"].is_null()) << unmeasured;
}

}  // namespace
}  // namespace vkllm::vk
