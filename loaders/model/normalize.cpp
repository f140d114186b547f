// config.json (mirror struct) -> ModelConfig: transformers' defaults and
// derivations per model_type, then validation.
#include <cmath>
#include <fstream>
#include <sstream>

#include "engine/base/error.h"
#include "engine/base/paths.h"
#include "loaders/model/config.h"
#include "loaders/model/families.h"
#include "loaders/safetensors/dtype.h"

namespace vkllm::model {

std::string_view family_name(Family f) {
  switch (f) {
    case Family::Llama:
      return "llama";
    case Family::Mistral:
      return "mistral";
    case Family::Qwen2:
      return "qwen2";
    case Family::Qwen3:
      return "qwen3";
    case Family::Gemma:
      return "gemma";
    case Family::Gemma2:
      return "gemma2";
    case Family::Gemma3:
      return "gemma3";
    case Family::Phi3:
      return "phi3";
  }
  return "?";
}

std::string_view activation_name(Activation a) {
  return a == Activation::Silu ? "silu" : "gelu_pytorch_tanh";
}

std::string_view attention_kind_name(AttentionKind k) {
  return k == AttentionKind::Full ? "full_attention" : "sliding_attention";
}

namespace {

// absent -> the class default; null -> disabled (0); set -> the value.
double default_or_off(const Field<double>& f, std::optional<double> dflt) {
  if (f.set()) return f.value;
  if (f.absent() && dflt) return *dflt;
  return 0.0;
}

Activation parse_activation(const std::string& name, std::string_view file, const char* field) {
  if (name == "silu" || name == "swish") return Activation::Silu;
  if (name == "gelu_pytorch_tanh" || name == "gelu_new") return Activation::GeluTanh;
  fail("{}: {} is '{}', which vkllm does not support (supported: silu, gelu_pytorch_tanh)", file,
       field, name);
}

Activation resolve_activation(const RawConfig& raw, const FamilyTraits& t) {
  const auto& file = raw.file_name;
  if (t.gemma_norms) {
    // Gemma's modeling code reads hidden_activation; the original gemma-7b configs
    // say hidden_act "gelu" but were trained with the tanh approximation, which
    // transformers uses for them.
    if (raw.hidden_activation.set())
      return parse_activation(raw.hidden_activation.value, file, "hidden_activation");
    if (raw.hidden_act.set() && raw.hidden_act.value != "gelu")
      return parse_activation(raw.hidden_act.value, file, "hidden_act");
    return Activation::GeluTanh;
  }
  return parse_activation(raw.hidden_act.value_or(std::string(t.hidden_act)), file, "hidden_act");
}

// Sizes are bounded so that a hostile config cannot make the loader allocate
// without limit; the bounds are far above any real model.
constexpr std::int64_t kMaxDim = std::int64_t{1} << 24;
constexpr std::int64_t kMaxLayers = 4096;

std::int64_t positive(const Field<std::int64_t>& f, std::int64_t dflt, std::string_view file,
                      const char* name, std::int64_t max = kMaxDim) {
  const std::int64_t v = f.value_or(dflt);
  if (v <= 0 || v > max) fail("{}: {} is {}, expected 1 to {}", file, name, v, max);
  return v;
}

// The attention kind of each layer: layer_types when given, else derived as each
// transformers configuration class derives it.
std::vector<AttentionKind> layer_kinds(const RawConfig& raw, const FamilyTraits& t,
                                       std::int64_t n_layers, std::int64_t& window) {
  const auto& file = raw.file_name;
  // Mistral/Qwen: an explicit null disables the sliding window; absence means the default.
  std::optional<std::int64_t> sw;
  if (raw.sliding_window.set())
    sw = raw.sliding_window.value;
  else if (raw.sliding_window.absent())
    sw = t.sliding_window;
  if ((t.family == Family::Qwen2 || t.family == Family::Qwen3) &&
      !raw.use_sliding_window.value_or(false))
    sw.reset();
  window = sw.value_or(0);

  std::vector<AttentionKind> kinds(static_cast<std::size_t>(n_layers), AttentionKind::Full);
  if (raw.layer_types.set()) {
    const auto& lt = raw.layer_types.value;
    if (static_cast<std::int64_t>(lt.size()) != n_layers)
      fail("{}: layer_types has {} entries, num_hidden_layers is {}", file, lt.size(), n_layers);
    for (std::size_t i = 0; i < lt.size(); ++i) {
      if (lt[i] == "sliding_attention")
        kinds[i] = AttentionKind::Sliding;
      else if (lt[i] != "full_attention")
        fail(
            "{}: layer_types[{}] is '{}', which vkllm does not support (supported: "
            "full_attention, sliding_attention)",
            file, i, lt[i]);
    }
  } else {
    // Gemma3: every gemma3_pattern-th layer is global.
    const std::int64_t gemma3_pattern =
        positive(raw.sliding_window_pattern, 6, file, "sliding_window_pattern");
    for (std::int64_t i = 0; i < n_layers; ++i) {
      bool sliding = false;
      switch (t.family) {
        case Family::Mistral:
        case Family::Phi3:
          sliding = sw.has_value();
          break;
        case Family::Qwen2:
        case Family::Qwen3:
          sliding = sw.has_value() && i >= raw.max_window_layers.value_or(28);
          break;
        case Family::Gemma2:
          sliding = i % 2 == 0;
          break;
        case Family::Gemma3:
          sliding = (i + 1) % gemma3_pattern != 0;
          break;
        default:
          break;
      }
      kinds[i] = sliding ? AttentionKind::Sliding : AttentionKind::Full;
    }
  }
  for (auto k : kinds)
    if (k == AttentionKind::Sliding && window <= 0)
      fail("{}: some layers use sliding attention but sliding_window is {}", file,
           raw.sliding_window.set() ? std::to_string(raw.sliding_window.value) : "not set");
  return kinds;
}

// Rope per layer: one setting for most families; gemma3 has one for full and one
// for sliding layers (rope_parameters by layer type, or rope_theta/rope_scaling for
// full and rope_local_base_freq for sliding in the classic form).
void resolve_ropes(const RawConfig& raw, const FamilyTraits& t, ModelConfig& c) {
  RopeContext ctx{raw.file_name,
                  "",
                  c.head_dim,
                  c.max_position_embeddings,
                  raw.original_max_position_embeddings.value_or(0),
                  raw.partial_rotary_factor.value_or(1.0)};
  const double theta = raw.rope_theta.value_or(t.rope_theta);
  const RawRope* params = raw.rope_parameters.set() ? &raw.rope_parameters.value : nullptr;
  const RawRope* scaling = raw.rope_scaling.set() ? &raw.rope_scaling.value : nullptr;
  if (t.family != Family::Gemma3) {
    if (!raw.rope_parameters_by_layer_type.empty())
      fail("{}: rope_parameters is keyed by layer type, which model_type '{}' does not use",
           raw.file_name, t.model_type);
    ctx.field = params ? "rope_parameters" : "rope_scaling";
    c.ropes.push_back(normalize_rope(params ? params : scaling, theta, ctx));
    for (auto& l : c.layers) l.rope = 0;
    return;
  }
  RopeConfig full, local;
  if (!raw.rope_parameters_by_layer_type.empty()) {
    for (const auto& [k, v] : raw.rope_parameters_by_layer_type)
      if (k != "full_attention" && k != "sliding_attention")
        fail(
            "{}: rope_parameters has an entry for layer type '{}', expected full_attention and "
            "sliding_attention",
            raw.file_name, k);
    auto get = [&](const char* kind, double dflt_theta) {
      auto it = raw.rope_parameters_by_layer_type.find(kind);
      const std::string field = std::string("rope_parameters.") + kind;
      ctx.field = field;
      return normalize_rope(it == raw.rope_parameters_by_layer_type.end() ? nullptr : &it->second,
                            dflt_theta, ctx);
    };
    full = get("full_attention", theta);
    local = get("sliding_attention", raw.rope_local_base_freq.value_or(10000.0));
  } else {
    ctx.field = params ? "rope_parameters" : "rope_scaling";
    full = normalize_rope(params ? params : scaling, theta, ctx);
    ctx.field = "rope_local_base_freq";
    local = normalize_rope(nullptr, raw.rope_local_base_freq.value_or(10000.0), ctx);
  }
  c.ropes = {full};
  if (!(local == full)) c.ropes.push_back(local);
  for (auto& l : c.layers)
    l.rope = (l.attention == AttentionKind::Sliding && c.ropes.size() > 1) ? 1 : 0;
}

// dtype (transformers 5) or torch_dtype (classic), which transformers turns into a
// torch dtype by name. Informational here (each weight's own dtype is what runs), but
// a name torch has no floating-point type for means a broken config.
void resolve_dtype(const RawConfig& raw, ModelConfig& c) {
  const bool v5 = raw.dtype.set();
  const Field<std::string>& dt = v5 ? raw.dtype : raw.torch_dtype;
  if (!dt.set() || dt.value == "auto") return;  // "auto": the checkpoint's own dtypes
  const auto st_type = st::parse_torch_dtype(dt.value);
  if (!st_type)
    fail(
        "{}: {} is '{}', which is not a torch floating-point dtype (expected bfloat16, float16, "
        "float32 or float64, or their aliases half, float, double)",
        raw.file_name, v5 ? "dtype" : "torch_dtype", dt.value);
  c.dtype_name = dt.value;
  c.dtype = st::to_engine_dtype(*st_type);
}

ModelConfig normalize_text(const RawConfig& raw, const FamilyTraits& t) {
  const auto& file = raw.file_name;
  ModelConfig c;
  c.model_type = std::string(t.model_type);
  c.family = t.family;
  if (raw.architectures.set() && !raw.architectures.value.empty())
    c.architecture = raw.architectures.value.front();
  if (const RawConfig::Quantization& rq = raw.quantization; rq.present) {
    const std::string method = rq.quant_method.value_or("(none)");
    if (method != "bitsandbytes" && method != "gptq" && method != "awq" &&
        method != "compressed-tensors" && method != "fp8")
      fail(
          "{}: quantization_config.quant_method is '{}': vkllm loads bitsandbytes (NF4, FP4, "
          "LLM.int8), GPTQ, AWQ, compressed-tensors (pack-quantized, float-quantized) and "
          "fine-grained FP8 checkpoints (quantize an unquantized model at load with --quant "
          "q4 or q8 instead)",
          file, method);
    CheckpointQuantization q{.method = method,
                             .load_in_4bit = rq.load_in_4bit.value_or(false),
                             .load_in_8bit = rq.load_in_8bit.value_or(false),
                             .bnb_4bit_quant_type = rq.bnb_4bit_quant_type.value_or("fp4"),
                             .bits = int(rq.bits.value_or(4)),
                             .group_size = int(rq.group_size.value_or(128)),
                             .desc_act = rq.desc_act.value_or(false),
                             .sym = rq.sym.value_or(true),
                             .checkpoint_format = rq.checkpoint_format.value_or("gptq")};
    q.format = rq.format.value_or("");
    if (rq.weight_block_size.set()) {
      const auto& b = rq.weight_block_size.value;
      if (b.size() != 2 || !(b[0] >= 1) || !(b[1] >= 1))
        fail("{}: quantization_config.weight_block_size must be [rows, columns]", file);
      q.block_rows = uint64_t(b[0]);
      q.block_cols = uint64_t(b[1]);
    }
    if (method == "compressed-tensors") {
      if (q.format != "pack-quantized" && q.format != "float-quantized")
        fail(
            "{}: quantization_config.format is '{}': vkllm reads compressed-tensors "
            "pack-quantized and float-quantized (FP8) weights, not int8, NVFP4, sparse or mixed "
            "formats",
            file, q.format);
    } else if (method == "bitsandbytes") {
      if (q.load_in_4bit == q.load_in_8bit)
        fail("{}: quantization_config: exactly one of load_in_4bit and load_in_8bit must be true",
             file);
      if (q.load_in_4bit && q.bnb_4bit_quant_type != "nf4" && q.bnb_4bit_quant_type != "fp4")
        fail("{}: quantization_config.bnb_4bit_quant_type is '{}', expected nf4 or fp4", file,
             q.bnb_4bit_quant_type);
    } else if (method == "gptq" || method == "awq") {
      if (q.bits != 4 && q.bits != 8)
        fail("{}: quantization_config.bits is {}: vkllm runs 4- and 8-bit {} weights", file, q.bits,
             method);
      if (method == "awq" && q.bits != 4) fail("{}: AWQ is 4-bit, bits is {}", file, q.bits);
      if (method == "gptq" && q.checkpoint_format != "gptq" && q.checkpoint_format != "gptq_v2")
        fail(
            "{}: quantization_config.checkpoint_format is '{}': vkllm reads GPTQ's own packing "
            "(gptq, gptq_v2), not Marlin, BitBLAS or other repacked layouts",
            file, q.checkpoint_format);
      const std::string version = rq.version.value_or("gemm");
      if (method == "awq" && version != "gemm" && version != "GEMM")
        fail("{}: quantization_config.version is '{}': vkllm reads AWQ GEMM checkpoints only", file,
             version);
    }
    c.quantization = q;
  }

  c.vocab_size = positive(raw.vocab_size, t.vocab_size, file, "vocab_size", INT32_MAX);
  c.hidden_size = positive(raw.hidden_size, t.hidden_size, file, "hidden_size");
  c.intermediate_size =
      positive(raw.intermediate_size, t.intermediate_size, file, "intermediate_size");
  c.num_layers =
      positive(raw.num_hidden_layers, t.num_layers, file, "num_hidden_layers", kMaxLayers);
  c.num_heads = positive(raw.num_attention_heads, t.num_heads, file, "num_attention_heads");
  c.num_kv_heads = positive(raw.num_key_value_heads, t.num_kv_heads ? t.num_kv_heads : c.num_heads,
                            file, "num_key_value_heads");
  if (c.num_heads % c.num_kv_heads)
    fail("{}: num_attention_heads {} is not a multiple of num_key_value_heads {}", file,
         c.num_heads, c.num_kv_heads);
  // head_dim: given, else the class default (qwen3, gemma: 256/128), else hidden / heads.
  const std::int64_t derived_head_dim = t.head_dim ? t.head_dim : c.hidden_size / c.num_heads;
  c.head_dim = positive(raw.head_dim, derived_head_dim, file, "head_dim");
  c.rms_norm_eps = raw.rms_norm_eps.value_or(t.rms_norm_eps);
  if (!(c.rms_norm_eps > 0)) fail("{}: rms_norm_eps is {}, expected > 0", file, c.rms_norm_eps);
  c.max_position_embeddings = positive(raw.max_position_embeddings, t.max_position_embeddings, file,
                                       "max_position_embeddings");
  c.tie_word_embeddings = raw.tie_word_embeddings.value_or(t.tie_word_embeddings);
  c.activation = resolve_activation(raw, t);

  const bool attention_bias = t.has_attention_bias && raw.attention_bias.value_or(false);
  c.qkv_bias = t.qkv_bias_always || attention_bias;
  c.o_bias = attention_bias;
  c.mlp_bias = t.family == Family::Llama && raw.mlp_bias.value_or(false);
  c.qk_norm = t.qk_norm;
  c.sandwich_norms = t.sandwich_norms;
  c.fused_qkv = c.fused_gate_up = t.fused_projections;
  if (t.gemma_norms) {
    c.norm_weight_offset = 1.0;
    c.embedding_scale = std::sqrt(static_cast<double>(c.hidden_size));
  }
  double scalar = static_cast<double>(c.head_dim);
  if (t.family == Family::Gemma2 || t.family == Family::Gemma3) {
    scalar = raw.query_pre_attn_scalar.value_or(256.0);
    if (!(scalar > 0)) fail("{}: query_pre_attn_scalar is {}, expected > 0", file, scalar);
  }
  c.attention_scale = 1.0 / std::sqrt(scalar);
  if (t.family == Family::Gemma2) {
    c.attn_logit_softcapping = default_or_off(raw.attn_logit_softcapping, 50.0);
    c.final_logit_softcapping = default_or_off(raw.final_logit_softcapping, 30.0);
  } else if (t.family == Family::Gemma3) {
    c.attn_logit_softcapping = default_or_off(raw.attn_logit_softcapping, std::nullopt);
    c.final_logit_softcapping = default_or_off(raw.final_logit_softcapping, std::nullopt);
  }
  if (c.attn_logit_softcapping < 0 || c.final_logit_softcapping < 0)
    fail("{}: logit soft-capping must be positive, found attention {} and final {}", file,
         c.attn_logit_softcapping, c.final_logit_softcapping);

  std::int64_t window = 0;
  const auto kinds = layer_kinds(raw, t, c.num_layers, window);
  c.layers.resize(kinds.size());
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    c.layers[i].attention = kinds[i];
    c.layers[i].sliding_window = kinds[i] == AttentionKind::Sliding ? window : 0;
  }
  resolve_ropes(raw, t, c);

