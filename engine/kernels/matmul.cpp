#include "engine/kernels/matmul.h"

#include <algorithm>

#include "engine/kernels/dispatch.h"

namespace vkllm::kernels {

namespace {

// Tiles of the two kernels (TILE in matmul.comp; BM, BN in matmul_coopmat.comp).
constexpr uint32_t kTile = 64;
constexpr uint32_t kCoopTileT = 128, kCoopTileN = 128;
// matmul_coopmat.comp: two stages of 128 x 40 halfs for X and for W.
constexpr uint32_t kCoopSharedBytes = 2 * 2 * 128 * 40 * 2;
// Flags of matmul_coopmat.comp's push constants.
constexpr uint32_t kVecLoads = 1, kDirectStore = 2;

void check_shape(uint32_t t, uint32_t n, uint32_t k, uint32_t tile_t, uint32_t tile_n) {
  if (t == 0 || n == 0 || k == 0) fail("matmul: empty product ({} x {} x {})", t, n, k);
  if ((n + tile_n - 1) / tile_n > 65535 || (t + tile_t - 1) / tile_t > 65535)
    fail("matmul: {} x {} output is too large for one launch", t, n);
}

void matmul_coopmat(vk::Stream& s, DType weight, const vk::BufferRange& x, const vk::BufferRange& w,
                    const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k) {
  static constexpr ShaderId shaders[] = {ShaderId::matmul_coopmat_f32, ShaderId::matmul_coopmat_f16,
                                         ShaderId::matmul_coopmat_bf16};
  check_shape(t, n, k, kCoopTileT, kCoopTileN);
  // 16-byte loads need k a multiple of 8 and 16-byte aligned bindings; whole-block
  // stores need rows of Y 16-byte aligned.
  uint32_t flags = 0;
  if (k % 8 == 0 && x.offset % 16 == 0 && w.offset % 16 == 0) flags |= kVecLoads;
  if (n % 4 == 0 && y.offset % 16 == 0) flags |= kDirectStore;
  // The workgroup size (256) is fixed in the shader; the key's size is unused.
  const auto& p = s.device().pipelines().get(
      {.shader = shaders[float_type_index(weight, "matmul")], .bindings = 3, .workgroup = 1});
  struct {
    uint32_t t, n, k, flags;
  } push{t, n, k, flags};
  s.dispatch(p, {x, w, y}, push, (t + kCoopTileT - 1) / kCoopTileT,
             (n + kCoopTileN - 1) / kCoopTileN);
}

}  // namespace

bool matmul_coopmat_supported(const vk::DeviceInfo& d) {
  if (!d.coopmat_nv || !d.fp16 || d.subgroup_size != 32 || d.max_shared_memory < kCoopSharedBytes)
    return false;
  return std::any_of(d.coopmat_shapes.begin(), d.coopmat_shapes.end(), [](const auto& c) {
    return c.m == 16 && c.n == 16 && c.k == 16 && c.a_type == "f16" && c.c_type == "f32";
  });
}

MatmulKey matmul_key(const vk::DeviceInfo& device, DType weight, MatmulPrecision precision) {
  return {weight, precision == MatmulPrecision::F16 && matmul_coopmat_supported(device)};
}

void matmul(vk::Stream& s, const MatmulKey& key, const vk::BufferRange& x, const vk::BufferRange& w,
            const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k) {
  if (key.coopmat)
    matmul_coopmat(s, key.weight, x, w, y, t, n, k);
  else
    matmul(s, key.weight, x, w, y, t, n, k);
}

void matmul(vk::Stream& s, DType weight, const vk::BufferRange& x, const vk::BufferRange& w,
            const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k) {
  static constexpr ShaderId shaders[] = {ShaderId::matmul_f32, ShaderId::matmul_f16,
                                         ShaderId::matmul_bf16};
  check_shape(t, n, k, kTile, kTile);
  // The workgroup size is fixed in the shader (16 x 16); the key's size is unused.
  const auto& p = s.device().pipelines().get(
      {.shader = shaders[float_type_index(weight, "matmul")], .bindings = 3, .workgroup = 1});
  struct {
    uint32_t t, n, k;
  } push{t, n, k};
  s.dispatch(p, {x, w, y}, push, (n + kTile - 1) / kTile, (t + kTile - 1) / kTile);
}

}  // namespace vkllm::kernels
