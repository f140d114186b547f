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

// Index of a floating-point element type into per-dtype shader tables {f32, f16, bf16}.
inline uint32_t float_type_index(DType t, const char* op) {
  if (t == DType::U32) fail("{}: expects f32, f16 or bf16 data, got u32", op);
  return uint32_t(t);
}

}  // namespace vkllm::kernels
