#include "engine/vulkan/device_info.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace vkllm::vk {

namespace {

std::string type_name(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "cpu";
    default:
      return "other";
  }
}

std::string component_name(VkComponentTypeNV t) {
  switch (t) {
    case VK_COMPONENT_TYPE_FLOAT16_NV:
      return "f16";
    case VK_COMPONENT_TYPE_FLOAT32_NV:
      return "f32";
    case VK_COMPONENT_TYPE_SINT8_NV:
      return "i8";
    case VK_COMPONENT_TYPE_SINT32_NV:
      return "i32";
    case VK_COMPONENT_TYPE_UINT8_NV:
      return "u8";
    case VK_COMPONENT_TYPE_UINT32_NV:
      return "u32";
    default:
      return fmt::format("type{}", int(t));
  }
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string human_bytes(uint64_t b) {
  if (b >= (1ull << 30)) return fmt::format("{:.1f} GiB", double(b) / double(1ull << 30));
  return fmt::format("{:.0f} MiB", double(b) / double(1ull << 20));
}

void query_coopmat(VkInstance instance, DeviceInfo& d) {
  auto get = reinterpret_cast<PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV>(
      vkGetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV"));
  if (!get) return;
  uint32_t n = 0;
  if (get(d.physical, &n, nullptr) != VK_SUCCESS) return;
  std::vector<VkCooperativeMatrixPropertiesNV> props(
      n, VkCooperativeMatrixPropertiesNV{VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV});
  if (get(d.physical, &n, props.data()) != VK_SUCCESS) return;
  for (auto& p : props)
    if (p.scope == VK_SCOPE_SUBGROUP_NV)
      d.coopmat_shapes.push_back(
          {p.MSize, p.NSize, p.KSize, component_name(p.AType), component_name(p.CType)});
}

}  // namespace

bool DeviceInfo::has_extension(const char* name) const {
  return std::find(extensions.begin(), extensions.end(), name) != extensions.end();
}

std::string DeviceInfo::api_string() const {
  return fmt::format("{}.{}.{}", VK_API_VERSION_MAJOR(api_version),
                     VK_API_VERSION_MINOR(api_version), VK_API_VERSION_PATCH(api_version));
}

std::vector<DeviceInfo> query_devices(VkInstance instance,
                                      const std::vector<VkPhysicalDevice>& devices) {
  std::vector<DeviceInfo> out;
  for (uint32_t i = 0; i < devices.size(); ++i) {
    DeviceInfo d;
    d.index = i;
    d.physical = devices[i];

    uint32_t n = 0;
    vkEnumerateDeviceExtensionProperties(d.physical, nullptr, &n, nullptr);
    std::vector<VkExtensionProperties> exts(n);
    vkEnumerateDeviceExtensionProperties(d.physical, nullptr, &n, exts.data());
    for (auto& e : exts) d.extensions.emplace_back(e.extensionName);
    d.memory_budget = d.has_extension(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
    d.push_descriptor = d.has_extension(VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
    d.coopmat_nv = d.has_extension(VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);

    VkPhysicalDeviceSubgroupProperties subgroup{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceSubgroupSizeControlProperties sgc{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES};
    VkPhysicalDeviceMaintenance3Properties m3{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
    VkPhysicalDeviceDriverProperties driver{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    VkPhysicalDeviceIDProperties id{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES};
    subgroup.pNext = &m3;
    m3.pNext = &driver;
    driver.pNext = &id;
    id.pNext = &sgc;
    VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    props.pNext = &subgroup;
    vkGetPhysicalDeviceProperties2(d.physical, &props);
    // Integer dot products: core in 1.3, else the extension (both read the same structs).
    const bool dot_known = props.properties.apiVersion >= VK_API_VERSION_1_3 ||
                           d.has_extension(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
    VkPhysicalDeviceShaderIntegerDotProductProperties dot_props{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES};
    VkPhysicalDeviceShaderIntegerDotProductFeatures dot_feats{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES};
    if (dot_known) {
      VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
      p2.pNext = &dot_props;
      vkGetPhysicalDeviceProperties2(d.physical, &p2);
      VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
      f2.pNext = &dot_feats;
      vkGetPhysicalDeviceFeatures2(d.physical, &f2);
    }
    // VKLLM_NO_INT_DOT=1 hides them, so that a run can compare the quantized matvec on
    // integer dot products with the fp32 one on the same machine.
    const char* no_dot = std::getenv("VKLLM_NO_INT_DOT");
    d.int_dot = dot_known && dot_feats.shaderIntegerDotProduct &&
                !(no_dot && *no_dot && std::string_view(no_dot) != "0");
    d.int_dot_accelerated =
        d.int_dot && dot_props.integerDotProduct4x8BitPackedMixedSignednessAccelerated;
    const auto& p = props.properties;
    d.name = p.deviceName;
    d.type = type_name(p.deviceType);
    d.api_version = p.apiVersion;
    d.driver = fmt::format("{} {}", driver.driverName, driver.driverInfo);
    d.uuid.clear();
    for (auto b : id.deviceUUID) d.uuid += fmt::format("{:02x}", b);
    d.max_storage_buffer_range = p.limits.maxStorageBufferRange;
    d.max_memory_allocation_size = m3.maxMemoryAllocationSize;
    d.min_storage_buffer_offset_alignment = p.limits.minStorageBufferOffsetAlignment;
    d.max_workgroup_size = p.limits.maxComputeWorkGroupInvocations;
    d.max_shared_memory = p.limits.maxComputeSharedMemorySize;
    d.timestamp_period_ns = p.limits.timestampPeriod;
    d.subgroup_size = subgroup.subgroupSize;
    d.subgroup_arithmetic = (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) &&
                            (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT);
    const bool compute = subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT;
    d.subgroup_ballot = compute && (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BALLOT_BIT);
    d.subgroup_shuffle =
        compute && (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT);
    d.min_subgroup_size = sgc.minSubgroupSize ? sgc.minSubgroupSize : d.subgroup_size;
    d.max_subgroup_size = sgc.maxSubgroupSize ? sgc.maxSubgroupSize : d.subgroup_size;

    VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    VkPhysicalDeviceSubgroupSizeControlFeatures fsgc{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
    f11.pNext = &f12;
    f12.pNext = &fsgc;
    VkPhysicalDeviceFeatures2 feats{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    feats.pNext = &f11;
    vkGetPhysicalDeviceFeatures2(d.physical, &feats);
    d.storage16 = f11.storageBuffer16BitAccess;
    d.storage8 = f12.storageBuffer8BitAccess;
    d.fp16 = f12.shaderFloat16;
    d.int8 = f12.shaderInt8;
    d.subgroup_size_control = fsgc.subgroupSizeControl && fsgc.computeFullSubgroups;

    VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
    VkPhysicalDeviceMemoryProperties2 mem{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2};
    if (d.memory_budget) mem.pNext = &budget;
    vkGetPhysicalDeviceMemoryProperties2(d.physical, &mem);
    const auto& mp = mem.memoryProperties;
    for (uint32_t h = 0; h < mp.memoryHeapCount; ++h) {
      MemoryHeapInfo heap;
      heap.size = mp.memoryHeaps[h].size;
      heap.device_local = mp.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT;
      heap.measured = d.memory_budget;
      heap.budget = heap.measured ? budget.heapBudget[h] : heap.size;
      heap.usage = heap.measured ? budget.heapUsage[h] : 0;
      d.heaps.push_back(heap);
    }
    for (uint32_t t = 0; t < mp.memoryTypeCount; ++t) {
      auto f = mp.memoryTypes[t].propertyFlags;
      if (f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)
        d.heaps[mp.memoryTypes[t].heapIndex].host_visible = true;
      if ((f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) && (f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT))
        d.device_local_host_visible = true;
    }

    uint32_t nq = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(d.physical, &nq, nullptr);
    std::vector<VkQueueFamilyProperties> qf(nq);
    vkGetPhysicalDeviceQueueFamilyProperties(d.physical, &nq, qf.data());
    // Prefer a compute queue family; a graphics+compute one is fine too.
    int best = -1;
    for (uint32_t q = 0; q < nq; ++q) {
      if (!(qf[q].queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
      if (best < 0 || !(qf[q].queueFlags & VK_QUEUE_GRAPHICS_BIT)) {
        if (best < 0 || qf[q].timestampValidBits) best = int(q);
      }
    }
    if (best < 0) continue;  // no compute queue: not usable by vkllm
    d.compute_queue_family = uint32_t(best);
    d.timestamps = qf[best].timestampValidBits > 0 && d.timestamp_period_ns > 0;

    if (d.coopmat_nv) query_coopmat(instance, d);
    out.push_back(std::move(d));
  }
  return out;
}

uint32_t select_device(const std::vector<DeviceInfo>& devices, const std::string& selector) {
  if (devices.empty()) fail("vulkan: no usable Vulkan device (none has a compute queue)");
  if (selector.empty()) {
    // Default: the first discrete GPU, else the first integrated, else device 0.
    for (const char* want : {"discrete", "integrated"})
      for (auto& d : devices)
        if (d.type == want) return d.index;
    return devices.front().index;
  }
  bool numeric = std::all_of(selector.begin(), selector.end(),
                             [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (numeric) {
    unsigned long i = std::stoul(selector);
    for (auto& d : devices)
      if (d.index == i) return d.index;
  } else {
    for (auto& d : devices)
      if (lower(d.name).find(lower(selector)) != std::string::npos) return d.index;
  }
  fail(
      "vulkan: no device matches '{}' (pass --device with an index or part of a name); the "
      "devices are:\n{}",
      selector, format_devices(devices));
}

std::string format_devices(const std::vector<DeviceInfo>& devices) {
  std::string s;
  for (auto& d : devices) {
    s += fmt::format("[{}] {} ({}, Vulkan {})\n", d.index, d.name, d.type, d.api_string());
    s += fmt::format("    driver: {}\n", d.driver);
    for (size_t h = 0; h < d.heaps.size(); ++h) {
      auto& heap = d.heaps[h];
      const std::string budget =
          heap.measured
              ? fmt::format("budget {}, used {}", human_bytes(heap.budget), human_bytes(heap.usage))
              : std::string("budget n/a (no VK_EXT_memory_budget)");
      s += fmt::format("    heap {}: {}{}{}, {}\n", h, human_bytes(heap.size),
                       heap.device_local ? " device-local" : "",
                       heap.host_visible ? " host-visible" : "", budget);
    }
    s += fmt::format(
        "    maxStorageBufferRange {}, maxMemoryAllocationSize {}, device-local host-visible: {}\n",
        human_bytes(d.max_storage_buffer_range), human_bytes(d.max_memory_allocation_size),
        d.device_local_host_visible ? "yes" : "no");
    s +=
        fmt::format("    subgroup {} (min {}, max {}{}), workgroup {} invocations, {} KiB shared\n",
                    d.subgroup_size, d.min_subgroup_size, d.max_subgroup_size,
                    d.subgroup_size_control ? ", size control" : "", d.max_workgroup_size,
                    d.max_shared_memory / 1024);
    s += fmt::format(
        "    fp16 {}, int8 {}, 16-bit storage {}, 8-bit storage {}, timestamps {}, int8 dot {}\n",
        d.fp16 ? "yes" : "no", d.int8 ? "yes" : "no", d.storage16 ? "yes" : "no",
        d.storage8 ? "yes" : "no", d.timestamps ? "yes" : "no",
        !d.int_dot              ? "no"
        : d.int_dot_accelerated ? "yes (hardware)"
                                : "yes (emulated)");
    if (d.coopmat_shapes.empty()) {
      s += "    cooperative matrix (NV): none\n";
    } else {
      std::string shapes;
      for (auto& c : d.coopmat_shapes)
        shapes += fmt::format(" {}x{}x{} {}->{}", c.m, c.n, c.k, c.a_type, c.c_type);
      s += fmt::format("    cooperative matrix (NV):{}\n", shapes);
    }
  }
  return s;
}

std::string format_devices_json(const std::vector<DeviceInfo>& devices) {
  using nlohmann::json;
  json out = json::array();
  for (auto& d : devices) {
    json heaps = json::array();
    for (auto& h : d.heaps)
      heaps.push_back({{"size", h.size},
                       {"budget", h.measured ? json(h.budget) : json(nullptr)},
                       {"usage", h.measured ? json(h.usage) : json(nullptr)},
                       {"device_local", h.device_local},
                       {"host_visible", h.host_visible}});
    json coop = json::array();
    for (auto& c : d.coopmat_shapes)
      coop.push_back({{"m", c.m}, {"n", c.n}, {"k", c.k}, {"a", c.a_type}, {"c", c.c_type}});
    out.push_back({{"index", d.index},
                   {"name", d.name},
                   {"type", d.type},
                   {"driver", d.driver},
                   {"api_version", d.api_string()},
                   {"uuid", d.uuid},
                   {"heaps", heaps},
                   {"device_local_host_visible", d.device_local_host_visible},
                   {"max_storage_buffer_range", d.max_storage_buffer_range},
                   {"max_memory_allocation_size", d.max_memory_allocation_size},
                   {"subgroup_size", d.subgroup_size},
                   {"min_subgroup_size", d.min_subgroup_size},
                   {"max_subgroup_size", d.max_subgroup_size},
                   {"subgroup_size_control", d.subgroup_size_control},
                   {"subgroup_arithmetic", d.subgroup_arithmetic},
                   {"subgroup_ballot", d.subgroup_ballot},
                   {"subgroup_shuffle", d.subgroup_shuffle},
                   {"fp16", d.fp16},
                   {"int8", d.int8},
                   {"storage_16bit", d.storage16},
                   {"storage_8bit", d.storage8},
                   {"int8_dot", d.int_dot},
                   {"int8_dot_accelerated", d.int_dot_accelerated},
                   {"memory_budget", d.memory_budget},
                   {"timestamps", d.timestamps},
                   {"cooperative_matrix_nv", coop}});
  }
  return out.dump(2);
}

}  // namespace vkllm::vk
