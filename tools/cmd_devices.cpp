// vkllm devices [--json]: every Vulkan device with what the engine uses, and the CPU.
#include <cstdio>
#include <memory>

#include "engine/runtime/auto_device_map.h"
#include "engine/vulkan/context.h"
#include "host/cpu/cpu.h"
#include "tools/command.h"

namespace vkllm::cli {
namespace {

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
           std::printf("%s\n", vk::format_devices_json(shown).c_str());
         } else {
           std::fputs(vk::format_devices(shown).c_str(), stdout);
           // The CPU runs layers too (--device cpu, "cpu" in a device map).
           if (o->device.empty())
             std::printf("[cpu] %s, %.1f GiB of memory available\n",
                         host::cpu::Cpu().name().c_str(),
                         double(runtime::host_available_bytes()) / double(1ull << 30));
         }
         return 0;
       };
     }}};

}  // namespace
}  // namespace vkllm::cli
