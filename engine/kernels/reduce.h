// Row reductions: argmax (greedy sampling).
#pragma once

#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

// out[r] = index of the largest x[r, :] (the first on ties), x [rows, n] f32.
void argmax(vk::Stream& s, const vk::BufferRange& x, const vk::BufferRange& out, uint32_t rows,
            uint32_t n);

}  // namespace vkllm::kernels
