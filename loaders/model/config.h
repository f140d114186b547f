// The engine's model configuration: everything a straight-line forward pass of
// each supported family needs, normalized from config.json (both dialects) with
// transformers' defaults and derivations applied. Nothing downstream reads JSON.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/dtype.h"
#include "engine/base/error.h"
#include "loaders/model/raw_config.h"
#include "loaders/model/rope.h"

namespace vkllm::model {

enum class Family { Llama, Mistral, Qwen2, Qwen3, Gemma, Gemma2, Gemma3, Phi3 };
enum class Activation { Silu, GeluTanh };  // gelu_pytorch_tanh
enum class AttentionKind { Full, Sliding };

std::string_view family_name(Family f);
std::string_view activation_name(Activation a);
std::string_view attention_kind_name(AttentionKind k);

struct LayerConfig {
  AttentionKind attention = AttentionKind::Full;
  std::int64_t sliding_window = 0;  // keys visible to a query, itself included; 0 when Full
  int rope = 0;                     // index into ModelConfig::ropes
};

// A pre-quantized checkpoint's quantization_config, as far as the engine reads it.
struct CheckpointQuantization {
  std::string method;  // "bitsandbytes" | "gptq" | "awq"
  bool load_in_4bit = false, load_in_8bit = false;
  std::string bnb_4bit_quant_type;  // "nf4" | "fp4"
  int bits = 4;                     // gptq / awq
  int group_size = 128;             // -1: one group per row
  bool desc_act = false, sym = true;
  std::string checkpoint_format;  // gptq: "gptq" (v1 zeros) | "gptq_v2"
  std::string format;             // compressed-tensors: "pack-quantized" | "float-quantized" ...
  uint64_t block_rows = 0, block_cols = 0;  // fp8 weight_block_size (0: per tensor/row)
};

struct ModelConfig {
  std::string model_type;    // as in config.json ("gemma3_text" for a gemma3 text_config)
  std::string architecture;  // architectures[0], "" if absent
  Family family = Family::Llama;

  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;
  std::int64_t num_kv_heads = 0;
  std::int64_t head_dim = 0;
  double rms_norm_eps = 1e-6;
  std::int64_t max_position_embeddings = 0;

  std::vector<LayerConfig> layers;  // [num_layers]
  std::vector<RopeConfig> ropes;    // distinct rope settings; layers index them

  Activation activation = Activation::Silu;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;  // q/k/v projections have biases (qwen2; llama/qwen3/gemma attention_bias)
  bool o_bias = false;    // o_proj has a bias (attention_bias, not qwen2)
  bool mlp_bias = false;  // llama mlp_bias
  bool qk_norm = false;   // RMSNorm over head_dim on q and k before rope (qwen3, gemma3)
  bool sandwich_norms = false;  // gemma2/3: post_attention, pre/post_feedforward norms
  bool fused_qkv = false;       // phi3: self_attn.qkv_proj
  bool fused_gate_up = false;   // phi3: mlp.gate_up_proj ([gate; up] along rows)

  // Scores are q.k * attention_scale: head_dim^-0.5, or query_pre_attn_scalar^-0.5 (gemma2/3).
  double attention_scale = 1.0;
  double attn_logit_softcapping = 0.0;   // 0: none; else cap * tanh(x / cap) on scores
  double final_logit_softcapping = 0.0;  // 0: none; same on the logits
  // Gemma: embeddings times sqrt(hidden_size); transformers rounds this factor to the
  // activation dtype first (bf16 for a bf16 model).
  double embedding_scale = 1.0;
  // Gemma: RMSNorm multiplies by (norm_weight_offset + w); 0 elsewhere.
  double norm_weight_offset = 0.0;

  std::optional<CheckpointQuantization> quantization;  // quantization_config, if any
  std::optional<DType> dtype;  // dtype / torch_dtype, if the config names one the engine runs
  std::string dtype_name;      // as written ("bfloat16"), "" if absent
  std::optional<std::int64_t> bos_token_id;
  std::vector<std::int64_t> eos_token_ids;
  std::optional<std::int64_t> pad_token_id;

  // For multimodal gemma3: the prefix of the text model's tensors is found from the files.
  bool multimodal_wrapper = false;

  std::int64_t q_size() const { return num_heads * head_dim; }
  std::int64_t kv_size() const { return num_kv_heads * head_dim; }
  const RopeConfig& rope(std::int64_t layer) const { return ropes[layers[layer].rope]; }
};

// Applies transformers' defaults and derivations for the config's model_type and
// validates the result. Throws Error naming the field and value on anything
// unsupported or inconsistent.
ModelConfig normalize(const RawConfig& raw);

// parse_raw_config + normalize.
ModelConfig parse_model_config(std::string_view text, std::string_view file_name = "config.json");

// Reads MODEL_DIR/config.json.
ModelConfig load_model_config(const std::filesystem::path& model_dir);

// Throws Error unless `model_dir` is a readable folder with a config.json, saying
// which of those it is not (missing, a file, empty, no config.json).
void require_model_folder(const std::filesystem::path& model_dir);

}  // namespace vkllm::model
