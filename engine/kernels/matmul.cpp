#include "engine/kernels/matmul.h"

#include "engine/kernels/dispatch.h"

namespace vkllm::kernels {

void matmul(vk::Stream& s, DType weight, const vk::BufferRange& x, const vk::BufferRange& w,
            const vk::BufferRange& y, uint32_t t, uint32_t n, uint32_t k) {
  static constexpr ShaderId shaders[] = {ShaderId::matmul_f32, ShaderId::matmul_f16,
                                         ShaderId::matmul_bf16};
  constexpr uint32_t tile = 64;  // TILE in matmul.comp
  if (t == 0 || n == 0 || k == 0) fail("matmul: empty product ({} x {} x {})", t, n, k);
  if ((n + tile - 1) / tile > 65535 || (t + tile - 1) / tile > 65535)
    fail("matmul: {} x {} output is too large for one launch", t, n);
  // The workgroup size is fixed in the shader (16 x 16); the key's size is unused.
  const auto& p = s.device().pipelines().get(
      {.shader = shaders[float_type_index(weight, "matmul")], .bindings = 3, .workgroup = 1});
  struct {
    uint32_t t, n, k;
  } push{t, n, k};
  s.dispatch(p, {x, w, y}, push, (n + tile - 1) / tile, (t + tile - 1) / tile);
}

}  // namespace vkllm::kernels
