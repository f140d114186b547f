#include "engine/kernels/matmul.h"

#include <algorithm>
#include <bit>

#include "engine/kernels/dispatch.h"

namespace vkllm::kernels {

namespace {

// The tile of matmul.comp (TILE).
constexpr uint32_t kTile = 64;
// matmul_coopmat.comp's default tiles.
constexpr CoopmatTiles kCoopDefault{
    .subgroups = 8, .tile_t = 128, .tile_n = 128, .block_t = 64, .block_n = 32, .step_k = 32};
// Split-K ranges are multiples of this (of every step_k).
constexpr uint32_t kSplitAlign = 64;
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

void matmul_coopmat(vk::Stream& s, DType weight, CoopmatTiles c, const vk::BufferRange& x,
                    const vk::BufferRange& w, const vk::BufferRange& y, uint32_t t, uint32_t n,
                    uint32_t k, uint32_t k_split = 0, uint32_t splits = 1) {
  static constexpr ShaderId shaders[] = {ShaderId::matmul_coopmat_f32, ShaderId::matmul_coopmat_f16,
                                         ShaderId::matmul_coopmat_bf16};
  // The default tiles as compile-time constants (c.fixed asks for them).
  static constexpr ShaderId fixed_shaders[] = {ShaderId::matmul_coopmat_fixed_f32,
                                               ShaderId::matmul_coopmat_fixed_f16,
                                               ShaderId::matmul_coopmat_fixed_bf16};
  if (c == CoopmatTiles{}) c = coopmat_tiles(t);
  const bool fixed = c.fixed;
  if (fixed) {
    c = kCoopDefault;
    c.fixed = true;
  }
  if (const std::string why = coopmat_tiles_unfit(s.device().info(), c); !why.empty())
    fail("matmul: {}", why);
  check_shape(t, n, k, c.tile_t, c.tile_n);
  // 16-byte loads need k a multiple of 8 and 16-byte aligned bindings; whole-block
  // stores need rows of Y 16-byte aligned.
  uint32_t flags = 0;
  if (k % 8 == 0 && x.offset % 16 == 0 && w.offset % 16 == 0) flags |= kVecLoads;
  if (n % 4 == 0 && y.offset % 16 == 0) flags |= kDirectStore;
  const uint32_t type = float_type_index(weight, "matmul");
  const auto& p = s.device().pipelines().get(
      fixed ? vk::PipelineKey{.shader = fixed_shaders[type], .bindings = 3, .workgroup = 256}
            : vk::PipelineKey{.shader = shaders[type],
                              .bindings = 3,
                              .workgroup = c.subgroups * 32,
                              .spec = coopmat_spec(c, 0, 0)});
  struct {
    uint32_t t, n, k, flags, k_split;
  } push{t, n, k, flags, k_split};
  s.dispatch(p, {x, w, y}, push, (t + c.tile_t - 1) / c.tile_t, (n + c.tile_n - 1) / c.tile_n,
             splits);
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

CoopmatTiles coopmat_tiles(uint32_t /*t*/) {
  CoopmatTiles c = kCoopDefault;
  c.fixed = true;
  return c;
}

uint32_t coopmat_shared_bytes(const CoopmatTiles& c) {
  // Rows of step_k halfs plus 8 of padding, for X and W, two stages.
  return 2 * (c.tile_t + c.tile_n) * (c.step_k + 8) * 2;
}

std::string coopmat_tiles_unfit(const vk::DeviceInfo& d, const CoopmatTiles& c) {
  const uint32_t threads = c.subgroups * 32, chunks = c.step_k / 8;
  const auto tiles = [&] {
    return fmt::format(
        "tensor-core tiles ({} subgroups, {} x {} in blocks of {} x {}, k step {}, depth {})",
        c.subgroups, c.tile_t, c.tile_n, c.block_t, c.block_n, c.step_k, c.depth);
  };
  if (c.step_k != 16 && c.step_k != 32 && c.step_k != 64) return tiles() + ": k step not 16/32/64";
  if (c.depth > 4) return tiles() + fmt::format(": {} steps in flight (at most 4)", c.depth);
  if (c.block_t == 0 || c.block_n == 0 || c.block_t % 16 != 0 || c.block_n % 16 != 0 ||
      c.tile_t % c.block_t != 0 || c.tile_n % c.block_n != 0 ||
      (c.tile_t / c.block_t) * (c.tile_n / c.block_n) != c.subgroups)
    return tiles() + ": the blocks do not cover the tile, one per subgroup";
  // This also leaves the 1 KiB a subgroup that edge blocks are staged through in the
  // X stages (tile_t * step_k >= 256 subgroups).
  if ((c.tile_t * chunks) % threads != 0 || (c.tile_n * chunks) % threads != 0)
    return tiles() + ": a step's loads do not split evenly over the threads";
  if (threads > d.max_workgroup_size)
    return fmt::format("{}: {} threads, the device allows {}", tiles(), threads,
                       d.max_workgroup_size);
  if (coopmat_shared_bytes(c) > d.max_shared_memory)
    return fmt::format("{}: {} bytes of shared memory, the device has {}", tiles(),
                       coopmat_shared_bytes(c), d.max_shared_memory);
  return "";
}

std::array<uint32_t, 8> coopmat_spec(const CoopmatTiles& c, uint32_t format, uint32_t group) {
  return {c.tile_t, c.tile_n, format, group, c.block_t, c.block_n, c.step_k, std::max(1u, c.depth)};
}

bool matmul_coopmat_supported(const vk::DeviceInfo& d) {
  if (!d.coopmat_nv || !d.fp16 || d.subgroup_size != 32 ||
      !coopmat_tiles_unfit(d, kCoopDefault).empty())
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
      return matmul_coopmat(s, key.weight, key.coop, x, w, y, t, n, k);
  }
}

// K ranges of at least 256 (8 steps of 32), enough of them that about 128
// workgroups run (the H100 has 132 SMs), at most 8: on the H100 the 8B shapes at 16
// and 64 rows were fastest with 1-2 ranges for 14336 x 4096 and 4 for 4096 x 14336
// (docs/PERFORMANCE.md).
uint32_t matmul_splits(uint32_t t, uint32_t n, uint32_t k) {
  const CoopmatTiles c = coopmat_tiles(t);
  const uint64_t tiles = uint64_t((t + c.tile_t - 1) / c.tile_t) * ((n + c.tile_n - 1) / c.tile_n);
  const uint64_t want = std::min<uint64_t>({(128 + tiles - 1) / tiles, 8, k / 256});
  if (want <= 1) return 1;
  const uint32_t k_split =
      (uint32_t((k + want - 1) / want) + kSplitAlign - 1) / kSplitAlign * kSplitAlign;
  return (k + k_split - 1) / k_split;
}

void matmul_split(vk::Stream& s, const MatmulKey& key, const vk::BufferRange& x,
                  const vk::BufferRange& w, const vk::BufferRange& partial,
                  const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k, uint32_t splits) {
  if (splits <= 1) return matmul(s, key, x, w, y, t, n, k);
  if (key.path != MatmulPath::Coopmat) fail("matmul: split K runs on the tensor-core path only");
  const uint32_t k_split =
      (((k + splits - 1) / splits) + kSplitAlign - 1) / kSplitAlign * kSplitAlign;
  if ((k + k_split - 1) / k_split != splits)
    fail("matmul: {} splits of k {} (not what matmul_splits gives)", splits, k);
  const uint64_t count = uint64_t(t) * n;
  if (partial.size < count * splits * 4)
    fail("matmul: the partial sums need {} bytes, the buffer has {}", count * splits * 4,
         partial.size);
  matmul_coopmat(s, key.weight, key.coop, x, w, partial, t, n, k, k_split, splits);
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
