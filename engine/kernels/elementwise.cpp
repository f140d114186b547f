#include "engine/kernels/elementwise.h"

#include "engine/kernels/dispatch.h"

namespace vkllm::kernels {

namespace {

constexpr uint32_t kWorkgroup = 256;
constexpr uint32_t kPerThread = 4;  // PER_THREAD in the shaders
constexpr uint64_t kPerGroup = kWorkgroup * kPerThread;

// Indexed by [src][dst]; the diagonal (no conversion) has no shader.
ShaderId convert_shader(DType src, DType dst) {
  using S = ShaderId;
  static constexpr S table[3][3] = {
      {S::convert_f32_f16, S::convert_f32_f16, S::convert_f32_bf16},
      {S::convert_f16_f32, S::convert_f16_f32, S::convert_f16_bf16},
      {S::convert_bf16_f32, S::convert_bf16_f16, S::convert_bf16_f32},
  };
  if (src == dst) fail("convert: source and destination are both {}", dtype_name(src));
  return table[float_type_index(src, "convert")][float_type_index(dst, "convert")];
}

ShaderId binary_shader(BinaryOp op, DType t) {
  using S = ShaderId;
  static constexpr S add[] = {S::add_f32, S::add_f16, S::add_bf16};
  static constexpr S mul[] = {S::mul_f32, S::mul_f16, S::mul_bf16};
  return (op == BinaryOp::Add ? add : mul)[float_type_index(t, "binary op")];
}

struct Push {
  uint32_t n;
};

}  // namespace

void convert(vk::Stream& s, DType src_type, const vk::BufferRange& src, DType dst_type,
             const vk::BufferRange& dst, uint32_t n) {
  vk::PipelineKey key{
      .shader = convert_shader(src_type, dst_type), .bindings = 2, .workgroup = kWorkgroup};
  const auto& p = s.device().pipelines().get(key);
  Grid g = grid_for((uint64_t(n) + kPerGroup - 1) / kPerGroup);
  s.dispatch(p, {src, dst}, Push{n}, g.x, g.y);
}

void binary(vk::Stream& s, BinaryOp op, DType t, const vk::BufferRange& a, const vk::BufferRange& b,
            const vk::BufferRange& d, uint32_t n) {
  vk::PipelineKey key{.shader = binary_shader(op, t), .bindings = 3, .workgroup = kWorkgroup};
  const auto& p = s.device().pipelines().get(key);
  Grid g = grid_for((uint64_t(n) + kPerGroup - 1) / kPerGroup);
  s.dispatch(p, {a, b, d}, Push{n}, g.x, g.y);
}

void add_bias(vk::Stream& s, DType bias_type, const vk::BufferRange& x, const vk::BufferRange& b,
              uint32_t rows, uint32_t n) {
  static constexpr ShaderId shaders[] = {ShaderId::bias_f32, ShaderId::bias_f16,
                                         ShaderId::bias_bf16};
  const auto& p =
      s.device().pipelines().get({.shader = shaders[float_type_index(bias_type, "add_bias")],
                                  .bindings = 2,
                                  .workgroup = kWorkgroup});
  struct {
    uint32_t total, n;
  } push{rows * n, n};
  Grid g = grid_for((uint64_t(push.total) + kWorkgroup - 1) / kWorkgroup);
  s.dispatch(p, {x, b}, push, g.x, g.y);
}

void gather_columns(vk::Stream& s, const vk::BufferRange& x, const vk::BufferRange& perm,
                    const vk::BufferRange& y, uint32_t rows, uint32_t k) {
  const auto& p = s.device().pipelines().get(
      {.shader = ShaderId::gather_columns, .bindings = 3, .workgroup = kWorkgroup});
  struct {
    uint32_t total, k;
  } push{rows * k, k};
  Grid g = grid_for((uint64_t(push.total) + kWorkgroup - 1) / kWorkgroup);
  s.dispatch(p, {x, perm, y}, push, g.x, g.y);
}

void softcap(vk::Stream& s, const vk::BufferRange& x, uint32_t n, float cap) {
  const auto& p = s.device().pipelines().get(
      {.shader = ShaderId::softcap, .bindings = 1, .workgroup = kWorkgroup});
  struct {
    uint32_t n;
    float cap;
  } push{n, cap};
  Grid g = grid_for((uint64_t(n) + kWorkgroup - 1) / kWorkgroup);
  s.dispatch(p, {x}, push, g.x, g.y);
}

}  // namespace vkllm::kernels
