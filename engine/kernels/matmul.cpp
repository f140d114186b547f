#include "engine/kernels/matmul.h"

#include <algorithm>
#include <bit>

#include "engine/kernels/dispatch.h"

namespace vkllm::kernels {

namespace {

// Tiles of the kernels (TILE in matmul.comp; BM, BN in matmul_coopmat.comp).
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

struct Push {
  uint32_t t, n, k;
};

void matmul_tiled(vk::Stream& s, DType weight, const vk::BufferRange& x, const vk::BufferRange& w,
                  const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k) {
  static constexpr ShaderId shaders[] = {ShaderId::matmul_f32, ShaderId::matmul_f16,
                                         ShaderId::matmul_bf16};
  check_shape(t, n, k, kTile, kTile);
  // The workgroup size is fixed in the shader (16 x 16); the key's size is unused.
  const auto& p = s.device().pipelines().get(
      {.shader = shaders[float_type_index(weight, "matmul")], .bindings = 3, .workgroup = 1});
  s.dispatch(p, {x, w, y}, Push{t, n, k}, (n + kTile - 1) / kTile, (t + kTile - 1) / kTile);
}

void matmul_subgroup(vk::Stream& s, DType weight, const MatmulTuning& tuning,
                     const vk::BufferRange& x, const vk::BufferRange& w, const vk::BufferRange& y,
                     uint32_t t, uint32_t n, uint32_t k) {
  static constexpr ShaderId shaders[] = {
      ShaderId::matmul_subgroup_f32, ShaderId::matmul_subgroup_f16, ShaderId::matmul_subgroup_bf16};
  const auto& info = s.device().info();
  if (!matmul_subgroup_supported(info))
    fail("matmul: {} cannot run the subgroup kernel (subgroup size {})", info.name,
         info.subgroup_size);
  const uint32_t sg = info.subgroup_size;
  const MatmulTuning& c = tuning;
  const uint32_t per_vec = weight == DType::F32 ? 4 : 8;
  // With split_k 1, a step of matmul_subgroup.comp covers 4 * sg * xl / rows_t of k
  // (each lane loads xl vec4s of X) and must hold whole 16-byte vectors of W.
  const uint32_t xl = std::max(1u, per_vec * c.rows_t / (4 * sg));
  const bool step_fits = c.split_k > 1 || (4 * sg * xl) % (c.rows_t * per_vec) == 0;
  if (c.subgroups == 0 || c.rows_t == 0 || c.rows_n == 0 || c.stack_t == 0 ||
      c.subgroups % c.stack_t != 0 || c.subgroups * sg > info.max_workgroup_size ||
      !std::has_single_bit(c.split_k) || c.split_k > sg || !step_fits)
    fail(
        "matmul: subgroup tiles ({} subgroups, stack {}, {} x {} per lane, split k {}) do "
        "not fit subgroups of {}",
        c.subgroups, c.stack_t, c.rows_t, c.rows_n, c.split_k, sg);
  const uint32_t tile_t = c.stack_t * c.rows_t;
  const uint32_t tile_n = c.subgroups / c.stack_t * (sg / c.split_k) * c.rows_n;
  check_shape(t, n, k, tile_t, tile_n);
  const bool vec = k % per_vec == 0 && x.offset % 16 == 0 && w.offset % 16 == 0;
  vk::PipelineKey pk{.shader = shaders[float_type_index(weight, "matmul")],
                     .bindings = 3,
                     .workgroup = c.subgroups * sg,
                     .spec = {sg, c.rows_t, c.rows_n, c.stack_t, c.split_k, vec ? 1u : 0u},
                     .required_subgroup = info.subgroup_size_control ? sg : 0};
  const auto& p = s.device().pipelines().get(pk);
  s.dispatch(p, {x, w, y}, Push{t, n, k}, (n + tile_n - 1) / tile_n, (t + tile_t - 1) / tile_t);
}

void matmul_coopmat(vk::Stream& s, DType weight, const vk::BufferRange& x, const vk::BufferRange& w,
                    const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k,
                    uint32_t k_split = 0, uint32_t splits = 1) {
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
    uint32_t t, n, k, flags, k_split;
  } push{t, n, k, flags, k_split};
  s.dispatch(p, {x, w, y}, push, (t + kCoopTileT - 1) / kCoopTileT,
             (n + kCoopTileN - 1) / kCoopTileN, splits);
}

}  // namespace

const char* matmul_path_name(MatmulPath path) {
  switch (path) {
    case MatmulPath::Tiled:
      return "tiled";
    case MatmulPath::Subgroup:
      return "subgroup";
    case MatmulPath::Coopmat:
      return "coopmat";
  }
  return "?";
}

