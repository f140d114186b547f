// Helpers shared by the kernel launchers in engine/kernels.
#pragma once

#include <algorithm>
#include <cstdint>

#include "engine/base/dtype.h"
#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

// A 1D launch of `groups` workgroups as a 2D grid (x at most 65535); shaders
// linearize gl_WorkGroupID and bounds-check.
struct Grid {
  uint32_t x, y;
};
inline Grid grid_for(uint64_t groups) {
  uint32_t x = uint32_t(std::min<uint64_t>(std::max<uint64_t>(groups, 1), 65535));
  return {x, uint32_t((std::max<uint64_t>(groups, 1) + x - 1) / x)};
}

inline uint32_t dtype_index(DType t) {
  return uint32_t(t);
}

}  // namespace vkllm::kernels
