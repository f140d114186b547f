#include "loaders/model/raw_config.h"

#include "loaders/model/json_fields.h"

namespace vkllm::model {
namespace {

using json_fields::json;
using json_fields::Reader;

RawRope read_rope(const json& obj, std::string_view file, const std::string& prefix) {
  const Reader r(obj, file, prefix);
  RawRope rope;
  r.get("rope_type", rope.rope_type);
  r.get("type", rope.type);
  r.get("rope_theta", rope.rope_theta);
  r.get("factor", rope.factor);
  r.get("low_freq_factor", rope.low_freq_factor);
  r.get("high_freq_factor", rope.high_freq_factor);
  r.get("original_max_position_embeddings", rope.original_max_position_embeddings);
  r.get("attention_factor", rope.attention_factor);
  r.get("short_factor", rope.short_factor);
  r.get("long_factor", rope.long_factor);
  r.get("partial_rotary_factor", rope.partial_rotary_factor);
  r.get("beta_fast", rope.beta_fast);
  r.get("beta_slow", rope.beta_slow);
  r.get("mscale", rope.mscale);
  r.get("mscale_all_dim", rope.mscale_all_dim);
  return rope;
}

// rope_scaling / rope_parameters: null, one rope object, or (transformers 5,
// gemma3) an object of rope objects keyed by layer type.
void read_rope_field(const Reader& r, const char* key, Field<RawRope>& one,
                     std::map<std::string, RawRope>* by_layer_type) {
  const json* v = r.find(key);
  if (!v) return;
  if (v->is_null()) {
    one.state = Field<RawRope>::State::Null;
    return;
  }
  if (!v->is_object()) r.type_error(key, "an object", *v);
  const bool keyed = by_layer_type && !v->empty() && [&] {
    for (const auto& [k, e] : v->items())
      if (!e.is_object() || !k.ends_with("_attention")) return false;
    return true;
  }();
  if (keyed) {
    for (const auto& [k, e] : v->items())
      (*by_layer_type)[k] = read_rope(e, r.file(), r.path(key) + "." + k + ".");
    return;
  }
  one.assign(read_rope(*v, r.file(), r.path(key) + "."));
}

RawConfig read_config(const json& j, std::string_view file, const std::string& prefix) {
  if (!j.is_object())
    fail("{}: {} is a JSON {}, expected an object", file, prefix.empty() ? "the file" : prefix,
         j.type_name());
  const Reader r(j, file, prefix);
  RawConfig c;
  c.file_name = std::string(file);
  r.get("model_type", c.model_type);
  r.get("architectures", c.architectures);
  r.get("vocab_size", c.vocab_size);
  r.get("hidden_size", c.hidden_size);
  r.get("intermediate_size", c.intermediate_size);
  r.get("num_hidden_layers", c.num_hidden_layers);
  r.get("num_attention_heads", c.num_attention_heads);
  r.get("num_key_value_heads", c.num_key_value_heads);
  r.get("head_dim", c.head_dim);
  r.get("hidden_act", c.hidden_act);
  r.get("hidden_activation", c.hidden_activation);
  r.get("max_position_embeddings", c.max_position_embeddings);
  r.get("original_max_position_embeddings", c.original_max_position_embeddings);
  r.get("rms_norm_eps", c.rms_norm_eps);
  r.get("tie_word_embeddings", c.tie_word_embeddings);
  r.get("attention_bias", c.attention_bias);
  r.get("mlp_bias", c.mlp_bias);
  r.get("rope_theta", c.rope_theta);
  r.get("rope_local_base_freq", c.rope_local_base_freq);
  read_rope_field(r, "rope_scaling", c.rope_scaling, nullptr);
  r.get("partial_rotary_factor", c.partial_rotary_factor);
  read_rope_field(r, "rope_parameters", c.rope_parameters, &c.rope_parameters_by_layer_type);
  r.get("sliding_window", c.sliding_window);
  r.get("use_sliding_window", c.use_sliding_window);
  r.get("max_window_layers", c.max_window_layers);
  r.get("sliding_window_pattern", c.sliding_window_pattern);
  if (!c.sliding_window_pattern.set()) r.get("_sliding_window_pattern", c.sliding_window_pattern);
  r.get("layer_types", c.layer_types);
  r.get("query_pre_attn_scalar", c.query_pre_attn_scalar);
  r.get("attn_logit_softcapping", c.attn_logit_softcapping);
  r.get("final_logit_softcapping", c.final_logit_softcapping);
  r.get("torch_dtype", c.torch_dtype);
  r.get("dtype", c.dtype);
  r.get("bos_token_id", c.bos_token_id);
  r.get("eos_token_id", c.eos_token_id);
  r.get("pad_token_id", c.pad_token_id);
  if (const json* q = r.find("quantization_config"); q && !q->is_null()) {
    RawConfig::Quantization& o = c.quantization;
    o.present = true;
    if (!q->is_object()) r.type_error("quantization_config", "an object", *q);
    const Reader qr(*q, file, r.path("quantization_config."));
    qr.get("quant_method", o.quant_method);
    qr.get("load_in_4bit", o.load_in_4bit);
    qr.get("load_in_8bit", o.load_in_8bit);
    qr.get("bnb_4bit_quant_type", o.bnb_4bit_quant_type);
    qr.get("bits", o.bits);
    qr.get("group_size", o.group_size);
    qr.get("desc_act", o.desc_act);
    qr.get("sym", o.sym);
    qr.get("checkpoint_format", o.checkpoint_format);
    qr.get("version", o.version);
    qr.get("format", o.format);
    qr.get("weight_block_size", o.weight_block_size);
  }
  if (const json* t = r.find("text_config"); t && !t->is_null())
    c.text_config = std::make_shared<RawConfig>(read_config(*t, file, r.path("text_config.")));
  return c;
}

}  // namespace

RawConfig parse_raw_config(std::string_view text, std::string_view file_name) {
  return read_config(json_fields::parse(text, file_name), file_name, "");
}

}  // namespace vkllm::model
