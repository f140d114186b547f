// The Vulkan instance: loader check, optional Khronos validation layer, and a
// debug messenger that counts (and logs) every validation message.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "engine/vulkan/vk.h"

namespace vkllm::vk {

struct InstanceOptions {
  bool validation = false;  // Khronos validation layer; tests and --debug turn it on
};

class Instance {
 public:
  explicit Instance(InstanceOptions opts = {});
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  VkInstance handle() const { return instance_; }
  bool validation() const { return validation_; }
  // Physical devices in the loader's order; throws with install advice when none.
  const std::vector<VkPhysicalDevice>& physical_devices() const { return physical_; }
  // Number of validation errors and warnings reported so far.
  uint32_t validation_messages() const { return messages_.load(); }

  // Validation is on when the options ask for it or VKLLM_VALIDATION=1.
  static bool validation_from_env();

 private:
  static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT type,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                   void* user);

  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  bool validation_ = false;
  std::atomic<uint32_t> messages_{0};
  std::vector<VkPhysicalDevice> physical_;
};

}  // namespace vkllm::vk
