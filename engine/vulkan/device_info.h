// What the engine needs to know about a physical device, read once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/vulkan/vk.h"

namespace vkllm::vk {

struct MemoryHeapInfo {
  uint64_t size = 0;
  // heapBudget and heapUsage from VK_EXT_memory_budget when `measured`. Without the
  // extension nothing is measured: budget is the heap size and usage 0, upper bounds
  // that the allocator's and session's free-memory checks use as they are; displays
  // show them as unknown.
  bool measured = false;
  uint64_t budget = 0;
  uint64_t usage = 0;
  bool device_local = false;
  bool host_visible = false;  // some memory type of this heap is host-visible
};

struct CoopMatShape {  // one VK_NV_cooperative_matrix configuration
  uint32_t m, n, k;
  std::string a_type, c_type;
};

struct DeviceInfo {
  uint32_t index = 0;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  std::string name;
  std::string type;    // discrete, integrated, virtual, cpu, other
  std::string driver;  // driver name and info
  uint32_t api_version = 0;
  std::string uuid;
  std::vector<MemoryHeapInfo> heaps;
  bool device_local_host_visible = false;  // a type that is both (resizable BAR, UMA, CPU)
  uint64_t max_storage_buffer_range = 0;
  uint64_t max_memory_allocation_size = 0;
  uint64_t min_storage_buffer_offset_alignment = 0;
  uint32_t max_workgroup_size = 0;
  uint32_t max_shared_memory = 0;
  uint32_t subgroup_size = 0;
  uint32_t min_subgroup_size = 0, max_subgroup_size = 0;
  bool subgroup_arithmetic = false;
  bool subgroup_ballot = false;   // subgroupBroadcast of a dynamic lane
  bool subgroup_shuffle = false;  // subgroupShuffleXor
  bool subgroup_size_control = false;
  bool fp16 = false;       // shaderFloat16
  bool int8 = false;       // shaderInt8
  bool storage16 = false;  // storageBuffer16BitAccess
  bool storage8 = false;   // storageBuffer8BitAccess
  // shaderIntegerDotProduct (Vulkan 1.3 or VK_KHR_shader_integer_dot_product), and
  // whether the 4 x 8-bit packed dot of mixed signedness is a hardware instruction.
  bool int_dot = false;
  bool int_dot_accelerated = false;
  bool memory_budget = false;  // VK_EXT_memory_budget
  bool push_descriptor = false;
  bool timestamps = false;  // compute queue supports timestamps
  float timestamp_period_ns = 0;
  uint32_t compute_queue_family = 0;
  bool coopmat_nv = false;
  std::vector<CoopMatShape> coopmat_shapes;
  std::vector<std::string> extensions;

  bool has_extension(const char* name) const;
  std::string api_string() const;
};

// Reads everything above for each physical device of the instance.
std::vector<DeviceInfo> query_devices(VkInstance instance,
                                      const std::vector<VkPhysicalDevice>& devices);

// Picks one device by index ("0") or a case-insensitive name substring ("h200",
// "llvmpipe"). An unknown selector is an error that lists every device.
uint32_t select_device(const std::vector<DeviceInfo>& devices, const std::string& selector);

// A readable table of the devices (what `vkllm devices` prints).
std::string format_devices(const std::vector<DeviceInfo>& devices);

// The same as a JSON array (`vkllm devices --json`); budget and usage are null
// where they were not measured.
std::string format_devices_json(const std::vector<DeviceInfo>& devices);

}  // namespace vkllm::vk
