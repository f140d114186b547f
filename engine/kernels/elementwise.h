// Elementwise kernels: dtype conversion and binary arithmetic.
#pragma once

#include "engine/base/dtype.h"
#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

// dst[i] = src[i] converted (f32/f16/bf16; rounding to nearest even).
void convert(vk::Stream& s, DType src_type, const vk::BufferRange& src, DType dst_type,
             const vk::BufferRange& dst, uint32_t n);

enum class BinaryOp { Add, Mul };

// d[i] = a[i] op b[i] in f32, all three tensors of dtype `t`.
void binary(vk::Stream& s, BinaryOp op, DType t, const vk::BufferRange& a, const vk::BufferRange& b,
            const vk::BufferRange& d, uint32_t n);

// x[r, i] += b[i] in place over rows of n: x f32, b f32/f16/bf16 (Linear biases).
void add_bias(vk::Stream& s, DType bias_type, const vk::BufferRange& x, const vk::BufferRange& b,
              uint32_t rows, uint32_t n);

// y[r, j] = x[r, perm[j]] over rows of k, f32 (the input of a GPTQ act-order weight).
void gather_columns(vk::Stream& s, const vk::BufferRange& x, const vk::BufferRange& perm,
                    const vk::BufferRange& y, uint32_t rows, uint32_t k);

// x = cap * tanh(x / cap) in place, f32 (Gemma 2 attention and final logits).
void softcap(vk::Stream& s, const vk::BufferRange& x, uint32_t n, float cap);

}  // namespace vkllm::kernels
