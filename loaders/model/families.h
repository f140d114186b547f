// Per model_type facts that transformers' configuration and modeling classes fix:
// the defaults a config.json may leave out, and the architecture's structure.
// One visible table (families.cpp) instead of a switch spread over the loader.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "loaders/model/config.h"

namespace vkllm::model {

struct FamilyTraits {
  std::string_view model_type;
  Family family;
  // Defaults of the transformers configuration class.
  std::int64_t vocab_size, hidden_size, intermediate_size, num_layers, num_heads;
  std::int64_t num_kv_heads;  // 0: same as num_heads
  std::int64_t head_dim;      // 0: hidden_size / num_heads
  std::string_view hidden_act;
  std::int64_t max_position_embeddings;
  double rms_norm_eps;
  bool tie_word_embeddings;
  double rope_theta;
  std::optional<std::int64_t> bos, eos, pad;
  std::optional<std::int64_t> sliding_window;  // default when the key is absent
  // Structure of the modeling class.
  bool qkv_bias_always;     // qwen2: q/k/v biases regardless of attention_bias
  bool has_attention_bias;  // reads attention_bias (q/k/v/o)
  bool qk_norm, sandwich_norms, fused_projections, gemma_norms;
};

// nullptr when model_type is not supported.
const FamilyTraits* find_family(std::string_view model_type);
// "llama, mistral, ..." for error messages.
std::string_view supported_model_types();

}  // namespace vkllm::model
