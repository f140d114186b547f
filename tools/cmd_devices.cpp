// vkllm devices [--json]: every Vulkan device with what the engine uses.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

#include "engine/vulkan/context.h"
#include "tools/command.h"

namespace vkllm::cli {
namespace {

nlohmann::json to_json(const vk::DeviceInfo& d) {
  nlohmann::json heaps = nlohmann::json::array();
  for (auto& h : d.heaps)
    heaps.push_back({{"size", h.size},
                     {"budget", h.budget},
                     {"usage", h.usage},
                     {"device_local", h.device_local},
                     {"host_visible", h.host_visible}});
  nlohmann::json coop = nlohmann::json::array();
  for (auto& c : d.coopmat_shapes)
    coop.push_back({{"m", c.m}, {"n", c.n}, {"k", c.k}, {"a", c.a_type}, {"c", c.c_type}});
  return {{"index", d.index},
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
          {"fp16", d.fp16},
          {"int8", d.int8},
          {"storage_16bit", d.storage16},
          {"storage_8bit", d.storage8},
          {"memory_budget", d.memory_budget},
          {"timestamps", d.timestamps},
          {"cooperative_matrix_nv", coop}};
}

struct Options {
  bool json = false;
  bool debug = false;
  std::string device;
};

Registration reg{
    {"devices", "List Vulkan devices and the capabilities vkllm uses", [](CLI::App& sub) {
       auto o = std::make_shared<Options>();
       sub.add_flag("--json", o->json, "Print JSON");
       sub.add_flag("--debug", o->debug, "Enable the Khronos validation layer");
       sub.add_option("--device", o->device, "Show only this device (index or part of its name)");
       return [o]() -> int {
         vk::Context ctx({.device = o->device, .validation = o->debug});
         std::vector<vk::DeviceInfo> shown = ctx.devices();
         if (!o->device.empty()) {
           uint32_t i = vk::select_device(shown, o->device);
           std::erase_if(shown, [i](auto& d) { return d.index != i; });
         }
         if (o->json) {
           nlohmann::json j = nlohmann::json::array();
           for (auto& d : shown) j.push_back(to_json(d));
           std::printf("%s\n", j.dump(2).c_str());
         } else {
           std::fputs(vk::format_devices(shown).c_str(), stdout);
         }
         return 0;
       };
     }}};

}  // namespace
}  // namespace vkllm::cli
