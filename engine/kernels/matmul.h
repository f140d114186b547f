// Matrix-matrix product for prefill: Y = X W^T, X [t, k] f32, W [n, k] row-major
// in f32/f16/bf16 (a Linear weight as stored), Y [t, n] f32, fp32 accumulation.
// Three kernels: a tensor-core path (matmul_coopmat.comp) for devices with
// VK_NV_cooperative_matrix that rounds X and W to f16 (products exact in f32, sums
// in f32); an exact fp32 path on subgroup operations (matmul_subgroup.comp); and
// the portable shared-memory tiled fp32 path (matmul.comp) for devices without them.
#pragma once

#include "engine/base/dtype.h"
#include "engine/vulkan/device_info.h"
#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

// What the caller allows the product to round: F32 keeps X and W as they are
// (--precision f32); F16 lets the tensor-core path round both to f16 first.
enum class MatmulPrecision { F32, F16 };

enum class MatmulPath {
  Tiled,     // fp32, 64 x 64 shared-memory tiles: any device
  Subgroup,  // fp32, register tiles with X shared by subgroup broadcasts
  Coopmat,   // f16 inputs on NV cooperative matrices
};

const char* matmul_path_name(MatmulPath path);

// Tiles of the subgroup path (its specialization constants). A subgroup computes
// rows_t x (subgroup size / split_k * rows_n) of Y; a workgroup `subgroups` such
// blocks, stack_t of them along t and the rest along n.
struct MatmulTuning {
  uint32_t subgroups = 4;
  uint32_t rows_t = 8;   // rows of X per subgroup
  uint32_t rows_n = 4;   // rows of W per lane
  uint32_t stack_t = 1;  // subgroups along t
  // Lanes that split k (a power of two up to the subgroup size); 1: X is shared
  // by subgroup broadcasts, more: coalesced W loads, partial sums shuffled.
  uint32_t split_k = 1;
};

// The typed key of a matmul pipeline.
struct MatmulKey {
  DType weight;
  MatmulPath path;
  MatmulTuning tuning{};  // the subgroup path's tiles
};

// True when the device has NV cooperative matrices of 16x16x16 f16 -> f32 on
// 32-wide subgroups, with f16 arithmetic and the shared memory the kernel needs.
bool matmul_coopmat_supported(const vk::DeviceInfo& device);

// True when the subgroup path can run with the device's subgroup size: a size the
// pipeline can require (or the only size the device has), a power of two from 4 to 128.
bool matmul_subgroup_supported(const vk::DeviceInfo& device);

// The subgroup path's default tiles for the device's subgroup size.
MatmulTuning matmul_subgroup_tuning(const vk::DeviceInfo& device);

// Coopmat when `precision` allows f16 inputs and the device supports it, else the
// subgroup path where supported, else the tiled path.
MatmulKey matmul_key(const vk::DeviceInfo& device, DType weight, MatmulPrecision precision);

void matmul(vk::Stream& s, const MatmulKey& key, const vk::BufferRange& x, const vk::BufferRange& w,
            const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k);

// Split K on the tensor-core path: with few rows of X (a batched decode step) one
// row of 128 x 128 tiles leaves most of the GPU idle, so K is cut into ranges whose
// partial products are added afterwards. How many ranges the tensor-core path
// takes for this shape (1: none).
uint32_t matmul_splits(uint32_t t, uint32_t n, uint32_t k);
// Y = X W^T through `splits` partial products in `partial` ([splits, t, n] f32,
// matmul_splits' count), then their sum (a barrier is recorded between the two).
void matmul_split(vk::Stream& s, const MatmulKey& key, const vk::BufferRange& x,
                  const vk::BufferRange& w, const vk::BufferRange& partial,
                  const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k, uint32_t splits);

}  // namespace vkllm::kernels
