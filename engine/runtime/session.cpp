#include "engine/runtime/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <tuple>

#include "engine/base/error.h"
#include "engine/models/families.h"
#include "engine/runtime/rope_table.h"
#include "loaders/model/rope.h"

namespace vkllm::runtime {

struct Session::Step {
  std::unique_ptr<graph::Executor> exec;
  graph::TensorId ids = 0, logits = 0;
  graph::TensorId greedy = ~0u;  // argmax of each row of the logits (greedy steps)
  std::vector<graph::TensorId> places;
  graph::TensorId logit_rows = ~0u;  // with ForwardShape::logit_rows
  std::vector<std::pair<std::string, graph::TensorId>> dumps;
};

namespace {

// The device a weight lives on: its layer's, or the embedding's / head's / final norm's.
std::vector<int> devices_of(const model::ResolvedWeight& w, const models::Placement& p, bool tied) {
  using R = model::WeightRole;
  if (w.expected.layer >= 0) return {p.layers[size_t(w.expected.layer)]};
  switch (w.expected.role) {
    case R::TokenEmbedding:
      return tied ? std::vector<int>{p.embed, p.lm_head} : std::vector<int>{p.embed};
    case R::OutputNorm:
      return {p.norm};
    default:
      return {p.lm_head};
  }
}

}  // namespace

Session::Session(std::vector<graph::Backend> devices, const model::ModelFolder& folder,
                 const models::Placement& placement, const SessionOptions& opts)
    : devices_(std::move(devices)), folder_(folder), placement_(placement), opts_(opts) {
  const model::ModelConfig& cfg = folder_.config;
  if (placement_.layers.size() != size_t(cfg.num_layers))
    fail("session: the placement covers {} layers, the model has {}", placement_.layers.size(),
         cfg.num_layers);
  ctx_ = opts_.ctx ? opts_.ctx : uint32_t(cfg.max_position_embeddings);
  if (ctx_ == 0) fail("session: {}: no context length (pass --ctx)", folder_.dir.string());
  if (opts_.sequences == 0) fail("session: at least one sequence (KV cache slot) is needed");
  const bool tied = !folder_.weights.find(model::WeightRole::LmHead);
  const size_t n = devices_.size();
  const bool on_cpu =
      std::any_of(devices_.begin(), devices_.end(), [](auto& d) { return d.is_cpu(); });
  if (on_cpu && !opts_.adapters.empty())
    fail("session: LoRA adapters are applied on GPUs only; place every layer on a GPU to use them");

  if (!opts_.quant.empty()) quant_plan_ = plan_quantization(folder_.weights, opts_.quant);
  auto quantized = [&](size_t i) { return quant_plan_ && quant_plan_->formats[i].has_value(); };

  std::vector<uint64_t> per_device(n, 0);
  for (size_t i = 0; i < folder_.weights.weights.size(); ++i) {
    const model::ResolvedWeight& w = folder_.weights.weights[i];
    const uint64_t bytes =
        quantized(i)
            ? w.expected.shape[0] * quant_row_bytes(*quant_plan_->formats[i], w.expected.shape[1])
            : w.device_bytes();
    for (int d : devices_of(w, placement_, tied)) per_device[size_t(d)] += bytes;
  }
  // What adapters add: factors kept for run time, f32 copies of merged weights, replacements.
  const AdapterOptions adapter_opts{.merge = opts_.merge_adapters,
                                    .widen = opts_.cache == DType::F32};
  const std::vector<uint64_t> extra = DeviceAdapters::bytes_needed(
      folder_.weights, opts_.adapters, adapter_opts, n,
      [&](size_t i) { return devices_of(folder_.weights.weights[i], placement_, tied); });
  for (size_t d = 0; d < n; ++d) per_device[d] += extra[d];
  check_memory(per_device);

  for (size_t d = 0; d < n; ++d) {
    weights_.push_back(model::upload_weights(
        devices_[d], folder_,
        {.progress = opts_.progress, .select = [&, d](const model::ResolvedWeight& w) {
           if (quantized(size_t(&w - folder_.weights.weights.data()))) return false;
           for (int x : devices_of(w, placement_, tied))
             if (size_t(x) == d) return true;
           return false;
         }}));
    weight_bytes_ += weights_.back().bytes;
    upload_seconds_ += weights_.back().seconds;
    if (quant_plan_) {
      quantized_.push_back(quantize_weights(
          devices_[d], folder_, *quant_plan_,
          [&, d](size_t i) {
            for (int x : devices_of(folder_.weights.weights[i], placement_, tied))
              if (size_t(x) == d) return true;
            return false;
          },
          opts_.progress));
      weight_bytes_ += quantized_.back().bytes;
      upload_seconds_ += quantized_.back().seconds;
    }
  }

  // KV caches on each layer's device.
  const uint64_t row = uint64_t(cfg.num_kv_heads) * uint64_t(cfg.head_dim);
  const uint64_t cache_bytes = uint64_t(opts_.sequences) * ctx_ * row * dtype_size(opts_.cache);
  for (int il = 0; il < cfg.num_layers; ++il) {
    const graph::Backend& dev = devices_[size_t(placement_.layers[size_t(il)])];
    if (cache_bytes > dev.max_binding())
      fail(
          "session: the KV cache of one layer ({} sequences of {} tokens, {} bytes) exceeds "
          "what one binding of {} covers ({} bytes); use a smaller --ctx or fewer sequences",
          opts_.sequences, ctx_, cache_bytes, dev.name(), dev.max_binding());
    k_cache_.push_back(dev.buffer(cache_bytes, fmt::format("KV cache (keys) of layer {}", il)));
    v_cache_.push_back(dev.buffer(cache_bytes, fmt::format("KV cache (values) of layer {}", il)));
    // Zeros: a prefill tile whose queries belong to several sequences reads the rows
    // between them with weight 0, and 0 times a stale NaN would be NaN.
    dev.zero(k_cache_.back(), 0, cache_bytes);
    dev.zero(v_cache_.back(), 0, cache_bytes);
  }

  // Rope tables, per device and rope setting, computed in double.
  rope_cos_.resize(n);
  rope_sin_.resize(n);
  for (size_t r = 0; r < cfg.ropes.size(); ++r) {
    const model::RopeConfig& rope = cfg.ropes[r];
    const RopeTable t =
        make_rope_table(model::rope_inv_freq(rope, ctx_), ctx_, rope.attention_factor);
    for (size_t d = 0; d < n; ++d) {
      const uint64_t bytes = t.cos.size() * sizeof(float);
      rope_cos_[d].push_back(devices_[d].buffer(bytes, "rope cos table"));
      rope_sin_[d].push_back(devices_[d].buffer(bytes, "rope sin table"));
      devices_[d].upload(rope_cos_[d].back(), 0, std::as_bytes(std::span(t.cos)));
      devices_[d].upload(rope_sin_[d].back(), 0, std::as_bytes(std::span(t.sin)));
    }
  }

  // Adapters after the weights they adapt; --precision f32 merges into f32 copies.
  // The base weights as uploaded or quantized; adapters on top of them.
  auto base = [this](int d, size_t i) -> models::WeightBinding {
    if (!quantized_.empty() && quantized_[size_t(d)].weights[i])
      return *quantized_[size_t(d)].weights[i];
    const model::DeviceTensor& t = weights_[size_t(d)].tensors[i];
    if (!t.buffer) return {};
    if (t.perm_count)
      return {vk::BufferRange(*t.buffer, t.offset, t.perm_offset), t.dtype, t.quant,
              vk::BufferRange(*t.buffer, t.offset + t.perm_offset, t.perm_count * 4)};
    return {t.range(), t.dtype, t.quant, {}};
  };
  std::vector<vk::Device*> gpus;  // nullptr for the CPU, which takes no adapters
  for (const graph::Backend& d : devices_) gpus.push_back(d.vulkan);
  adapters_ = DeviceAdapters(gpus, folder_.weights, base, opts_.adapters, adapter_opts);
  opts_.adapters = {};
  resources_.weight = [this](int d, size_t i) { return adapters_.weight(d, i); };
  for (const graph::Backend& dev : devices_) {
    resources_.offset_alignment.push_back(dev.offset_alignment());
    resources_.is_cpu.push_back(dev.is_cpu());
    resources_.gpu.push_back(dev.vulkan ? &dev.vulkan->info() : nullptr);
  }
  resources_.lora = [this](int d, size_t i) { return adapters_.factors(d, i); };
  for (int il = 0; il < cfg.num_layers; ++il) {
    resources_.k_cache.emplace_back(k_cache_[size_t(il)]);
    resources_.v_cache.emplace_back(v_cache_[size_t(il)]);
  }
  resources_.rope_table = [this](int d, int r, bool sin) -> vk::BufferRange {
    return vk::BufferRange((sin ? rope_sin_ : rope_cos_)[size_t(d)][size_t(r)]);
  };
}

Session::~Session() {
  steps_.clear();
  for (const graph::Backend& d : devices_) d.wait_idle();
}

void Session::check_memory(const std::vector<uint64_t>& weight_bytes) const {
  const model::ModelConfig& cfg = folder_.config;
  for (size_t d = 0; d < devices_.size(); ++d) {
    uint64_t layers = 0;
    for (int dev : placement_.layers) layers += dev == int(d);
    const uint64_t kv = 2 * layers * uint64_t(opts_.sequences) * ctx_ * uint64_t(cfg.num_kv_heads) *
                        uint64_t(cfg.head_dim) * dtype_size(opts_.cache);
    const uint64_t need = weight_bytes[d] + kv;
    const uint64_t free = devices_[d].free_bytes();
    if (free && need > free)
      fail(
          "session: {} needs {} bytes ({:.2f} GiB: weights {:.2f} GiB, KV cache of {} x {} "
          "tokens {:.2f} GiB) but has {} bytes ({:.2f} GiB) free; use a smaller --ctx, "
          "fewer sequences (--parallel), --precision f16 for the cache, or a device map over "
          "more devices",
          devices_[d].name(), need, double(need) / (1 << 30), double(weight_bytes[d]) / (1 << 30),
          opts_.sequences, ctx_, double(kv) / (1 << 30), free, double(free) / (1 << 30));
  }
}

Session::Step& Session::step(uint32_t tokens, bool decode, bool all_logits, uint32_t logit_rows,
                             bool greedy) {
  auto key = std::make_tuple(tokens, decode, all_logits, logit_rows, greedy);
  if (auto it = steps_.find(key); it != steps_.end()) return *it->second;
  graph::GraphBuilder g;
  g.keep(opts_.dump);
  const models::ForwardShape shape{.tokens = tokens,
                                   .decode = decode,
                                   .all_logits = all_logits,
                                   .logit_rows = logit_rows,
                                   .ctx = ctx_,
                                   .cache = opts_.cache,
                                   .offload = offload_device(),
                                   .offload_min_rows = opts_.offload_min_rows};
  models::Forward f(folder_.config, folder_.weights, placement_, resources_, shape, g);
  auto step = std::make_unique<Step>();
  step->logits = models::builder_for(folder_.config.family)(f);
  if (greedy) {  // on the head's device, where the logits are
    step->greedy = graph::ops::argmax(g, "greedy_ids", step->logits);
    g.mark_output(step->greedy);
  }
  step->ids = f.ids();
  step->places = f.place_inputs();
  step->logit_rows = f.logit_rows_input();
  graph::Graph graph = g.finish();
  for (const std::string& name : opts_.dump) {
    graph::TensorId id = graph.find(name);
    if (graph.tensors[id].dtype != DType::F32)
      fail("--dump {}: the tensor is {}; only f32 intermediates can be dumped", name,
           dtype_name(graph.tensors[id].dtype));
    graph.tensors[id].kind = graph::TensorKind::Output;
    step->dumps.emplace_back(name, id);
  }
  step->exec = std::make_unique<graph::Executor>(devices_, std::move(graph),
                                                 graph::ExecutorOptions{.profile = opts_.profile});
  return *steps_.emplace(key, std::move(step)).first->second;
}

int Session::offload_device() const {
  if (opts_.offload_min_rows == 0) return -1;
  auto gpu = [&](int d) { return !devices_[size_t(d)].is_cpu(); };
  bool cpu_layer = false;
  for (int d : placement_.layers) cpu_layer |= !gpu(d);
  if (!cpu_layer) return -1;
  if (gpu(placement_.embed)) return placement_.embed;
  for (int d : placement_.layers)
    if (gpu(d)) return d;
  for (int d : {placement_.norm, placement_.lm_head})
    if (gpu(d)) return d;
  return -1;  // every module on the CPU: nowhere to offload to
}

std::vector<float> Session::forward(std::span<const uint32_t> ids, uint32_t first_pos,
                                    bool all_logits, bool decode) {
  if (decode && ids.size() != 1) fail("session: a decode step takes one token");
  std::vector<TokenPlace> places(ids.size());
  for (size_t i = 0; i < places.size(); ++i) places[i] = {0, first_pos + uint32_t(i)};
  if (uint64_t(first_pos) + ids.size() > ctx_)
    fail("session: positions {}..{} do not fit the context of {} tokens (--ctx)", first_pos,
         first_pos + ids.size() - 1, ctx_);
  return forward(ids, places, all_logits, decode);
}

const std::vector<float>& Session::forward(std::span<const uint32_t> ids,
                                           std::span<const TokenPlace> places, bool all_logits,
                                           bool decode) {
  // A batched decode step runs the graph of the next power of two, so that a server
  // records a handful of graphs; the rows past `ids` are padding (engine/kernels/
  // attention.h: nothing is appended for them).
  const size_t n = ids.size();
  if (decode && n > 1 && !all_logits)
    fail("session: a batched decode step returns the logits of every row (all_logits)");
  return run(ids, places, decode && n > 1 ? std::bit_ceil(n) : n, decode, all_logits, {});
}

const std::vector<float>& Session::forward_rows(std::span<const uint32_t> ids,
                                                std::span<const TokenPlace> places,
                                                std::span<const uint32_t> rows) {
  if (rows.empty()) fail("session: forward_rows needs at least one row");
  for (uint32_t r : rows)
    if (r >= ids.size()) fail("session: logits of row {} asked, the step has {}", r, ids.size());
  return run(ids, places, std::bit_ceil(ids.size()), false, false, rows);
}

const std::vector<uint32_t>& Session::forward_greedy(std::span<const uint32_t> ids,
                                                     std::span<const TokenPlace> places) {
  const size_t n = ids.size();
  using Clock = std::chrono::steady_clock;
  Step& s = execute(ids, places, n > 1 ? std::bit_ceil(n) : n, true, true, {}, true);
  const Clock::time_point t2 = Clock::now();
  greedy_.resize(s.exec->graph().tensor(s.greedy).elements());
  s.exec->read(s.greedy, std::as_writable_bytes(std::span(greedy_)));
  times_.read = std::chrono::duration<double>(Clock::now() - t2).count();
  greedy_.resize(n);  // the padding's rows dropped
  return greedy_;
}

std::vector<float> Session::greedy_logits(size_t row) const {
  if (!last_ || last_->greedy == ~0u) fail("session: the last step was not a greedy step");
  const size_t vocab = size_t(folder_.config.vocab_size);
  if (row >= greedy_.size())
    fail("session: row {} of a greedy step of {} rows", row, greedy_.size());
  std::vector<float> all = last_->exec->read_as<float>(last_->logits);
  return {all.begin() + ptrdiff_t(row * vocab), all.begin() + ptrdiff_t((row + 1) * vocab)};
}

const std::vector<float>& Session::run(std::span<const uint32_t> ids,
                                       std::span<const TokenPlace> places, size_t tokens,
                                       bool decode, bool all_logits,
                                       std::span<const uint32_t> logit_rows) {
  using Clock = std::chrono::steady_clock;
  Step& s = execute(ids, places, tokens, decode, all_logits, logit_rows, false);
  const Clock::time_point t2 = Clock::now();
  const graph::Tensor& out = s.exec->graph().tensor(s.logits);
  logits_.resize(out.elements());
  s.exec->read(s.logits, std::as_writable_bytes(std::span(logits_)));
  times_.read = std::chrono::duration<double>(Clock::now() - t2).count();
  // Drop the padding's logits (the capacity stays for the next step).
  const size_t n = ids.size(), vocab = size_t(folder_.config.vocab_size);
  const size_t wanted = logit_rows.size();
  if (wanted)
    logits_.resize(wanted * vocab);
  else if (all_logits && tokens > n)
    logits_.resize(n * vocab);
  return logits_;
}

Session::Step& Session::execute(std::span<const uint32_t> ids, std::span<const TokenPlace> places,
                                size_t tokens, bool decode, bool all_logits,
                                std::span<const uint32_t> logit_rows, bool greedy) {
  const model::ModelConfig& cfg = folder_.config;
  if (ids.empty()) fail("session: no tokens to run");
  if (places.size() != ids.size())
    fail("session: {} tokens but {} places for them", ids.size(), places.size());
  const size_t n = ids.size();
  std::vector<uint32_t> padded_ids(ids.begin(), ids.end());
  padded_ids.resize(tokens, 0);
  // [2, tokens]: positions, then the first cache row of each token's sequence.
  std::vector<uint32_t> rows(2 * tokens, 0);
  for (size_t i = n; i < tokens; ++i) rows[i] = ctx_;
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] >= uint64_t(cfg.vocab_size))
      fail("session: token id {} at index {} is not below the vocabulary size {}", ids[i], i,
           cfg.vocab_size);
    if (places[i].sequence >= opts_.sequences)
      fail("session: token {} is for sequence {}, the session holds {}", i, places[i].sequence,
           opts_.sequences);
    if (places[i].pos >= ctx_)
      fail("session: position {} of token {} does not fit the context of {} tokens (--ctx)",
           places[i].pos, i, ctx_);
    rows[i] = places[i].pos;
    rows[tokens + i] = places[i].sequence * ctx_;
  }
  // Chosen rows, padded to a power of two with row 0 (their logits are dropped).
  const size_t wanted = logit_rows.size(), gathered = wanted ? std::bit_ceil(wanted) : 0;
  std::vector<uint32_t> chosen(logit_rows.begin(), logit_rows.end());
  chosen.resize(gathered, 0);
  Step& s = step(uint32_t(tokens), decode, all_logits, uint32_t(gathered), greedy);
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  const Clock::time_point t0 = Clock::now();
  s.exec->write(s.ids, std::as_bytes(std::span(padded_ids)));
  for (graph::TensorId p : s.places) s.exec->write(p, std::as_bytes(std::span(rows)));
  if (gathered) s.exec->write(s.logit_rows, std::as_bytes(std::span(chosen)));
  const Clock::time_point t1 = Clock::now();
  s.exec->run();
  last_ = &s;
  times_ = {seconds(t0, t1), seconds(t1, Clock::now()), 0};
  return s;
}

