#include "engine/kernels/reduce.h"

#include "engine/kernels/dispatch.h"

namespace vkllm::kernels {

void argmax(vk::Stream& s, const vk::BufferRange& x, const vk::BufferRange& out, uint32_t rows,
            uint32_t n) {
  constexpr uint32_t wg = 256;  // a power of two: the shared-memory tree halves it
  const auto& p =
      s.device().pipelines().get({.shader = ShaderId::argmax, .bindings = 2, .workgroup = wg});
  struct {
    uint32_t rows, n;
  } push{rows, n};
  Grid g = grid_for(rows);
  s.dispatch(p, {x, out}, push, g.x, g.y);
}

}  // namespace vkllm::kernels
