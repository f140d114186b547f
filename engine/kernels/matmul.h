// Matrix-matrix product for prefill: Y = X W^T, X [t, k] f32, W [n, k] row-major
// in f32/f16/bf16 (a Linear weight as stored), Y [t, n] f32, fp32 accumulation.
// Two kernels: the portable tiled fp32 path (matmul.comp), and a tensor-core path
// (matmul_coopmat.comp) for devices with VK_NV_cooperative_matrix that rounds X
// and W to f16 (products exact in f32, sums in f32).
#pragma once

#include "engine/base/dtype.h"
#include "engine/vulkan/device_info.h"
#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

// What the caller allows the product to round: F32 keeps X and W as they are
// (--precision f32); F16 lets the tensor-core path round both to f16 first.
enum class MatmulPrecision { F32, F16 };

// The typed key of a matmul pipeline.
struct MatmulKey {
  DType weight;
  bool coopmat;  // f16 cooperative-matrix path, else the fp32 tiled path
};

// True when the device has NV cooperative matrices of 16x16x16 f16 -> f32 on
// 32-wide subgroups, with f16 arithmetic and the shared memory the kernel needs.
bool matmul_coopmat_supported(const vk::DeviceInfo& device);

// The coopmat path when `precision` allows f16 inputs and the device supports it.
MatmulKey matmul_key(const vk::DeviceInfo& device, DType weight, MatmulPrecision precision);

void matmul(vk::Stream& s, const MatmulKey& key, const vk::BufferRange& x, const vk::BufferRange& w,
            const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k);

// The exact fp32 path.
void matmul(vk::Stream& s, DType weight, const vk::BufferRange& x, const vk::BufferRange& w,
            const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k);

}  // namespace vkllm::kernels
