// Gated MLP activations: y = act(gate) * up, act SiLU or GELU (tanh form).
// gate and up are read at row `stride` with up at column `up_offset`, which also
// covers Phi-3's fused gate_up output (one buffer bound twice, up_offset = n).
#pragma once

#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

enum class Activation { SiLU, GeluTanh };

struct GatedShape {
  uint32_t rows, n, stride, up_offset;
};

void gated_activation(vk::Stream& s, Activation act, const GatedShape& shape,
                      const vk::BufferRange& gate, const vk::BufferRange& up,
                      const vk::BufferRange& y);

}  // namespace vkllm::kernels
