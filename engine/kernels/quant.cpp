#include "engine/kernels/quant.h"

#include <algorithm>

#include "engine/kernels/dispatch.h"

namespace vkllm::kernels {

namespace {

uint32_t spec_format(const QuantFormat& f) {
  return uint32_t(f.bits) | uint32_t(f.codes) << 4 | uint32_t(f.scale_f16) << 8 |
         uint32_t(f.zeros) << 9 | uint32_t(f.zero) << 16;
}

struct QuantPush {
  uint32_t n, k;
  QuantGeom g;
  float eps = 0;  // the int8 kernel's folded norm
};

uint32_t norm_spec(const MatvecNorm* norm) {
  return norm && norm->add_one ? 1u : 0u;
}

}  // namespace

QuantGeom quant_geom(const QuantFormat& f, uint32_t k) {
  return {uint32_t(quant_row_bytes(f, k) / 4), uint32_t(quant_scales_offset(f, k) / 4),
          uint32_t(quant_zeros_offset(f, k))};
}

void check_quant_shape(const QuantFormat& f, uint32_t k, const char* what) {
  if (f.bits != 4 && f.bits != 8) fail("{}: {}-bit codes are not supported (4 or 8)", what, f.bits);
  if (!quant_fits(f, k))
    fail("{}: {} needs k a multiple of 32 and of its group, k is {}", what, quant_format_name(f),
         k);
}

QuantMatvecTuning quant_matvec_tuning(const QuantFormat& f, uint32_t, uint32_t k) {
  const uint32_t per_load = 4 * (32 / f.bits);  // codes in 4 words
  const uint32_t loads = k / per_load;          // per row
  return {.workgroup = loads >= 256 ? 256u : 128u, .rows = 8, .unroll = 1, .vec = 4};
}

namespace {

// Shared memory of the int8 kernel: x's two parts (2k bytes), a vec3 a block (16 bytes
// with its padding), two batches' partials, the folded norm's partial sums.
uint32_t int8_shared_bytes(uint32_t k, uint32_t rows, uint32_t max_subgroups) {
  return 2 * k + k / 32 * 16 + 2 * rows * max_subgroups * 4 + max_subgroups * 4;
}

}  // namespace

bool matvec_quant_int8(const vk::DeviceInfo& device, const QuantFormat& f, uint32_t k,
                       MatmulPrecision precision) {
  if (precision != MatmulPrecision::F16 || !device.int_dot) return false;
  if (f.codes != QuantCodes::Int || f.group % 32 != 0 || k % 32 != 0) return false;
  const QuantMatvecTuning t = quant_matvec_int8_tuning(f, 1, k);
  const uint32_t max_subgroups = std::max(1u, t.workgroup / std::max(1u, device.min_subgroup_size));
  return int8_shared_bytes(k, t.rows, max_subgroups) <= device.max_shared_memory;
}

QuantMatvecTuning quant_matvec_int8_tuning(const QuantFormat&, uint32_t n, uint32_t k) {
  // 8 rows a batch, and as many batches (writing x is then paid once for them) as the
  // H100 sweep found fastest: 4 for a 4-bit 14336 x 4096 (23.1 us against 29.9 with
  // one), 2 for 4096 x 14336 (25.7 against 31.2).
  const uint32_t batches = n >= 8192 ? 4u : n >= 4096 ? 2u : 1u;
  return {.workgroup = k / 32 >= 256 ? 256u : 128u,
          .rows = 8,
          .unroll = 1,
          .vec = 4,
          .batches = batches,
          .int8 = true};
}

void matvec_quant(vk::Stream& s, const QuantFormat& f, const vk::BufferRange& w,
                  const vk::BufferRange& x, const vk::BufferRange* r, const vk::BufferRange& y,
                  uint32_t n, uint32_t k, MatmulPrecision precision,
                  const QuantMatvecTuning* tuning, const MatvecNorm* norm) {
  check_quant_shape(f, k, "matvec");
  if (n == 0) fail("matvec: empty product ({} x {})", n, k);
  const auto& info = s.device().info();
  const bool int8 = (norm || (tuning && tuning->int8)) && matvec_quant_int8(info, f, k, precision);
  const QuantMatvecTuning t = tuning ? *tuning
                              : int8 ? quant_matvec_int8_tuning(f, n, k)
                                     : quant_matvec_tuning(f, n, k);
  if (t.workgroup == 0 || t.rows == 0 || t.unroll == 0 || t.batches == 0 ||
      !(t.vec == 1 || t.vec == 2 || t.vec == 4))
    fail(
        "matvec: quantized matvec tuning {} threads x {} rows x {} pieces of {} words: expected "
        "non-zero counts and 1, 2 or 4 words",
        t.workgroup, t.rows, t.unroll, t.vec);
  const uint32_t max_subgroups = std::max(1u, t.workgroup / std::max(1u, info.min_subgroup_size));
  if (int8 && int8_shared_bytes(k, t.rows, max_subgroups) > info.max_shared_memory)
    fail(
        "matvec: int8 quantized matvec: k = {} with {} rows needs {} bytes of shared memory, {} "
        "has {}",
        k, t.rows, int8_shared_bytes(k, t.rows, max_subgroups), info.name, info.max_shared_memory);
  if (norm && (!int8 || r))
    fail("matvec: a folded norm needs the int8 kernel and no residual ({} with k = {} on {})",
         quant_format_name(f), k, info.name);
  static constexpr ShaderId normed[] = {ShaderId::matvec_quant_dot_norm_f32,
                                        ShaderId::matvec_quant_dot_norm_f16,
                                        ShaderId::matvec_quant_dot_norm_bf16};
  // The int8 kernel's fifth constant is k / 32 (the size of its shared x).
  const vk::PipelineKey pk{
      .shader = norm   ? normed[float_type_index(norm->dtype, "norm")]
                : int8 ? (r ? ShaderId::matvec_quant_dot_residual : ShaderId::matvec_quant_dot)
                       : (r ? ShaderId::matvec_quant_residual : ShaderId::matvec_quant),
      .bindings = r || norm ? 4u : 3u,
      .workgroup = t.workgroup,
      .spec = {t.rows, max_subgroups, spec_format(f), f.group, int8 ? k / 32 : t.unroll,
               int8 ? 0 : t.vec, int8 ? t.batches : 1, norm_spec(norm)}};
  const auto& p = s.device().pipelines().get(pk);
  const QuantPush push{n, k, quant_geom(f, k), norm ? norm->eps : 0.0f};
  const uint64_t per_group = uint64_t(t.rows) * (int8 ? t.batches : 1);
  const Grid g = grid_for((uint64_t(n) + per_group - 1) / per_group);
  if (r)
    s.dispatch(p, {w, x, y, *r}, push, g.x, g.y);
  else if (norm)
    s.dispatch(p, {w, x, y, norm->w}, push, g.x, g.y);
  else
    s.dispatch(p, {w, x, y}, push, g.x, g.y);
}

void matvec_quant_gated(vk::Stream& s, const QuantFormat& f, Activation act,
                        const vk::BufferRange& w, const vk::BufferRange& u,
                        const vk::BufferRange& x, const vk::BufferRange& y, uint32_t n, uint32_t k,
                        const QuantMatvecTuning* tuning, const MatvecNorm* norm) {
  check_quant_shape(f, k, "gated matvec");
  if (n == 0) fail("gated matvec: empty product ({} x {})", n, k);
  const auto& info = s.device().info();
  if (!matvec_quant_int8(info, f, k, MatmulPrecision::F16))
    fail("gated matvec: {} with k = {} does not take the int8 kernel on {}", quant_format_name(f),
         k, info.name);
  const QuantMatvecTuning t = tuning ? *tuning : quant_matvec_int8_tuning(f, n, k);
  if (t.workgroup == 0 || t.rows == 0 || t.batches == 0)
    fail("gated matvec: tuning {} threads x {} rows x {} batches: expected non-zero counts",
         t.workgroup, t.rows, t.batches);
  // Both weights' rows in registers: half the rows of the single product.
  const uint32_t rows = std::max(1u, t.rows / 2);
  const uint32_t max_subgroups = std::max(1u, t.workgroup / std::max(1u, info.min_subgroup_size));
  static constexpr ShaderId normed[] = {ShaderId::matvec_quant_dot_gated_norm_f32,
                                        ShaderId::matvec_quant_dot_gated_norm_f16,
                                        ShaderId::matvec_quant_dot_gated_norm_bf16};
  const vk::PipelineKey pk{.shader = norm ? normed[float_type_index(norm->dtype, "norm")]
                                          : ShaderId::matvec_quant_dot_gated,
                           .bindings = norm ? 5u : 4u,
                           .workgroup = t.workgroup,
                           .spec = {rows, max_subgroups, spec_format(f), f.group, k / 32,
                                    act == Activation::SiLU ? 0u : 1u, t.batches, norm_spec(norm)}};
  const auto& p = s.device().pipelines().get(pk);
  const QuantPush push{n, k, quant_geom(f, k), norm ? norm->eps : 0.0f};
  const uint64_t per_group = uint64_t(rows) * t.batches;
  const Grid g = grid_for((uint64_t(n) + per_group - 1) / per_group);
  if (norm)
    s.dispatch(p, {w, x, y, u, norm->w}, push, g.x, g.y);
  else
    s.dispatch(p, {w, x, y, u}, push, g.x, g.y);
}

void matmul_quant(vk::Stream& s, const QuantFormat& f, MatmulPath path, const vk::BufferRange& x,
                  const vk::BufferRange& w, const vk::BufferRange& y, uint32_t t, uint32_t n,
                  uint32_t k) {
  check_quant_shape(f, k, "matmul");
  if (t == 0 || n == 0) fail("matmul: empty product ({} x {} x {})", t, n, k);
  const QuantGeom geom = quant_geom(f, k);
  if (path == MatmulPath::Coopmat) {
    constexpr uint32_t kVecLoads = 1, kDirectStore = 2;
    const CoopmatTiles c = coopmat_tiles(t);
    if (const std::string why = coopmat_tiles_unfit(s.device().info(), c); !why.empty())
      fail("matmul: {}", why);
    uint32_t flags = 0;
    if (x.offset % 16 == 0) flags |= kVecLoads;
    if (n % 4 == 0 && y.offset % 16 == 0) flags |= kDirectStore;
    // The default tiles come from the variant compiled with them as constants.
    const auto& p = s.device().pipelines().get(
        {.shader = c.fixed ? ShaderId::matmul_coopmat_quant_fixed : ShaderId::matmul_coopmat_quant,
         .bindings = 3,
         .workgroup = c.subgroups * 32,
         .spec = coopmat_spec(c, spec_format(f), f.group)});
    struct {
      uint32_t t, n, k, flags;
      QuantGeom g;
    } push{t, n, k, flags, geom};
    s.dispatch(p, {x, w, y}, push, (t + c.tile_t - 1) / c.tile_t, (n + c.tile_n - 1) / c.tile_n);
    return;
  }
  const std::array<uint32_t, 8> spec = {0, 0, spec_format(f), f.group, 0, 0, 0, 0};
  constexpr uint32_t kTile = 64;
  const auto& p = s.device().pipelines().get(
      {.shader = ShaderId::matmul_quant, .bindings = 3, .workgroup = 1, .spec = spec});
  struct {
    uint32_t t, n, k;
    QuantGeom g;
  } push{t, n, k, geom};
  s.dispatch(p, {x, w, y}, push, (n + kTile - 1) / kTile, (t + kTile - 1) / kTile);
}

MatmulPath matmul_quant_path(const vk::DeviceInfo& device, MatmulPrecision precision) {
  return precision == MatmulPrecision::F16 && matmul_coopmat_supported(device) ? MatmulPath::Coopmat
                                                                               : MatmulPath::Tiled;
}

void dequantize(vk::Stream& s, const QuantFormat& f, const vk::BufferRange& w,
                const vk::BufferRange& out, DType out_type, uint32_t n, uint32_t k) {
  check_quant_shape(f, k, "dequantize");
  if (out_type != DType::F32 && out_type != DType::F16)
    fail("dequantize: into {}, expected f32 or f16", dtype_name(out_type));
  constexpr uint32_t kWorkgroup = 256;
  const auto& p = s.device().pipelines().get(
      {.shader = out_type == DType::F32 ? ShaderId::dequantize_f32 : ShaderId::dequantize_f16,
       .bindings = 2,
       .workgroup = kWorkgroup,
       .spec = {0, 0, spec_format(f), f.group}});
  const QuantPush push{n, k, quant_geom(f, k)};
  const Grid g = grid_for((uint64_t(n) * (k / 8) + kWorkgroup - 1) / kWorkgroup);
  s.dispatch(p, {w, out}, push, g.x, g.y);
}

void quantize(vk::Stream& s, DType src_type, const QuantFormat& f, const vk::BufferRange& src,
              const vk::BufferRange& dst, uint32_t n, uint32_t k) {
  if (!(f == quant_q8() || f == quant_q4()))
    fail("quantize: {} is not a format the engine quantizes into (q8, q4)", quant_format_name(f));
  if (k % 128 != 0) fail("quantize: k is {}, not a multiple of 128", k);
  static constexpr ShaderId shaders[] = {ShaderId::quantize_f32, ShaderId::quantize_f16,
                                         ShaderId::quantize_bf16};
  constexpr uint32_t kWorkgroup = 64;
  const auto& p =
      s.device().pipelines().get({.shader = shaders[float_type_index(src_type, "quantize")],
                                  .bindings = 2,
                                  .workgroup = kWorkgroup,
                                  .spec = {f.bits}});
  const QuantPush push{n, k, quant_geom(f, k)};
  const Grid g = grid_for((uint64_t(n) * (k / 128) + kWorkgroup - 1) / kWorkgroup);
  s.dispatch(p, {src, dst}, push, g.x, g.y);
}

}  // namespace vkllm::kernels
