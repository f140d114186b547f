// RMSNorm fused with its weight: y = x / sqrt(mean(x^2) + eps) * w (or * (1 + w)
// for Gemma), over rows of n f32 values; x and y may be the same buffer.
#pragma once

#include "engine/base/dtype.h"
#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

struct RmsNormKey {
  DType weight;
  bool add_one;  // Gemma stores w - 1
};

void rmsnorm(vk::Stream& s, const RmsNormKey& key, const vk::BufferRange& x,
             const vk::BufferRange& w, const vk::BufferRange& y, uint32_t rows, uint32_t n,
             float eps);

}  // namespace vkllm::kernels
