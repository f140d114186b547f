#include "engine/kernels/rope.h"

#include "engine/kernels/dispatch.h"

namespace vkllm::kernels {

void rope(vk::Stream& s, const RopeShape& shape, const vk::BufferRange& x,
          const vk::BufferRange& positions, const vk::BufferRange& cos_table,
          const vk::BufferRange& sin_table, const vk::BufferRange& y) {
  if (shape.rot == 0 || shape.rot % 2 || shape.rot > shape.head_dim)
    fail("rope: rotary dimension {} must be even and at most head_dim {}", shape.rot,
         shape.head_dim);
  constexpr uint32_t wg = 256;
  const auto& p =
      s.device().pipelines().get({.shader = ShaderId::rope, .bindings = 5, .workgroup = wg});
  uint64_t n = uint64_t(shape.tokens) * shape.heads * shape.head_dim;
  Grid g = grid_for((n + wg - 1) / wg);
  s.dispatch(p, {x, positions, cos_table, sin_table, y}, shape, g.x, g.y);
}

}  // namespace vkllm::kernels
