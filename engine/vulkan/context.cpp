#include "engine/vulkan/context.h"

#include <cstdlib>

namespace vkllm::vk {

Context::Context(const ContextOptions& opts) : opts_(opts) {
  instance_ = std::make_unique<Instance>(InstanceOptions{.validation = opts.validation});
  infos_ = query_devices(instance_->handle(), instance_->physical_devices());
  if (opts_.device.empty())
    if (const char* env = std::getenv("VKLLM_DEVICE"); env && *env) opts_.device = env;
  // Check the selector now, so a wrong --device fails before any work.
  select_device(infos_, opts_.device);
}

Context::~Context() = default;

Device& Context::device() {
  if (!device_) {
    uint32_t i = select_device(infos_, opts_.device);
    for (auto& d : infos_)
      if (d.index == i) device_ = std::make_unique<Device>(*instance_, d, opts_.device_options);
  }
  return *device_;
}

}  // namespace vkllm::vk
