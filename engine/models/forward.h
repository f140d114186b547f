// What a model file builds its forward pass against: the normalized config, the
// graph builder, and the model's weights, KV caches and rope tables as graph
// tensors on the device that each part of the network is placed on.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/graph/graph.h"
#include "engine/graph/ops.h"
#include "engine/kernels/activation.h"
#include "engine/kernels/attention.h"
#include "loaders/model/config.h"
#include "loaders/model/weights.h"

namespace vkllm::models {

using graph::TensorId;

// Where each part of the network runs (indices into the session's devices).
struct Placement {
  int embed = 0, norm = 0, lm_head = 0;
  std::vector<int> layers;
  int devices = 1;
};

// A weight as the forward pass reads it: the checkpoint's tensor, or what
// replaced it (an adapter's modules_to_save, a merge widened to f32).
struct WeightBinding {
  vk::BufferRange range;  // empty where the weight is not on the device
  DType dtype = DType::F32;
  std::optional<QuantFormat> quant;  // a quantized weight (engine/base/quant.h)
  // GPTQ act-order: u32 [k], the input's columns in the order the weight's columns
  // are stored (the forward pass gathers x through it first); else empty.
  vk::BufferRange perm;
};

// One adapter's factors for a Linear, applied at run time (PEFT's unmerged
// forward): y += B (A x) + bias, or with DoRA y = dora * (y + B (A x)).
// B and bias already carry the adapter's scale.
struct LoraFactors {
  uint32_t rank = 0;     // 0: only a bias (lora_bias of a merged adapter)
  vk::BufferRange a;     // [rank, in] f32
  vk::BufferRange b;     // [out, rank] f32
  vk::BufferRange bias;  // [out] f32, or empty
  vk::BufferRange dora;  // [out] f32: m / ||W + scale B A||_row, or empty
};

// The buffers a forward pass reads and writes that the session owns.
struct ForwardResources {
  // Per device, the i-th entry of WeightCheck::weights as uploaded.
  std::function<WeightBinding(int device, size_t weight_index)> weight;
  // Per device, the LoRA factors applied to the i-th weight's Linear at run time
  // (none where adapters were merged, or where there are none).
  std::function<std::span<const LoraFactors>(int device, size_t weight_index)> lora;
  // Per device, minStorageBufferOffsetAlignment: a block of rows bound on its own
  // (a fused weight's q, k, v) must start at a multiple of it.
  std::vector<uint64_t> offset_alignment;
  std::vector<bool> is_cpu;  // per device: the CPU backend
  // Per device: the GPU's properties (kernel choices made while building the graph),
  // nullptr for the CPU.
  std::vector<const vk::DeviceInfo*> gpu;
  // Per layer: the KV cache [sequences * ctx, kv_heads, head_dim] on the layer's device.
  std::vector<vk::BufferRange> k_cache, v_cache;
  // Per device and rope config (ModelConfig::ropes): cos and sin [ctx, rot / 2] f32.
  std::function<vk::BufferRange(int device, int rope, bool sin)> rope_table;
};

// A prompt chunk's product of a quantized weight runs on a dequantized copy of it
// (Forward::weight_for) from this many rows, for copies of at most this many bytes.
inline constexpr uint64_t kPromptDequantRows = 128;
inline constexpr uint64_t kPromptDequantMaxBytes = uint64_t(256) << 20;

struct ForwardShape {
  uint32_t tokens = 1;       // tokens of this step
  bool decode = false;       // split-K decode attention (tokens == 1)
  bool all_logits = true;    // logits for every token, else only the last
  uint32_t logit_rows = 0;   // > 0: logits for that many chosen rows (Forward::logit_rows)
  uint32_t ctx = 0;          // KV cache rows per sequence
  DType cache = DType::F16;  // F32 (--precision f32) also keeps matrix products exact
  // A GPU on which the Linears of CPU-placed layers run when their input has at least
  // offload_min_rows rows (a prompt chunk): the weight is copied over by a transfer op
  // for the product and the result copied back (-1: never).
  int offload = -1;
  uint32_t offload_min_rows = 0;
};

class Forward {
 public:
  Forward(const model::ModelConfig& cfg, const model::WeightCheck& weights,
          const Placement& placement, const ForwardResources& res, const ForwardShape& shape,
          graph::GraphBuilder& g);

  const model::ModelConfig& cfg;
  graph::GraphBuilder& g;
  const ForwardShape shape;

  // Places the ops that follow on the device of layer `il` (-1: embedding).
  void layer(int il);
  void final_norm() { g.set_device(placement_.norm); }
  void lm_head() { g.set_device(placement_.lm_head); }

