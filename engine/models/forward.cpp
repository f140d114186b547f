#include "engine/models/forward.h"

#include <fmt/format.h>

#include "engine/base/error.h"
#include "engine/graph/ops.h"

namespace vkllm::models {

Forward::Forward(const model::ModelConfig& cfg_, const model::WeightCheck& weights,
                 const Placement& placement, const ForwardResources& res,
                 const ForwardShape& shape_, graph::GraphBuilder& g_)
    : cfg(cfg_), g(g_), shape(shape_), weights_(weights), placement_(placement), res_(res) {
  g.set_device(placement_.embed);
}

void Forward::layer(int il) {
  g.set_device(il < 0 ? placement_.embed : placement_.layers[size_t(il)]);
}

std::string Forward::name(const std::string& what, int il) {
  return il < 0 ? what : fmt::format("layers.{}.{}", il, what);
}

TensorId Forward::ids() {
  if (ids_ == ~0u) {
    const int d = g.device();
    g.set_device(placement_.embed);
    ids_ = g.input("ids", DType::U32, {shape.tokens});
    g.set_device(d);
  }
  return ids_;
}

TensorId Forward::positions() {
  auto it = positions_.find(g.device());
  if (it != positions_.end()) return it->second;
  TensorId p = g.input(fmt::format("positions@{}", g.device()), DType::U32, {shape.tokens});
  positions_.emplace(g.device(), p);
  positions_list_.push_back(p);
  return p;
}

const model::ResolvedWeight& Forward::find(model::WeightRole role, int layer) const {
  const model::ResolvedWeight* r = weights_.find(role, layer);
  if (!r)
    fail("model: {} has no weight {}{} (the config implies it is absent)", cfg.model_type,
         model::weight_role_name(role), layer >= 0 ? fmt::format(" of layer {}", layer) : "");
  return *r;
}

bool Forward::has(model::WeightRole role, int layer) const {
  return weights_.find(role, layer) != nullptr;
}

TensorId Forward::w(model::WeightRole role, int layer) {
  const model::ResolvedWeight& r = find(role, layer);
  const size_t index = size_t(&r - weights_.weights.data());
  const auto key = std::make_pair(g.device(), index);
  if (auto it = weight_tensors_.find(key); it != weight_tensors_.end()) return it->second;
  vk::BufferRange range = res_.weight(g.device(), index);
  if (range.buffer == VK_NULL_HANDLE)
    fail("model: weight '{}' was not uploaded to device {}, where the device map runs it",
         r.expected.name, g.device());
  TensorId t = g.weight(r.expected.name, r.dtype, r.expected.shape, range);
  weight_tensors_.emplace(key, t);
  return t;
}

TensorId Forward::w_rows(model::WeightRole role, int layer, uint64_t first_row, uint64_t rows,
                         const std::string& name) {
  const model::ResolvedWeight& r = find(role, layer);
  const size_t index = size_t(&r - weights_.weights.data());
  vk::BufferRange range = res_.weight(g.device(), index);
  if (range.buffer == VK_NULL_HANDLE)
    fail("model: weight '{}' was not uploaded to device {}, where the device map runs it",
         r.expected.name, g.device());
  const uint64_t cols = r.expected.shape[1], row_bytes = cols * dtype_size(r.dtype);
  if (first_row + rows > r.expected.shape[0])
    fail("model: rows {}..{} of '{}' are past its {} rows", first_row, first_row + rows,
         r.expected.name, r.expected.shape[0]);
  range.offset += first_row * row_bytes;
  range.size = rows * row_bytes;
  return g.weight(r.expected.name + "[" + name + "]", r.dtype, {rows, cols}, range);
}

namespace {
kernels::MatmulPrecision precision_of(const ForwardShape& shape) {
  return shape.cache == DType::F32 ? kernels::MatmulPrecision::F32 : kernels::MatmulPrecision::F16;
}
}  // namespace

TensorId Forward::linear(const std::string& name, TensorId x, TensorId w) {
  return graph::ops::linear(g, name, x, w, precision_of(shape));
}

TensorId Forward::linear_residual(const std::string& proj, const std::string& sum, TensorId x,
                                  TensorId w, TensorId residual) {
  return graph::ops::linear_residual(g, proj, sum, x, w, residual, precision_of(shape));
}

TensorId Forward::k_cache(int il) {
  const uint64_t kv = uint64_t(cfg.num_kv_heads), hd = uint64_t(cfg.head_dim);
  return g.state(name("k_cache", il), shape.cache, {shape.ctx, kv, hd}, res_.k_cache[size_t(il)]);
}

TensorId Forward::v_cache(int il) {
  const uint64_t kv = uint64_t(cfg.num_kv_heads), hd = uint64_t(cfg.head_dim);
  return g.state(name("v_cache", il), shape.cache, {shape.ctx, kv, hd}, res_.v_cache[size_t(il)]);
}

namespace {
TensorId rope_tensor(graph::GraphBuilder& g, std::map<std::pair<int, int>, TensorId>& cache,
                     const ForwardResources& res, const model::ModelConfig& cfg, uint32_t ctx,
                     int rope, bool sin) {
  const auto key = std::make_pair(g.device(), rope * 2 + int(sin));
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  const uint64_t half = uint64_t(cfg.ropes[size_t(rope)].rotary_dim / 2);
  TensorId t = g.weight(fmt::format("rope{}.{}", rope, sin ? "sin" : "cos"), DType::F32,
                        {ctx, half}, res.rope_table(g.device(), rope, sin));
  cache.emplace(key, t);
  return t;
}
}  // namespace

TensorId Forward::rope_cos(int il) {
  return rope_tensor(g, rope_tensors_, res_, cfg, shape.ctx, cfg.layers[size_t(il)].rope, false);
}

TensorId Forward::rope_sin(int il) {
  return rope_tensor(g, rope_tensors_, res_, cfg, shape.ctx, cfg.layers[size_t(il)].rope, true);
}

}  // namespace vkllm::models
