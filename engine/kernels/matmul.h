// Matrix-matrix product for prefill: Y = X W^T, X [t, k] f32, W [n, k] row-major
// in f32/f16/bf16 (a Linear weight as stored), Y [t, n] f32, fp32 accumulation.
// This is the portable subgroup-free tiled path; a cooperative-matrix path for
// devices with VK_NV_cooperative_matrix comes next.
#pragma once

#include "engine/base/dtype.h"
#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

void matmul(vk::Stream& s, DType weight, const vk::BufferRange& x, const vk::BufferRange& w,
            const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k);

}  // namespace vkllm::kernels
