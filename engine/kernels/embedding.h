// Token embedding gather: y[t] = table[ids[t]] * scale, table [vocab, hidden]
// in f32/f16/bf16, y f32 (Gemma scales by sqrt(hidden)).
#pragma once

#include "engine/base/dtype.h"
#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

struct EmbedShape {
  uint32_t tokens, hidden, vocab;
  float scale = 1.0f;
};

void embed(vk::Stream& s, DType table_type, const EmbedShape& shape, const vk::BufferRange& ids,
           const vk::BufferRange& table, const vk::BufferRange& y);

}  // namespace vkllm::kernels
