#include "engine/kernels/activation.h"

#include "engine/kernels/dispatch.h"

namespace vkllm::kernels {

void gated_activation(vk::Stream& s, Activation act, const GatedShape& shape,
                      const vk::BufferRange& gate, const vk::BufferRange& up,
                      const vk::BufferRange& y) {
  constexpr uint32_t wg = 256;
  ShaderId id = act == Activation::SiLU ? ShaderId::silu_mul : ShaderId::gelu_tanh_mul;
  const auto& p = s.device().pipelines().get({.shader = id, .bindings = 3, .workgroup = wg});
  Grid g = grid_for((uint64_t(shape.rows) * shape.n + wg - 1) / wg);
  s.dispatch(p, {gate, up, y}, shape, g.x, g.y);
}

}  // namespace vkllm::kernels
