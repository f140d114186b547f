// A model on its devices, ready to run: weights uploaded per the placement, a KV
// cache per layer on the layer's device, rope tables, and one recorded graph per
// step shape (prefill of N tokens, decode of one), replayed step after step.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/graph/backend.h"
#include "engine/graph/executor.h"
#include "engine/models/forward.h"
#include "engine/runtime/adapters.h"
#include "engine/runtime/device_weights.h"
#include "engine/runtime/quantize_weights.h"
#include "loaders/model/model_folder.h"

namespace vkllm::runtime {

struct SessionOptions {
  uint32_t ctx = 0;               // KV cache rows per sequence; 0: max_position_embeddings
  uint32_t sequences = 1;         // KV caches side by side (slots of a batched server)
  DType cache = DType::F16;       // F32 with --precision f32
  bool profile = false;           // per-op GPU times (Session::profile)
  bool progress = false;          // upload progress bar
  std::vector<std::string> dump;  // intermediates to keep readable (--dump)
  // LoRA adapters over the base (read during construction only), merged into the
  // weights or applied at run time.
  std::span<const model::LoraAdapter> adapters;
  bool merge_adapters = true;
  // Quantize at load into the engine's q8 or q4 (empty: weights as stored).
  std::string quant;
  // A step's Linears of CPU-placed layers whose input has at least this many rows (a
  // prompt chunk) run on a GPU of the placement, their weights copied over per step
  // (llama.cpp's op offload); 0: always on the CPU.
  uint32_t offload_min_rows = 32;
};

// Where a token of a step goes: its sequence (a KV cache slot) and position there.
struct TokenPlace {
  uint32_t sequence = 0;
  uint32_t pos = 0;
};

class Session {
 public:
  // devices[i] is device i of the placement: a Vulkan device or the CPU.
  Session(std::vector<graph::Backend> devices, const model::ModelFolder& folder,
          const models::Placement& placement, const SessionOptions& opts);
  ~Session();

  const model::ModelConfig& config() const { return folder_.config; }
  uint32_t ctx() const { return ctx_; }
  uint32_t sequences() const { return opts_.sequences; }
  uint64_t weight_bytes() const { return weight_bytes_; }
  // Weight bytes one decode step reads: every weight but the token embedding
  // table, of which it gathers one row (all of it when the output projection is
  // tied to it).
  uint64_t decode_read_bytes() const;
  double upload_seconds() const { return upload_seconds_; }
  // The quantize-at-load plan, when SessionOptions::quant asked for one.
  const std::optional<QuantPlan>& quant_plan() const { return quant_plan_; }

  // Runs `ids` at positions first_pos.. through the prefill graph (decode graph
  // for one token when `decode`), after every earlier position has been run.
  // Returns logits [ids.size(), vocab] (all_logits) or [1, vocab] (the last).
  std::vector<float> forward(std::span<const uint32_t> ids, uint32_t first_pos, bool all_logits,
                             bool decode = false);
  // The general step: token i at places[i], in any mix of sequences, each having run
  // every earlier position of its own. `decode`: the split-K attention, which suits
  // one query per sequence (a batched decode step); else the tiled prefill attention.
  // The logits are the session's, valid until the next forward call (a step of 64
  // sequences returns 32 MB at a 128k vocabulary: no new allocation each step).
  const std::vector<float>& forward(std::span<const uint32_t> ids,
                                    std::span<const TokenPlace> places, bool all_logits,
                                    bool decode);
  // A prefill step (several prompts' chunks together) that returns the logits of
  // the given rows only, [rows.size(), vocab] (the last token of each prompt that
  // ends in this step). Tokens and rows run the graph of the next power of two.
  const std::vector<float>& forward_rows(std::span<const uint32_t> ids,
                                         std::span<const TokenPlace> places,
                                         std::span<const uint32_t> rows);

  // A batched decode step (as forward with all_logits and decode) for greedy
  // decoding without penalties: each row's argmax is taken on the device and only the
  // ids come back, not [rows, vocab] logits. An id is 0xffffffff for a row holding a
  // NaN or +inf, or only -inf: greedy_logits(row) then has that row's logits for the
  // host's sampler to judge. Valid until the next forward call.
  const std::vector<uint32_t>& forward_greedy(std::span<const uint32_t> ids,
                                              std::span<const TokenPlace> places);
  std::vector<float> greedy_logits(size_t row) const;

  // Records the graph of a step shape now (pipelines included) rather than at
  // its first forward call.
  // logit_rows: a forward_rows step returning that many rows.
  void prepare(uint32_t tokens, bool decode, bool all_logits, uint32_t logit_rows = 0,
               bool greedy = false) {
    step(tokens, decode, all_logits, logit_rows, greedy);
  }

  // Each --dump tensor of the last forward call: its shape in that step's graph
  // (tokens first for per-token tensors) and its values.
  struct Dump {
    std::vector<uint64_t> shape;
    std::vector<float> values;
  };
  std::map<std::string, Dump> dumps() const;
  // Per-op GPU times of the last forward call (with SessionOptions::profile).
  std::vector<graph::OpTime> profile() const;
  // Wall times of the last forward call's parts, in seconds: writing the inputs,
  // running the recorded graph (submit to completion), reading the logits back.
  struct StepTimes {
    double write = 0, run = 0, read = 0;
  };
  const StepTimes& last_times() const { return times_; }

  // The GPU that computes CPU-placed layers' Linears for prompt chunks
  // (SessionOptions::offload_min_rows), -1 for none.
  int offload_device() const;

 private:
  struct Step;
  Step& step(uint32_t tokens, bool decode, bool all_logits, uint32_t logit_rows,
             bool greedy = false);
  // Writes the step's inputs and runs it (StepTimes write and run).
  Step& execute(std::span<const uint32_t> ids, std::span<const TokenPlace> places, size_t tokens,
                bool decode, bool all_logits, std::span<const uint32_t> logit_rows, bool greedy);
  const std::vector<float>& run(std::span<const uint32_t> ids, std::span<const TokenPlace> places,
                                size_t tokens, bool decode, bool all_logits,
                                std::span<const uint32_t> logit_rows);
  void check_memory(const std::vector<uint64_t>& weight_bytes) const;

  std::vector<graph::Backend> devices_;
  const model::ModelFolder& folder_;
  models::Placement placement_;
  SessionOptions opts_;
  uint32_t ctx_ = 0;
  std::vector<model::DeviceWeights> weights_;  // per device
  std::optional<QuantPlan> quant_plan_;
  std::vector<DeviceQuantized> quantized_;  // per device, with --quant
  DeviceAdapters adapters_;
  uint64_t weight_bytes_ = 0;
  double upload_seconds_ = 0;
  std::vector<vk::Buffer> k_cache_, v_cache_;                 // per layer
  std::vector<std::vector<vk::Buffer>> rope_cos_, rope_sin_;  // [device][rope]
  models::ForwardResources resources_;
  std::map<std::tuple<uint32_t, bool, bool, uint32_t, bool>, std::unique_ptr<Step>> steps_;
  Step* last_ = nullptr;
  StepTimes times_;
  std::vector<float> logits_;     // the last step's, returned by reference
  std::vector<uint32_t> greedy_;  // the last greedy step's ids
};

}  // namespace vkllm::runtime