bool matmul_coopmat_supported(const vk::DeviceInfo& d) {
  if (!d.coopmat_nv || !d.fp16 || d.subgroup_size != 32 || d.max_shared_memory < kCoopSharedBytes)
    return false;
  return std::any_of(d.coopmat_shapes.begin(), d.coopmat_shapes.end(), [](const auto& c) {
    return c.m == 16 && c.n == 16 && c.k == 16 && c.a_type == "f16" && c.c_type == "f32";
  });
}

// The kernel broadcasts operands (ballot), combines split-k sums (shuffle) and
// needs one known subgroup size.
bool matmul_subgroup_supported(const vk::DeviceInfo& d) {
  const uint32_t sg = d.subgroup_size;
  const bool fixed = d.subgroup_size_control || d.min_subgroup_size == d.max_subgroup_size;
  return d.subgroup_ballot && d.subgroup_shuffle && fixed && std::has_single_bit(sg) && sg >= 4 &&
         sg <= 128;
}

MatmulTuning matmul_subgroup_tuning(const vk::DeviceInfo& d) {
  // From vkllm-bench-ops --sweep: 32 on the H200 (512 x 14336 x 4096), 8 on lavapipe
  // (128 x 2048 x 2048); 64 is untuned.
  if (d.subgroup_size >= 64)
    return {.subgroups = 2, .rows_t = 8, .rows_n = 4, .stack_t = 2, .split_k = 8};
  if (d.subgroup_size >= 32)
    return {.subgroups = 4, .rows_t = 8, .rows_n = 4, .stack_t = 2, .split_k = 4};
  return {.subgroups = 4, .rows_t = 8, .rows_n = 8, .stack_t = 2, .split_k = 1};
}

MatmulKey matmul_key(const vk::DeviceInfo& device, DType weight, MatmulPrecision precision) {
  if (precision == MatmulPrecision::F16 && matmul_coopmat_supported(device))
    return {weight, MatmulPath::Coopmat};
  if (matmul_subgroup_supported(device))
    return {weight, MatmulPath::Subgroup, matmul_subgroup_tuning(device)};
  return {weight, MatmulPath::Tiled};
}

void matmul(vk::Stream& s, const MatmulKey& key, const vk::BufferRange& x, const vk::BufferRange& w,
            const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k) {
  switch (key.path) {
    case MatmulPath::Tiled:
      return matmul_tiled(s, key.weight, x, w, y, t, n, k);
    case MatmulPath::Subgroup:
      return matmul_subgroup(s, key.weight, key.tuning, x, w, y, t, n, k);
    case MatmulPath::Coopmat:
      return matmul_coopmat(s, key.weight, x, w, y, t, n, k);
  }
}

// K ranges of at least 8 steps of the kernel's 32, enough of them that about 128
// workgroups run (the H100 has 132 SMs), at most 8: on the H100 the 8B shapes at 16
// and 64 rows were fastest with 1-2 ranges for 14336 x 4096 and 4 for 4096 x 14336
// (docs/PERFORMANCE.md).
uint32_t matmul_splits(uint32_t t, uint32_t n, uint32_t k) {
  const uint64_t tiles =
      uint64_t((t + kCoopTileT - 1) / kCoopTileT) * ((n + kCoopTileN - 1) / kCoopTileN);
  const uint64_t want = std::min<uint64_t>({(128 + tiles - 1) / tiles, 8, k / 256});
  if (want <= 1) return 1;
  const uint32_t k_split = (uint32_t((k + want - 1) / want) + 31) / 32 * 32;
  return (k + k_split - 1) / k_split;
}

void matmul_split(vk::Stream& s, const MatmulKey& key, const vk::BufferRange& x,
                  const vk::BufferRange& w, const vk::BufferRange& partial,
                  const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k, uint32_t splits) {
  if (splits <= 1) return matmul(s, key, x, w, y, t, n, k);
  if (key.path != MatmulPath::Coopmat) fail("matmul: split K runs on the tensor-core path only");
  const uint32_t k_split = (((k + splits - 1) / splits) + 31) / 32 * 32;
  if ((k + k_split - 1) / k_split != splits)
    fail("matmul: {} splits of k {} (not what matmul_splits gives)", splits, k);
  const uint64_t count = uint64_t(t) * n;
  if (partial.size < count * splits * 4)
    fail("matmul: the partial sums need {} bytes, the buffer has {}", count * splits * 4,
         partial.size);
  matmul_coopmat(s, key.weight, x, w, partial, t, n, k, k_split, splits);
  s.barrier();
  const uint32_t wg = 256;
  const auto& p = s.device().pipelines().get(
      {.shader = ShaderId::matmul_split_sum, .bindings = 2, .workgroup = wg});
  struct {
    uint32_t count, splits;
  } push{uint32_t(count), splits};
  Grid g = grid_for((count + wg - 1) / wg);
  s.dispatch(p, {partial, y}, push, g.x, g.y);
}

}  // namespace vkllm::kernels
