#include "engine/kernels/lora.h"

#include "engine/kernels/dispatch.h"

namespace vkllm::kernels {

namespace {

ShaderId merge_shader(DType weight, DType out) {
  using S = ShaderId;
  static constexpr S in_place[] = {S::lora_merge_f32, S::lora_merge_f16, S::lora_merge_bf16};
  const uint32_t w = float_type_index(weight, "lora_merge");
  if (out == weight) return in_place[w];
  if (out == DType::F32)
    return weight == DType::F16 ? S::lora_merge_f16_f32 : S::lora_merge_bf16_f32;
  fail("lora_merge: a {} weight merges into {} or f32, not {}", dtype_name(weight),
       dtype_name(weight), dtype_name(out));
}

}  // namespace

void lora_merge(vk::Stream& s, const LoraMergeKey& key, const vk::BufferRange& w,
                const vk::BufferRange& a, const vk::BufferRange& b, const vk::BufferRange& m,
                const vk::BufferRange& out, const vk::BufferRange& f, uint32_t rows, uint32_t cols,
                uint32_t rank) {
  // 256 threads over a row: rows are 1k-16k wide, one pass each.
  const vk::PipelineKey pk{.shader = merge_shader(key.weight, key.out),
                           .bindings = 6,
                           .workgroup = 256,
                           .spec = {uint32_t(key.mode)}};
  const auto& p = s.device().pipelines().get(pk);
  struct {
    uint32_t rows, cols, rank;
  } push{rows, cols, rank};
  const Grid g = grid_for(rows);
  s.dispatch(p, {w, a, b, m, out, f}, push, g.x, g.y);
}

void lora_combine(vk::Stream& s, bool dora, const vk::BufferRange& y, const vk::BufferRange& u,
                  const vk::BufferRange& f, uint32_t rows, uint32_t n) {
  constexpr uint32_t kWorkgroup = 256;
  const vk::PipelineKey pk{.shader = ShaderId::lora_combine,
                           .bindings = 3,
                           .workgroup = kWorkgroup,
                           .spec = {uint32_t(dora)}};
  const auto& p = s.device().pipelines().get(pk);
  struct {
    uint32_t total, n;
  } push{rows * n, n};
  const Grid g = grid_for((uint64_t(push.total) + kWorkgroup - 1) / kWorkgroup);
  s.dispatch(p, {y, u, f}, push, g.x, g.y);
}

}  // namespace vkllm::kernels
