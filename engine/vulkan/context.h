// Opening Vulkan the way every subcommand does: an instance (validation with
// --debug or VKLLM_VALIDATION=1), the device list, and the chosen devices.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/vulkan/device.h"

namespace vkllm::vk {

struct ContextOptions {
  std::string device;  // index or name; empty: VKLLM_DEVICE, else the first discrete GPU
  bool validation = false;
  DeviceOptions device_options;
};

class Context {
 public:
  explicit Context(const ContextOptions& opts);
  ~Context();
  Instance& instance() { return *instance_; }
  const std::vector<DeviceInfo>& devices() const { return infos_; }
  // The selected device (opened on first use).
  Device& device();
  // Several devices from a comma list of indices or names ("0,1"); a device named
  // twice is opened twice, as two logical devices ("0,0"). Empty: device().
  std::vector<Device*> open_devices(const std::string& list);
  // Validation messages so far (0 when validation is off).
  uint32_t validation_messages() const { return instance_->validation_messages(); }

 private:
  ContextOptions opts_;
  std::unique_ptr<Instance> instance_;
  std::vector<DeviceInfo> infos_;
  std::unique_ptr<Device> device_;
  std::vector<std::unique_ptr<Device>> extra_;
};

}  // namespace vkllm::vk
