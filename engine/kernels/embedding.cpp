#include "engine/kernels/embedding.h"

#include "engine/kernels/dispatch.h"

namespace vkllm::kernels {

void embed(vk::Stream& s, DType table_type, const EmbedShape& shape, const vk::BufferRange& ids,
           const vk::BufferRange& table, const vk::BufferRange& y) {
  static constexpr ShaderId shaders[] = {ShaderId::embed_f32, ShaderId::embed_f16,
                                         ShaderId::embed_bf16};
  constexpr uint32_t wg = 256;
  const auto& p = s.device().pipelines().get(
      {.shader = shaders[float_type_index(table_type, "embed")], .bindings = 3, .workgroup = wg});
  Grid g = grid_for((uint64_t(shape.tokens) * shape.hidden + wg - 1) / wg);
  s.dispatch(p, {ids, table, y}, shape, g.x, g.y);
}

}  // namespace vkllm::kernels
