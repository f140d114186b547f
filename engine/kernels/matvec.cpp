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

MatvecKey matvec_gated_key(DType weight, uint32_t k, Activation act, uint32_t cols) {
  MatvecKey key = matvec_key(weight, k, {}, cols);
  key.tuning.rows = std::max(1u, key.tuning.rows / 2);
  key.gated = true;
  key.act = act;
  return key;
}

namespace {

void dispatch_matvec(vk::Stream& s, const MatvecKey& key, std::initializer_list<vk::BufferRange> b,
                     uint32_t n, uint32_t k) {
  static constexpr ShaderId plain[] = {ShaderId::matvec_f32, ShaderId::matvec_f16,
                                       ShaderId::matvec_bf16};
  static constexpr ShaderId residual[] = {
      ShaderId::matvec_residual_f32, ShaderId::matvec_residual_f16, ShaderId::matvec_residual_bf16};
  static constexpr ShaderId gated[] = {ShaderId::matvec_gated_f32, ShaderId::matvec_gated_f16,
                                       ShaderId::matvec_gated_bf16};
  if (n == 0 || k == 0) fail("matvec: empty product ({} x {})", n, k);
  if (key.cols == 0 || key.cols > kMaxMatvecCols)
    fail("matvec: {} input vectors; 1..{} are supported", key.cols, kMaxMatvecCols);
  const auto& info = s.device().info();
  uint32_t max_subgroups = key.tuning.workgroup / std::max(1u, info.min_subgroup_size);
  const size_t t = float_type_index(key.weight, "matvec");
  if (key.residual && key.gated) fail("matvec: a key cannot be both residual and gated");
  vk::PipelineKey pk{.shader = key.gated      ? gated[t]
                               : key.residual ? residual[t]
                                              : plain[t],
                     .bindings = key.residual || key.gated ? 4u : 3u,
                     .workgroup = key.tuning.workgroup,
                     .spec = {key.tuning.rows, key.vectorized ? 1u : 0u,
                              std::max(1u, max_subgroups), key.tuning.unroll, key.cols}};
  if (key.gated) pk.spec[5] = key.act == Activation::SiLU ? 0u : 1u;  // ACT
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
  if (key.residual || key.gated) fail("matvec: a residual or gated key needs its own call");
  dispatch_matvec(s, key, {w, x, y}, n, k);
}

void matvec_residual(vk::Stream& s, const MatvecKey& key, const vk::BufferRange& w,
                     const vk::BufferRange& x, const vk::BufferRange& r, const vk::BufferRange& y,
                     uint32_t n, uint32_t k) {
  if (!key.residual) fail("matvec_residual: the key has no residual");
  dispatch_matvec(s, key, {w, x, y, r}, n, k);
}

void matvec_gated(vk::Stream& s, const MatvecKey& key, const vk::BufferRange& w,
                  const vk::BufferRange& u, const vk::BufferRange& x, const vk::BufferRange& y,
                  uint32_t n, uint32_t k) {
  if (!key.gated) fail("matvec_gated: the key is not gated");
  dispatch_matvec(s, key, {w, x, y, u}, n, k);
}

}  // namespace vkllm::kernels
