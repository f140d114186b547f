#include "engine/kernels/matvec.h"

#include "engine/kernels/dispatch.h"

namespace vkllm::kernels {

MatvecKey matvec_key(DType weight, uint32_t k, MatvecTuning tuning, uint32_t cols) {
  uint32_t per_vec = weight == DType::F32 ? 4 : 8;
  // Several vectors: more rows per workgroup, so that each x slice loaded serves
  // more weights, and fewer loads in flight to leave registers for the sums.
  if (cols > 1 && tuning.rows == MatvecTuning{}.rows) tuning = {.rows = 4, .unroll = 2};
  return {weight, k % per_vec == 0, tuning, false, cols};
}

namespace {

void dispatch_matvec(vk::Stream& s, const MatvecKey& key, std::initializer_list<vk::BufferRange> b,
                     uint32_t n, uint32_t k) {
  static constexpr ShaderId plain[] = {ShaderId::matvec_f32, ShaderId::matvec_f16,
                                       ShaderId::matvec_bf16};
  static constexpr ShaderId residual[] = {
      ShaderId::matvec_residual_f32, ShaderId::matvec_residual_f16, ShaderId::matvec_residual_bf16};
  if (n == 0 || k == 0) fail("matvec: empty product ({} x {})", n, k);
  if (key.cols == 0 || key.cols > kMaxMatvecCols)
    fail("matvec: {} input vectors; 1..{} are supported", key.cols, kMaxMatvecCols);
  const auto& info = s.device().info();
  uint32_t max_subgroups = key.tuning.workgroup / std::max(1u, info.min_subgroup_size);
  const size_t t = float_type_index(key.weight, "matvec");
  vk::PipelineKey pk{.shader = key.residual ? residual[t] : plain[t],
                     .bindings = key.residual ? 4u : 3u,
                     .workgroup = key.tuning.workgroup,
                     .spec = {key.tuning.rows, key.vectorized ? 1u : 0u,
                              std::max(1u, max_subgroups), key.tuning.unroll, key.cols}};
  const auto& p = s.device().pipelines().get(pk);
  struct {
    uint32_t n, k;
  } push{n, k};
  Grid g = grid_for((uint64_t(n) + key.tuning.rows - 1) / key.tuning.rows);
  s.dispatch(p, b, push, g.x, g.y);
}

}  // namespace

void matvec(vk::Stream& s, const MatvecKey& key, const vk::BufferRange& w, const vk::BufferRange& x,
            const vk::BufferRange& y, uint32_t n, uint32_t k) {
  if (key.residual) fail("matvec: a residual key needs matvec_residual");
  dispatch_matvec(s, key, {w, x, y}, n, k);
}

void matvec_residual(vk::Stream& s, const MatvecKey& key, const vk::BufferRange& w,
                     const vk::BufferRange& x, const vk::BufferRange& r, const vk::BufferRange& y,
                     uint32_t n, uint32_t k) {
  if (!key.residual) fail("matvec_residual: the key has no residual");
  dispatch_matvec(s, key, {w, x, y, r}, n, k);
}

}  // namespace vkllm::kernels
