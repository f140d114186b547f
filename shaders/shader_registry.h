// The SPIR-V of every shader variant, embedded at build time (cmake/Shaders.cmake).
#pragma once

#include <cstdint>
#include <span>

#include "shaders/shader_ids.h"

namespace vkllm {

std::span<const uint32_t> shader_spirv(ShaderId id);
const char* shader_name(ShaderId id);

}  // namespace vkllm
