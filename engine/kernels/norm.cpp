#include "engine/kernels/norm.h"

#include "engine/kernels/dispatch.h"

namespace vkllm::kernels {

void rmsnorm(vk::Stream& s, const RmsNormKey& key, const vk::BufferRange& x,
             const vk::BufferRange& w, const vk::BufferRange& y, uint32_t rows, uint32_t n,
             float eps) {
  static constexpr ShaderId shaders[] = {ShaderId::rmsnorm_f32, ShaderId::rmsnorm_f16,
                                         ShaderId::rmsnorm_bf16};
  // About 4 elements per thread: a decode step's one row of 4096 is latency-bound,
  // and 1024 threads issue its loads at once.
  uint32_t wg = 64;
  while (wg < 1024 && wg * 4 < n) wg *= 2;
  uint32_t max_subgroups = wg / std::max(1u, s.device().info().min_subgroup_size);
  const auto& p =
      s.device().pipelines().get({.shader = shaders[float_type_index(key.weight, "norm")],
                                  .bindings = 3,
                                  .workgroup = wg,
                                  .spec = {key.add_one ? 1u : 0u, max_subgroups}});
  struct {
    uint32_t rows, n;
    float eps;
  } push{rows, n, eps};
  Grid g = grid_for(rows);
  s.dispatch(p, {x, w, y}, push, g.x, g.y);
}

}  // namespace vkllm::kernels
