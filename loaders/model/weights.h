// Hugging Face tensor names of each family's weights, the shapes config.json
// implies for them, and the check of a folder's safetensors files against them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/quant.h"
#include "loaders/model/config.h"
#include "loaders/safetensors/index.h"

namespace vkllm::model {

enum class WeightRole {
  TokenEmbedding,  // model.embed_tokens.weight        [vocab, hidden]
  OutputNorm,      // model.norm.weight                [hidden]
  LmHead,          // lm_head.weight                   [vocab, hidden]
  AttnNorm,        // input_layernorm                  [hidden]
  Q,
  K,
  V,    // self_attn.{q,k,v}_proj.weight    [q_size | kv_size, hidden]
  QKV,  // phi3 self_attn.qkv_proj.weight   [q_size + 2 kv_size, hidden]
  QBias,
  KBias,
  VBias,
  O,  // self_attn.o_proj.weight          [hidden, q_size]
  OBias,
  QNorm,
  KNorm,         // self_attn.{q,k}_norm.weight      [head_dim]
  PostAttnNorm,  // post_attention_layernorm          [hidden]
  PreFfnNorm,    // gemma2/3 pre_feedforward_layernorm [hidden]
  PostFfnNorm,   // gemma2/3 post_feedforward_layernorm [hidden]
  Gate,
  Up,      // mlp.{gate,up}_proj.weight        [intermediate, hidden]
  GateUp,  // phi3 mlp.gate_up_proj.weight     [2 intermediate, hidden]
  Down,    // mlp.down_proj.weight             [hidden, intermediate]
  GateBias,
  UpBias,
  DownBias,
};

std::string_view weight_role_name(WeightRole r);

struct ExpectedTensor {
  std::string name;  // the HF name, prefix included
  WeightRole role;
  int layer = -1;  // -1 for embeddings, final norm and lm_head
  std::vector<std::uint64_t> shape;
};

// Where a family's tensors live: "model." + "lm_head.weight" for *ForCausalLM;
// multimodal gemma3 checkpoints nest the text model.
struct WeightPrefix {
  std::string decoder = "model.";
  std::string lm_head = "lm_head.weight";
};

// The tensors the config implies, in network order. With tied embeddings there is
// no LmHead entry.
std::vector<ExpectedTensor> expected_tensors(const ModelConfig& config,
                                             const WeightPrefix& prefix = {});

// A Linear weight the checkpoint stores quantized (bitsandbytes 4-bit NF4/FP4,
// double quant included, or LLM.int8): the tensors that hold it and what the
// loader read of them; upload repacks it into `format` (engine/base/quant.h).
struct CheckpointQuant {
  enum class Kind { Bnb4, Bnb8, Gptq, Awq, CtPacked, Fp8 } kind = Kind::Bnb4;
  QuantFormat format;
  // Bnb4: weight (packed codes), absmax, quant_map [, nested_absmax, nested_quant_map];
  // Bnb8: weight (int8), SCB; Gptq: qweight, qzeros, scales [, g_idx]; Awq: qweight,
  // qzeros, scales; CtPacked: weight_packed, weight_scale [, weight_zero_point];
  // Fp8: weight (e4m3), weight_scale (per tensor, row, or group) or weight_scale_inv (blocks).
  std::vector<st::TensorRef> parts;
  bool gptq_v1_zeros = false;  // Gptq: stored zero + 1 (checkpoint_format "gptq")
  // GPTQ act-order: the input columns sorted by group (perm[j] is the column at j),
  // so that groups are contiguous; the forward pass permutes x to match.
  std::vector<uint32_t> perm;
  uint64_t block_rows = 0;  // Fp8 with 2-D blocks: rows sharing a scale (0: per row)
  uint64_t blocksize = 0;   // Bnb4
  bool nested = false;      // Bnb4 double quant
  uint64_t nested_blocksize = 256;
  float nested_offset = 0;
  std::string describe() const;  // "bitsandbytes nf4 (blocksize 64, double quant)"
};

struct ResolvedWeight {
  ExpectedTensor expected;
  st::TensorRef ref;  // the tensor itself, or a quantized weight's codes
  DType dtype = DType::F32;
  std::optional<CheckpointQuant> quant;
  // Bytes the weight takes on a device (the repacked layout where quantized, and
  // the permutation after it, 256-byte aligned, for act-order).
  uint64_t device_bytes() const;
  // Where the permutation starts within those bytes.
  uint64_t perm_offset() const;
};

struct WeightCheck {
  WeightPrefix prefix;
  std::vector<ResolvedWeight> weights;  // expected_tensors order
  // With tie_word_embeddings the output projection reads the token embedding.
  bool lm_head_tied = false;
  std::vector<std::string> unexpected;  // neither expected nor known to be unused
  std::vector<std::string> ignored;  // known unused: rotary inv_freq, a tied lm_head, vision tower

  const ResolvedWeight* find(WeightRole role, int layer = -1) const;
};

// Resolves every expected tensor in `files`. Throws Error on a missing tensor (naming
// it and the files searched), a shape that differs from the config's (expected vs
// found), or a dtype other than F32/F16/BF16. Logs a warning listing unexpected tensors.
WeightCheck check_weights(const ModelConfig& config, const st::ModelFiles& files);

}  // namespace vkllm::model
