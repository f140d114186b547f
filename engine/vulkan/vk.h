// The Vulkan C API plus the one checking helper every engine/vulkan file uses.
#pragma once

#include <vulkan/vulkan.h>

#include "engine/base/error.h"

namespace vkllm::vk {

const char* result_name(VkResult r);

// Throws vkllm::Error naming the call and the VkResult when r is not VK_SUCCESS.
inline void check(VkResult r, const char* what) {
  if (r != VK_SUCCESS) fail("vulkan: {} failed: {}", what, result_name(r));
}

}  // namespace vkllm::vk
