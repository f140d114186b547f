#include "engine/vulkan/context.h"

#include <algorithm>
#include <cstdlib>

namespace vkllm::vk {

Context::Context(const ContextOptions& opts) : opts_(opts) {
  instance_ = std::make_unique<Instance>(InstanceOptions{.validation = opts.validation});
  infos_ = query_devices(instance_->handle(), instance_->physical_devices());
  if (opts_.device.empty())
    if (const char* env = std::getenv("VKLLM_DEVICE"); env && *env) opts_.device = env;
  // Check the selectors now, so a wrong --device fails before any work.
  for (size_t start = 0; start <= opts_.device.size();) {
    size_t end = std::min(opts_.device.find(',', start), opts_.device.size());
    select_device(infos_, opts_.device.substr(start, end - start));
    start = end + 1;
  }
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

std::vector<Device*> Context::open_devices(const std::string& given) {
  const std::string& list = given.empty() ? opts_.device : given;
  if (list.find(',') == std::string::npos) return {&device()};
  std::vector<Device*> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    const uint32_t i = select_device(infos_, list.substr(start, end - start));
    for (auto& d : infos_)
      if (d.index == i)
        out.push_back(
            extra_.emplace_back(std::make_unique<Device>(*instance_, d, opts_.device_options))
                .get());
    start = end + 1;
  }
  return out;
}

}  // namespace vkllm::vk
