#include "engine/models/forward.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "engine/base/error.h"
#include "engine/graph/ops.h"
#include "engine/kernels/quant.h"

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

TensorId Forward::logit_rows() {
  if (logit_rows_ == ~0u) logit_rows_ = g.input("logit_rows", DType::U32, {shape.logit_rows});
  return logit_rows_;
}

TensorId Forward::places() {
  auto it = places_.find(g.device());
  if (it != places_.end()) return it->second;
  TensorId p = g.input(fmt::format("places@{}", g.device()), DType::U32, {2, shape.tokens});
  places_.emplace(g.device(), p);
  places_list_.push_back(p);
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
  const WeightBinding b = res_.weight(g.device(), index);
  if (b.range.empty())
    fail("model: weight '{}' was not uploaded to device {}, where the device map runs it",
         r.expected.name, g.device());
  TensorId t = b.quant ? g.quant_weight(r.expected.name, *b.quant, r.expected.shape, b.range)
                       : g.weight(r.expected.name, b.dtype, r.expected.shape, b.range);
  weight_tensors_.emplace(key, t);
  sources_[t] = {index, 0, r.expected.shape[0], b.perm};
  return t;
}

TensorId Forward::w_rows(model::WeightRole role, int layer, uint64_t first_row, uint64_t rows,
                         const std::string& name) {
  const model::ResolvedWeight& r = find(role, layer);
  const size_t index = size_t(&r - weights_.weights.data());
  const WeightBinding b = res_.weight(g.device(), index);
  if (b.range.empty())
    fail("model: weight '{}' was not uploaded to device {}, where the device map runs it",
         r.expected.name, g.device());
  const uint64_t cols = r.expected.shape[1];
  const uint64_t row_bytes = b.quant ? quant_row_bytes(*b.quant, cols) : cols * dtype_size(b.dtype);
  if (first_row + rows > r.expected.shape[0])
    fail("model: rows {}..{} of '{}' are past its {} rows", first_row, first_row + rows,
         r.expected.name, r.expected.shape[0]);
  vk::BufferRange range = b.range;
  range.offset += first_row * row_bytes;
  range.size = rows * row_bytes;
  check_alignment(range, r.expected.name + "[" + name + "]");
  const std::string label = r.expected.name + "[" + name + "]";
  TensorId t = b.quant ? g.quant_weight(label, *b.quant, {rows, cols}, range)
                       : g.weight(label, b.dtype, {rows, cols}, range);
  sources_[t] = {index, first_row, rows, b.perm};
  return t;
}

namespace {
kernels::MatmulPrecision precision_of(const ForwardShape& shape) {
  return shape.cache == DType::F32 ? kernels::MatmulPrecision::F32 : kernels::MatmulPrecision::F16;
}
}  // namespace

TensorId Forward::input_for(const std::string& name, TensorId x, TensorId w) {
  auto it = sources_.find(w);
  if (it == sources_.end() || it->second.perm.empty()) return x;
  const uint64_t k = g.tensor(x).shape.back();
  TensorId perm = g.weight(name + ".perm", DType::U32, {k}, it->second.perm);
  return graph::ops::gather_columns(g, name + ".x_perm", x, perm);
}

int Forward::linear_device(TensorId x, TensorId w) const {
  const graph::Tensor& xt = g.tensor(x);
  const size_t d = size_t(g.device());
  const bool cpu_layer = d < res_.is_cpu.size() && res_.is_cpu[d];
  if (shape.offload < 0 || !cpu_layer || !lora_of(w).empty()) return g.device();
  return xt.elements() / xt.shape.back() >= shape.offload_min_rows ? shape.offload : g.device();
}

TensorId Forward::rms_norm(const std::string& name, TensorId x, TensorId w, float eps,
                           bool add_one) {
  TensorId y = graph::ops::rms_norm(g, name, x, w, eps, add_one);
  normed_[y] = {x, {.w = w, .eps = eps, .add_one = add_one}};
  return y;
}

