// Rotary position embedding of x [tokens, heads, head_dim] f32 into y (same shape,
// another buffer), pairs
// (i, i + rot/2) as transformers' rotate_half, from a cos/sin table [max_pos,
// rot/2] (host/reference/rope_table.h builds it in double for every scaling).
#pragma once

#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

struct RopeShape {
  uint32_t tokens, heads, head_dim, rot, max_pos;
};

void rope(vk::Stream& s, const RopeShape& shape, const vk::BufferRange& x,
          const vk::BufferRange& positions, const vk::BufferRange& cos_table,
          const vk::BufferRange& sin_table, const vk::BufferRange& y);

}  // namespace vkllm::kernels