std::map<std::string, Session::Dump> Session::dumps() const {
  std::map<std::string, Dump> out;
  if (!last_) return out;
  for (const auto& [name, id] : last_->dumps)
    out[name] = {last_->exec->graph().tensor(id).shape, last_->exec->read_as<float>(id)};
  return out;
}

uint64_t Session::decode_read_bytes() const {
  const bool tied = !folder_.weights.find(model::WeightRole::LmHead);
  uint64_t bytes = 0;
  for (size_t i = 0; i < folder_.weights.weights.size(); ++i) {
    const model::ResolvedWeight& w = folder_.weights.weights[i];
    // As the device holds it: merged adapters may have widened it to f32.
    const int d = devices_of(w, placement_, tied)[0];
    uint64_t elements = 1;
    for (uint64_t x : w.expected.shape) elements *= x;
    const models::WeightBinding b = adapters_.weight(d, i);
    const uint64_t size = b.quant
                              ? w.expected.shape[0] * quant_row_bytes(*b.quant, w.expected.shape[1])
                              : elements * dtype_size(b.dtype);
    const bool gathered =
        w.expected.role == model::WeightRole::TokenEmbedding && !folder_.weights.lm_head_tied;
    bytes += gathered ? size / w.expected.shape[0] : size;
    // Unmerged adapters: A, B and the vectors, every step.
    for (const models::LoraFactors& f : adapters_.factors(d, i))
      bytes += uint64_t(f.rank) * (w.expected.shape[0] + w.expected.shape[1]) * 4 +
               (f.bias.buffer ? w.expected.shape[0] * 4 : 0) +
               (f.dora.buffer ? w.expected.shape[0] * 4 : 0);
  }
  return bytes;
}

std::vector<graph::OpTime> Session::profile() const {
  return last_ ? last_->exec->profile() : std::vector<graph::OpTime>{};
}

}  // namespace vkllm::runtime