const Forward::Normed* Forward::foldable(TensorId x, TensorId w, TensorId u) const {
  auto it = normed_.find(x);
  if (it == normed_.end()) return nullptr;
  const size_t d = size_t(g.device());
  const vk::DeviceInfo* gpu = d < res_.gpu.size() ? res_.gpu[d] : nullptr;
  const TensorId input = it->second.input;
  for (TensorId m : {w, u}) {
    if (m == ~0u) continue;
    auto src = sources_.find(m);
    if (src != sources_.end() && !src->second.perm.empty()) return nullptr;
    if (!lora_of(m).empty() || linear_device(x, m) != g.device() ||
        !graph::ops::folded_norm_fits(g, input, m, gpu, precision_of(shape)))
      return nullptr;
  }
  if (g.tensor(input).device != g.device() || g.tensor(it->second.norm.w).device != g.device())
    return nullptr;
  return &it->second;
}

TensorId Forward::weight_for(const std::string& name, TensorId x, TensorId w) {
  const graph::Tensor &xt = g.tensor(x), &wt = g.tensor(w);
  const size_t d = size_t(g.device());
  const vk::DeviceInfo* gpu = d < res_.gpu.size() ? res_.gpu[d] : nullptr;
  if (!wt.quant || !gpu || wt.shape.size() != 2 ||
      xt.elements() / xt.shape.back() < kPromptDequantRows)
    return w;
  const DType out =
      kernels::matmul_quant_path(*gpu, precision_of(shape)) == kernels::MatmulPath::Coopmat
          ? DType::F16
          : DType::F32;
  if (wt.shape[0] * wt.shape[1] * dtype_size(out) > kPromptDequantMaxBytes) return w;
  return graph::ops::dequantize(g, name + ".weight", w, out);
}

TensorId Forward::linear(const std::string& name, TensorId x, TensorId w) {
  const int home = g.device(), at = linear_device(x, w);
  if (at != home) {  // x and w copied to the GPU for the product, the product back
    // GPTQ's act-order permutation of x where x is (its table is on the CPU); a
    // quantized weight's layout is copied as it is, dequantized there for a prompt.
    const TensorId xp = input_for(name, x, w);
    g.set_device(at);
    TensorId y = graph::ops::linear(g, name, xp, weight_for(name, xp, w), precision_of(shape));
    g.set_device(home);
    return g.to_current_device(y);
  }
  TensorId y = graph::ops::linear(g, name, input_for(name, x, w), weight_for(name, x, w),
                                  precision_of(shape));
  apply_lora(name, y, x, lora_of(w));
  return y;
}

TensorId Forward::gated_linear(const std::string& gate_name, const std::string& up_name,
                               const std::string& name, kernels::Activation act, TensorId x,
                               TensorId wg, TensorId wu) {
  const size_t d = size_t(g.device());
  const vk::DeviceInfo* gpu = d < res_.gpu.size() ? res_.gpu[d] : nullptr;
  // One input for both: not where GPTQ's act-order permutes x for either.
  auto permuted = [&](TensorId w) {
    auto it = sources_.find(w);
    return it != sources_.end() && !it->second.perm.empty();
  };
  if (graph::ops::gated_linear_fits(g, x, wg, wu, gpu, precision_of(shape)) &&
      lora_of(wg).empty() && lora_of(wu).empty() && !g.kept(gate_name) && !g.kept(up_name) &&
      !permuted(wg) && !permuted(wu)) {
    if (const Normed* n = foldable(x, wg, wu))
      return graph::ops::gated_linear(g, name, act, n->input, wg, wu, gpu, precision_of(shape),
                                      &n->norm);
    return graph::ops::gated_linear(g, name, act, input_for(gate_name, x, wg), wg, wu, gpu,
                                    precision_of(shape));
  }
  TensorId gate = linear(gate_name, x, wg), up = linear(up_name, x, wu);
  return graph::ops::gated(g, name, act, gate, up);
}

