// Matrix-matrix product for prefill: Y = X W^T, X [t, k] f32, W [n, k] row-major
// in f32/f16/bf16 (a Linear weight as stored), Y [t, n] f32, fp32 accumulation.
// Three kernels: a tensor-core path (matmul_coopmat.comp) for devices with
// VK_NV_cooperative_matrix that rounds X and W to f16 (products exact in f32, sums
// in f32); an exact fp32 path on subgroup operations (matmul_subgroup.comp); and
// the portable shared-memory tiled fp32 path (matmul.comp) for devices without them.
#pragma once

#include <array>
#include <cstdint>
#include <string>

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

// Tiles of the tensor-core path (matmul_coopmat.comp's specialization constants): a
// workgroup of `subgroups` subgroups of 32 computes tile_t x tile_n of Y, each
// subgroup a block_t x block_n block (multiples of 16), walking k in steps of
// `step_k` (16, 32 or 64) through two shared stages, with the global loads of
// `depth` steps in flight (1 to 4; 0 means 1). All zero: the default for the shape
// (coopmat_tiles).
struct CoopmatTiles {
  uint32_t subgroups = 0;
  uint32_t tile_t = 0, tile_n = 0;
  uint32_t block_t = 0, block_n = 0;
  uint32_t step_k = 0;
  uint32_t depth = 0;
  // The default tiles from the variant compiled with them as constants (the rest is
  // ignored), to compare against specialization constants.
  bool fixed = false;
  bool operator==(const CoopmatTiles&) const = default;
};

// The tensor-core tiles the engine takes for t rows of X.
CoopmatTiles coopmat_tiles(uint32_t t);
// The shared memory the tiles take (two stages of X and W rows, padded).
uint32_t coopmat_shared_bytes(const CoopmatTiles& tiles);
// Why the tiles cannot run on the device ("" when they can): blocks that do not
// cover the tile with `subgroups` subgroups, loads that do not split evenly over
// the threads, or more shared memory or threads than the device has.
std::string coopmat_tiles_unfit(const vk::DeviceInfo& device, const CoopmatTiles& tiles);

// matmul_coopmat.comp's specialization constants 1..8 for the tiles (the quantized
// variant adds its format and group; 0 for float weights).
std::array<uint32_t, 8> coopmat_spec(const CoopmatTiles& tiles, uint32_t format, uint32_t group);

// The typed key of a matmul pipeline.
struct MatmulKey {
  DType weight;
  MatmulPath path;
  MatmulTuning tuning{};  // the subgroup path's tiles
  CoopmatTiles coop{};    // the tensor-core path's tiles (zero: coopmat_tiles(t))
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
// row of tiles leaves most of the GPU idle, so K is cut into ranges (multiples of
// 64, any step_k's multiple) whose partial products are added afterwards. How many
// ranges the tensor-core path takes for this shape with coopmat_tiles(t) (1: none).
uint32_t matmul_splits(uint32_t t, uint32_t n, uint32_t k);
// Y = X W^T through `splits` partial products in `partial` ([splits, t, n] f32,
// matmul_splits' count), then their sum (a barrier is recorded between the two).
void matmul_split(vk::Stream& s, const MatmulKey& key, const vk::BufferRange& x,
                  const vk::BufferRange& w, const vk::BufferRange& partial,
                  const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k, uint32_t splits);

}  // namespace vkllm::kernels