  resolve_dtype(raw, c);
  if (raw.bos_token_id.set())
    c.bos_token_id = raw.bos_token_id.value;
  else if (raw.bos_token_id.absent())
    c.bos_token_id = t.bos;
  if (raw.eos_token_id.set())
    c.eos_token_ids = raw.eos_token_id.value;
  else if (raw.eos_token_id.absent() && t.eos)
    c.eos_token_ids = {*t.eos};
  if (raw.pad_token_id.set())
    c.pad_token_id = raw.pad_token_id.value;
  else if (raw.pad_token_id.absent())
    c.pad_token_id = t.pad;
  return c;
}

const FamilyTraits& family_of(const Field<std::string>& model_type, std::string_view file,
                              std::string_view field) {
  if (!model_type.set())
    fail("{}: {} is missing (supported: {})", file, field, supported_model_types());
  const FamilyTraits* t = find_family(model_type.value);
  if (!t)
    fail("{}: {} is '{}', which vkllm does not support (supported: {})", file, field,
         model_type.value, supported_model_types());
  return *t;
}

}  // namespace

ModelConfig normalize(const RawConfig& raw) {
  if (raw.model_type.set() && raw.model_type.value == "gemma3") {
    // Gemma3ForConditionalGeneration: the language model's config is text_config.
    if (!raw.text_config) fail("{}: model_type 'gemma3' has no text_config", raw.file_name);
    RawConfig text = *raw.text_config;
    if (!text.model_type.set()) text.model_type.assign("gemma3_text");
    if (!text.dtype.set() && !text.torch_dtype.set()) {
      text.dtype = raw.dtype;
      text.torch_dtype = raw.torch_dtype;
    }
    if (!text.bos_token_id.set()) text.bos_token_id = raw.bos_token_id;
    if (!text.eos_token_id.set()) text.eos_token_id = raw.eos_token_id;
    if (!text.pad_token_id.set()) text.pad_token_id = raw.pad_token_id;
    if (raw.quantization.present) text.quantization = raw.quantization;
    const FamilyTraits& t = family_of(text.model_type, raw.file_name, "text_config.model_type");
    if (t.family != Family::Gemma3)
      fail("{}: text_config.model_type is '{}', expected gemma3_text", raw.file_name,
           text.model_type.value);
    ModelConfig c = normalize_text(text, t);
    c.multimodal_wrapper = true;
    if (raw.architectures.set() && !raw.architectures.value.empty())
      c.architecture = raw.architectures.value.front();
    return c;
  }
  return normalize_text(raw, family_of(raw.model_type, raw.file_name, "model_type"));
}

ModelConfig parse_model_config(std::string_view text, std::string_view file_name) {
  return normalize(parse_raw_config(text, file_name));
}

void require_model_folder(const std::filesystem::path& model_dir) {
  require_folder(model_dir, "model: model folder",
                 "give the folder that holds config.json and *.safetensors");
  if (!std::filesystem::exists(model_dir / "config.json"))
    fail(
        "model: {} has no config.json{}; give a Hugging Face model folder (config.json, "
        "*.safetensors)",
        model_dir.string(), std::filesystem::is_empty(model_dir) ? " (the folder is empty)" : "");
}

ModelConfig load_model_config(const std::filesystem::path& model_dir) {
  require_model_folder(model_dir);
  const auto path = model_dir / "config.json";
  return parse_model_config(read_file(path, "model: config"), path.string());
}

}  // namespace vkllm::model