TensorId Forward::linear_residual(const std::string& proj, const std::string& sum, TensorId x,
                                  TensorId w, TensorId residual) {
  const std::vector<LoraFactors> lora = lora_of(w);
  if (linear_device(x, w) != g.device())
    return graph::ops::add(g, sum, residual, linear(proj, x, w));
  if (lora.empty())
    return graph::ops::linear_residual(g, proj, sum, input_for(proj, x, w), weight_for(proj, x, w),
                                       residual, precision_of(shape));
  // Plain LoRA joins the fused decode product (r + W x) + B (A x); DoRA scales
  // W x before the residual, and a dumped projection must exist on its own.
  const bool dora = std::any_of(lora.begin(), lora.end(), [](auto& f) { return f.dora.buffer; });
  if (shape.tokens == 1 && !dora && !g.kept(proj)) {
    TensorId y = graph::ops::linear_residual(g, proj, sum, input_for(proj, x, w), w, residual,
                                             precision_of(shape));
    apply_lora(proj, y, x, lora);
    return y;
  }
  return graph::ops::add(g, sum, residual, linear(proj, x, w));
}

void Forward::check_alignment(const vk::BufferRange& r, const std::string& what) const {
  const size_t d = size_t(g.device());
  const uint64_t a = d < res_.offset_alignment.size() ? res_.offset_alignment[d] : 1;
  if (a > 1 && r.offset % a != 0)
    fail(
        "model: {} starts at byte {} of its buffer, not a multiple of the device's storage-buffer "
        "offset alignment {}; this device cannot bind it on its own",
        what, r.offset, a);
}

std::vector<LoraFactors> Forward::lora_of(TensorId w) const {
  auto it = sources_.find(w);
  if (it == sources_.end() || !res_.lora) return {};
  const WeightSource& src = it->second;
  std::vector<LoraFactors> out;
  for (LoraFactors f : res_.lora(g.device(), src.index)) {
    // A block of rows of a fused weight (Phi-3's qkv_proj) takes the same rows of B.
    auto rows = [&](vk::BufferRange& r, uint64_t row_bytes) {
      if (r.empty()) return;
      r.offset += src.first_row * row_bytes;
      r.size = src.rows * row_bytes;
    };
    rows(f.b, uint64_t(f.rank) * 4);
    rows(f.bias, 4);
    rows(f.dora, 4);
    for (const vk::BufferRange* r : {&f.b, &f.bias, &f.dora})
      if (r->buffer) check_alignment(*r, "the LoRA factors of a block of a fused weight");
    out.push_back(f);
  }
  return out;
}

void Forward::apply_lora(const std::string& name, TensorId y, TensorId x,
                         const std::vector<LoraFactors>& factors) {
  namespace ops = graph::ops;
  const uint64_t out = g.tensor(y).shape.back(), in = g.tensor(x).shape.back();
  for (size_t i = 0; i < factors.size(); ++i) {
    const LoraFactors& f = factors[i];
    // "layers.0.q.lora_a", and "layers.0.q.lora1_a" for a second adapter.
    const std::string tag = name + (i ? fmt::format(".lora{}", i) : ".lora");
    auto vec = [&](const char* what, const vk::BufferRange& r) {
      return g.weight(tag + what, DType::F32, {out}, r);
    };
    if (f.rank == 0) {
      ops::add_bias(g, y, vec("_bias", f.bias));
      continue;
    }
    TensorId a = g.weight(tag + "_A", DType::F32, {f.rank, in}, f.a);
    TensorId b = g.weight(tag + "_B", DType::F32, {out, f.rank}, f.b);
    TensorId t = ops::linear(g, tag + "_a", x, a, precision_of(shape));  // [tokens, rank]
    TensorId u = ops::linear(g, tag + "_b", t, b, precision_of(shape));  // [tokens, out]
    if (!f.bias.empty()) ops::add_bias(g, u, vec("_bias", f.bias));
    ops::lora_combine(g, y, u, f.dora.buffer ? vec("_dora", f.dora) : std::optional<TensorId>());
  }
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
