// config.json as written, field by field, before any default or derivation:
// the classic form (rope_theta, rope_scaling, torch_dtype) and transformers 5's
// (rope_parameters, dtype, layer_types) side by side. normalize() in config.h
// turns it into the engine's ModelConfig.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vkllm::model {

// A config.json value that may be absent, explicitly null, or set: transformers
// treats absent and null differently for some fields (mistral's sliding_window).
template <typename T>
struct Field {
  enum class State : std::uint8_t { Absent, Null, Set };
  State state = State::Absent;
  T value{};

  bool set() const { return state == State::Set; }
  bool absent() const { return state == State::Absent; }
  bool null() const { return state == State::Null; }
  // The value when set; `fallback` when absent or null.
  T value_or(T fallback) const { return set() ? value : fallback; }
  void assign(T v) {
    state = State::Set;
    value = std::move(v);
  }
};

// One rope_scaling object (classic) or rope_parameters object (transformers 5).
struct RawRope {
  Field<std::string> rope_type;
  Field<std::string> type;  // the older spelling of rope_type
  Field<double> rope_theta;
  Field<double> factor;
  Field<double> low_freq_factor;
  Field<double> high_freq_factor;
  Field<std::int64_t> original_max_position_embeddings;
  Field<double> attention_factor;
  Field<std::vector<double>> short_factor;
  Field<std::vector<double>> long_factor;
  Field<double> partial_rotary_factor;
  Field<double> beta_fast;
  Field<double> beta_slow;
  Field<double> mscale;
  Field<double> mscale_all_dim;
};

struct RawConfig {
  std::string file_name = "config.json";  // for error messages
  Field<std::string> model_type;
  Field<std::vector<std::string>> architectures;
  Field<std::int64_t> vocab_size;
  Field<std::int64_t> hidden_size;
  Field<std::int64_t> intermediate_size;
  Field<std::int64_t> num_hidden_layers;
  Field<std::int64_t> num_attention_heads;
  Field<std::int64_t> num_key_value_heads;
  Field<std::int64_t> head_dim;
  Field<std::string> hidden_act;
  Field<std::string> hidden_activation;  // gemma family
  Field<std::int64_t> max_position_embeddings;
  Field<std::int64_t> original_max_position_embeddings;  // phi3 (longrope)
  Field<double> rms_norm_eps;
  Field<bool> tie_word_embeddings;
  Field<bool> attention_bias;
  Field<bool> mlp_bias;
  // rope, classic form
  Field<double> rope_theta;
  Field<double> rope_local_base_freq;  // gemma3: theta of sliding layers
  Field<RawRope> rope_scaling;
  Field<double> partial_rotary_factor;  // phi3
  // rope, transformers 5 form: one object, or one per layer type (gemma3)
  Field<RawRope> rope_parameters;
  std::map<std::string, RawRope> rope_parameters_by_layer_type;
  // attention pattern
  Field<std::int64_t> sliding_window;
  Field<bool> use_sliding_window;         // qwen2/qwen3
  Field<std::int64_t> max_window_layers;  // qwen2/qwen3
  Field<std::int64_t>
      sliding_window_pattern;  // gemma3 ("sliding_window_pattern" or "_sliding_window_pattern")
  Field<std::vector<std::string>> layer_types;
  // gemma2/3
  Field<double> query_pre_attn_scalar;
  Field<double> attn_logit_softcapping;
  Field<double> final_logit_softcapping;
  // storage and special tokens
  Field<std::string> torch_dtype;
  Field<std::string> dtype;
  Field<std::int64_t> bos_token_id;
  Field<std::vector<std::int64_t>> eos_token_id;  // an int or a list in the file
  Field<std::int64_t> pad_token_id;
  // quantization_config, the fields the engine reads (docs/QUANT_FORMATS.md in ../shared).
  struct Quantization {
    bool present = false;
    Field<std::string> quant_method;
    Field<bool> load_in_4bit, load_in_8bit;        // bitsandbytes
    Field<std::string> bnb_4bit_quant_type;        // "nf4" | "fp4"
    Field<std::int64_t> bits, group_size;          // gptq / awq
    Field<bool> desc_act, sym;                     // gptq
    Field<std::string> checkpoint_format;          // gptq
    Field<std::string> version;                    // awq
    Field<std::string> format;                     // compressed-tensors
    Field<std::vector<double>> weight_block_size;  // fp8
  } quantization;
  // gemma3 (multimodal): the text model's config
  std::shared_ptr<RawConfig> text_config;
};

// Parses config.json text into the mirror struct. Type errors name the field and
// state expected vs found. Throws Error.
RawConfig parse_raw_config(std::string_view text, std::string_view file_name = "config.json");

}  // namespace vkllm::model