  // Token ids u32 [tokens] (on the embedding's device) and places u32 [2, tokens]:
  // each token's position, then the KV-cache row where its sequence's block starts
  // (engine/kernels/attention.h); one input per device that needs them, the session
  // writes them all.
  TensorId ids();
  TensorId places();
  // With ForwardShape::logit_rows: which rows' logits the step returns, u32
  // [logit_rows], an input on the current device.
  TensorId logit_rows();
  const std::vector<TensorId>& place_inputs() const { return places_list_; }
  TensorId logit_rows_input() const { return logit_rows_; }  // ~0u: none

  // A weight as a graph tensor on the current device; `has` for optional ones
  // (biases). rows: a block of rows of a fused weight (Phi-3's qkv_proj).
  bool has(model::WeightRole role, int layer = -1) const;
  TensorId w(model::WeightRole role, int layer = -1);
  TensorId w_rows(model::WeightRole role, int layer, uint64_t first_row, uint64_t rows,
                  const std::string& name);

  // RMSNorm of x's rows with weight w (graph::ops::rms_norm). A decode step's gated
  // pair that takes the output and can normalize x itself (the int8 kernel's folded
  // norm, graph::ops::FoldedNorm) reads x instead; the norm op is then dropped when no
  // other op reads its output.
  TensorId rms_norm(const std::string& name, TensorId x, TensorId w, float eps, bool add_one);

  // A Linear: tensor-core (f16-input) matrix products at default precision,
  // exact fp32 ones with --precision f32.
  TensorId linear(const std::string& name, TensorId x, TensorId w);
  // sum = residual + x W^T (graph::ops::linear_residual at this forward's precision).
  TensorId linear_residual(const std::string& proj, const std::string& sum, TensorId x, TensorId w,
                           TensorId residual);

  // act(x Wg^T) * (x Wu^T), the gated MLP's input side: one matvec for a decode step
  // (graph::ops::gated_linear) where neither weight has LoRA factors and neither
  // product is dumped; else two Linears (gate_name, up_name) and the activation.
  TensorId gated_linear(const std::string& gate_name, const std::string& up_name,
                        const std::string& name, kernels::Activation act, TensorId x, TensorId wg,
                        TensorId wu);

  TensorId k_cache(int il);
  TensorId v_cache(int il);
  TensorId rope_cos(int il);
  TensorId rope_sin(int il);

  // "layers.3.attn_norm" / "embed".
  static std::string name(const std::string& what, int il = -1);

 private:
  const model::ResolvedWeight& find(model::WeightRole role, int layer) const;
  // Throws Error naming `what` unless r's offset suits the current device's binding rules.
  void check_alignment(const vk::BufferRange& r, const std::string& what) const;
  // The LoRA factors of weight tensor `w` on the current device (sliced to its rows).
  std::vector<LoraFactors> lora_of(TensorId w) const;
  // y (x times `w`, named `name`) += each factor pair's product, in place.
  void apply_lora(const std::string& name, TensorId y, TensorId x,
                  const std::vector<LoraFactors>& factors);
  const model::WeightCheck& weights_;
  const Placement& placement_;
  const ForwardResources& res_;
  TensorId ids_ = ~0u;
  TensorId logit_rows_ = ~0u;
  std::map<int, TensorId> places_;
  std::vector<TensorId> places_list_;
  std::map<std::pair<int, size_t>, TensorId> weight_tensors_;
  std::map<std::pair<int, int>, TensorId> rope_tensors_;
  // Weight tensors and where they come from: the weight's index and, for a block
  // of rows of a fused weight, its first row (LoRA factors are sliced alike).
  struct WeightSource {
    size_t index;
    uint64_t first_row, rows;
    vk::BufferRange perm;  // act-order permutation of the input, if any
  };
  // The device a Linear of x and w runs on: shape.offload for a float weight of a
  // CPU-placed layer without run-time LoRA factors and an x of enough rows, else the
  // current one.
  int linear_device(TensorId x, TensorId w) const;
  // x, or x's columns gathered through w's act-order permutation.
  TensorId input_for(const std::string& name, TensorId x, TensorId w);
  // The weight a product of x with w reads: w, or for a quantized w and a prompt
  // chunk of x (kPromptDequantRows rows or more) on a GPU, w dequantized into an
  // intermediate (f16 where the matmul takes tensor cores, whose tiles round to f16
  // anyway; f32 elsewhere, exact) for the float matmul, which is faster than
  // dequantizing in front of every tile. Not for copies over kPromptDequantMaxBytes.
  TensorId weight_for(const std::string& name, TensorId x, TensorId w);
  std::map<TensorId, WeightSource> sources_;
  // Outputs of rms_norm: the norm's input and weight.
  struct Normed {
    TensorId input;
    graph::ops::FoldedNorm norm;
  };
  std::map<TensorId, Normed> normed_;
  // The norm that a product of x with w (and u, a gated pair's second weight) folds in
  // on the current device: where x is an rms_norm output, the weights take the int8
  // kernel, and nothing (LoRA, act order, op offload) needs x itself.
  const Normed* foldable(TensorId x, TensorId w, TensorId u = ~0u) const;
};

}  // namespace vkllm::models
