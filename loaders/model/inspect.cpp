#include "loaders/model/inspect.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace vkllm::model {
namespace {

using nlohmann::json;
using ordered = nlohmann::ordered_json;

template <typename T>
ordered opt(const std::optional<T>& v) {
  return v ? ordered(*v) : ordered(nullptr);
}

ordered rope_json(const RopeConfig& r) {
  ordered j;
  j["type"] = rope_type_name(r.type);
  j["theta"] = r.theta;
  j["rotary_dim"] = r.rotary_dim;
  if (r.type == RopeType::Linear || r.type == RopeType::Llama3 || r.type == RopeType::LongRope)
    j["factor"] = r.factor;
  if (r.type == RopeType::Llama3) {
    j["low_freq_factor"] = r.low_freq_factor;
    j["high_freq_factor"] = r.high_freq_factor;
  }
  if (r.type == RopeType::Llama3 || r.type == RopeType::LongRope)
    j["original_max_position_embeddings"] = r.original_max_position_embeddings;
  if (r.type == RopeType::LongRope) {
    j["attention_factor"] = r.attention_factor;
    j["short_factor"] = r.short_factor;
    j["long_factor"] = r.long_factor;
  }
  return j;
}

ordered config_json(const ModelConfig& c) {
  ordered j;
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_layers"] = c.num_layers;
  j["num_heads"] = c.num_heads;
  j["num_kv_heads"] = c.num_kv_heads;
  j["head_dim"] = c.head_dim;
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["activation"] = activation_name(c.activation);
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["qkv_bias"] = c.qkv_bias;
  j["o_bias"] = c.o_bias;
  j["mlp_bias"] = c.mlp_bias;
  j["qk_norm"] = c.qk_norm;
  j["sandwich_norms"] = c.sandwich_norms;
  j["fused_qkv"] = c.fused_qkv;
  j["fused_gate_up"] = c.fused_gate_up;
  j["attention_scale"] = c.attention_scale;
  j["attn_logit_softcapping"] = c.attn_logit_softcapping;
  j["final_logit_softcapping"] = c.final_logit_softcapping;
  j["embedding_scale"] = c.embedding_scale;
  j["norm_weight_offset"] = c.norm_weight_offset;
  j["dtype"] = c.dtype ? ordered(dtype_name(*c.dtype)) : ordered(nullptr);
  j["bos_token_id"] = opt(c.bos_token_id);
  j["eos_token_ids"] = c.eos_token_ids;
  j["pad_token_id"] = opt(c.pad_token_id);
  j["ropes"] = ordered::array();
  for (const auto& r : c.ropes) j["ropes"].push_back(rope_json(r));
  j["layers"] = ordered::array();
  for (const auto& l : c.layers)
    j["layers"].push_back({{"attention", attention_kind_name(l.attention)},
                           {"sliding_window", l.sliding_window},
                           {"rope", l.rope}});
  return j;
}

ordered generation_json(const std::optional<GenerationConfig>& g) {
  if (!g) return nullptr;
  ordered j;
  j["bos_token_id"] = opt(g->bos_token_id);
  j["eos_token_ids"] = g->eos_token_ids;
  j["pad_token_id"] = opt(g->pad_token_id);
  j["do_sample"] = opt(g->do_sample);
  j["temperature"] = opt(g->temperature);
  j["top_k"] = opt(g->top_k);
  j["top_p"] = opt(g->top_p);
  j["min_p"] = opt(g->min_p);
  j["repetition_penalty"] = opt(g->repetition_penalty);
  j["max_length"] = opt(g->max_length);
  j["max_new_tokens"] = opt(g->max_new_tokens);
  return j;
}

ordered tensor_json(const InspectTensor& t) {
  return {{"name", t.name},
          {"role", weight_role_name(t.role)},
          {"dtype", dtype_name(t.dtype)},
          {"shape", t.shape},
          {"bytes", t.bytes},
          {"file", t.file.empty() ? ordered(nullptr) : ordered(t.file)},
          {"quant", t.quant.empty() ? ordered(nullptr) : ordered(t.quant)}};
}

std::string human_bytes(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes >= (std::uint64_t{1} << 30)) return fmt::format("{:.2f} GiB", b / (1 << 30));
  if (bytes >= (std::uint64_t{1} << 20)) return fmt::format("{:.2f} MiB", b / (1 << 20));
  if (bytes >= (std::uint64_t{1} << 10)) return fmt::format("{:.1f} KiB", b / (1 << 10));
  return fmt::format("{} B", bytes);
}

std::string human_count(std::uint64_t n) {
  if (n >= 1'000'000'000) return fmt::format("{:.2f}B", static_cast<double>(n) / 1e9);
  if (n >= 1'000'000) return fmt::format("{:.2f}M", static_cast<double>(n) / 1e6);
  if (n >= 1'000) return fmt::format("{:.1f}K", static_cast<double>(n) / 1e3);
  return std::to_string(n);
}

std::string rope_text(const RopeConfig& r) {
  std::string s = fmt::format("{} theta={}", rope_type_name(r.type), r.theta);
  if (r.type != RopeType::Default) s += fmt::format(" factor={}", r.factor);
  if (r.type == RopeType::Llama3)
    s += fmt::format(" low_freq_factor={} high_freq_factor={} original_max_pos={}",
                     r.low_freq_factor, r.high_freq_factor, r.original_max_position_embeddings);
  if (r.type == RopeType::LongRope)
    s += fmt::format(" original_max_pos={} attention_factor={:.6f}",
                     r.original_max_position_embeddings, r.attention_factor);
  return s + fmt::format(" rotary_dim={}", r.rotary_dim);
}

}  // namespace

InspectReport inspect_model(const std::filesystem::path& dir, const InspectOptions& options) {
  InspectReport r;
  r.options = options;
  require_model_folder(dir);
  r.weights_present = std::filesystem::exists(dir / st::kSingleFileName) ||
                      std::filesystem::exists(dir / st::kIndexFileName);
  if (r.weights_present) {
    r.folder = open_model_folder(dir);
    r.stats = weight_stats(r.folder.weights, r.folder.files);
    for (const auto& w : r.folder.weights.weights)
      r.tensors.push_back(
          {w.expected.name, w.expected.role, w.expected.layer, w.dtype,
           w.quant ? w.expected.shape : w.ref.info->shape, w.device_bytes(),
           w.ref.file->file_name(),
           w.quant ? fmt::format("{} -> {}, {:.2f} bits/weight", w.quant->describe(),
                                 quant_format_name(w.quant->format),
                                 quant_bits_per_weight(w.quant->format, w.expected.shape[1]))
                   : ""});
  } else {
    r.folder.dir = dir;
    r.folder.config = load_model_config(dir);
    r.folder.generation = load_generation_config(dir);
    r.folder.weights.lm_head_tied = r.folder.config.tie_word_embeddings;
    const DType dtype = r.folder.config.dtype.value_or(DType::BF16);
    for (auto& e : expected_tensors(r.folder.config)) {
      std::uint64_t n = 1;
      for (auto d : e.shape) n *= d;
      r.stats.parameters += n;
      r.tensors.push_back({e.name, e.role, e.layer, dtype, e.shape, n * dtype_size(dtype), ""});
    }
    r.stats.weight_bytes = r.stats.parameters * dtype_size(dtype);
    r.stats.bytes_by_dtype[dtype] = r.stats.weight_bytes;
  }
  r.kv = kv_cache_bytes(r.folder.config, options.ctx, options.kv_dtype);
  return r;
}

std::string inspect_json(const InspectReport& r) {
  const ModelConfig& c = r.folder.config;
  ordered j;
  j["path"] = r.folder.dir.string();
  j["model_type"] = c.model_type;
  j["family"] = family_name(c.family);
  j["architecture"] = c.architecture;
  j["config"] = config_json(c);
  j["generation_config"] = generation_json(r.folder.generation);
  j["parameters"] = r.stats.parameters;
  j["weight_bytes"] = r.stats.weight_bytes;
  j["bytes_by_dtype"] = ordered::object();
  for (const auto& [t, b] : r.stats.bytes_by_dtype) j["bytes_by_dtype"][dtype_name(t)] = b;
  j["files"] = ordered::array();
  for (const auto& f : r.stats.files)
    j["files"].push_back({{"name", f.name},
                          {"file_size", f.file_size},
                          {"tensor_bytes", f.tensor_bytes},
                          {"tensors", f.tensors}});
  ordered global = ordered::array();
  ordered layers = ordered::array();
  for (std::int64_t i = 0; i < c.num_layers; ++i) layers.push_back(ordered::array());
  for (const auto& t : r.tensors) {
    if (t.layer < 0)
      global.push_back(tensor_json(t));
    else
      layers[t.layer].push_back(tensor_json(t));
  }
  j["tensors"] = {{"global", global}, {"layers", layers}};
  j["weights_present"] = r.weights_present;
  j["lm_head_tied"] = r.folder.weights.lm_head_tied;
  j["unexpected_tensors"] = r.folder.weights.unexpected;
  j["ignored_tensors"] = r.folder.weights.ignored;
  j["kv_cache"] = {{"tokens", r.options.ctx},
                   {"dtype", dtype_name(r.options.kv_dtype)},
                   {"bytes", r.kv.full},
                   {"bytes_windowed", r.kv.windowed}};
  j["device_memory"] = {{"weights", r.stats.weight_bytes},
                        {"kv_cache", r.kv.full},
                        {"total", r.stats.weight_bytes + r.kv.full}};
  return j.dump(2) + "\n";
}

std::string inspect_text(const InspectReport& r) {
  const ModelConfig& c = r.folder.config;
  std::string s;
  auto line = [&s](std::string_view k, const std::string& v) {
    s += fmt::format("  {:<32} {}\n", k, v);
  };
  s += fmt::format("{}\n", r.folder.dir.string());
  s += fmt::format("architecture {} (model_type {}, family {})\n",
                   c.architecture.empty() ? "?" : c.architecture, c.model_type,
                   family_name(c.family));
  s += "config\n";
  line("vocab_size", std::to_string(c.vocab_size));
  line("hidden_size", std::to_string(c.hidden_size));
  line("intermediate_size", std::to_string(c.intermediate_size));
  line("layers", std::to_string(c.num_layers));
  line("heads / kv heads", fmt::format("{} / {}", c.num_heads, c.num_kv_heads));
  line("head_dim", std::to_string(c.head_dim));
  line("rms_norm_eps", fmt::format("{}", c.rms_norm_eps));
  line("max_position_embeddings", std::to_string(c.max_position_embeddings));
  line("activation", std::string(activation_name(c.activation)));
  line("tie_word_embeddings", c.tie_word_embeddings ? "true" : "false");
  line("biases", fmt::format("qkv={} o={} mlp={}", c.qkv_bias, c.o_bias, c.mlp_bias));
  line("norms", fmt::format("qk_norm={} sandwich={} weight_offset={}", c.qk_norm, c.sandwich_norms,
                            c.norm_weight_offset));
  line("fused", fmt::format("qkv={} gate_up={}", c.fused_qkv, c.fused_gate_up));
  line("attention_scale", fmt::format("{:.6g}", c.attention_scale));
  line("softcapping",
       fmt::format("attention={} final={}", c.attn_logit_softcapping, c.final_logit_softcapping));
  line("embedding_scale", fmt::format("{:.6g}", c.embedding_scale));
  line("dtype", c.dtype_name.empty() ? "(not set)" : c.dtype_name);
  line("bos / eos / pad",
       fmt::format("{} / [{}] / {}", c.bos_token_id ? std::to_string(*c.bos_token_id) : "-",
                   fmt::join(c.eos_token_ids, ", "),
                   c.pad_token_id ? std::to_string(*c.pad_token_id) : "-"));
  for (std::size_t i = 0; i < c.ropes.size(); ++i)
    line(fmt::format("rope {}", i), rope_text(c.ropes[i]));
  std::string pattern;
  for (const auto& l : c.layers) pattern += l.attention == AttentionKind::Full ? 'F' : 'S';
  line("attention per layer", pattern + "  (F full, S sliding)");
  for (const auto& l : c.layers)
    if (l.attention == AttentionKind::Sliding) {
      line("sliding_window", std::to_string(l.sliding_window));
      break;
    }

  s += r.weights_present ? "weights\n"
                         : "weights (none in the folder: estimated from config.json)\n";
  line("parameters", fmt::format("{} ({})", r.stats.parameters, human_count(r.stats.parameters)));
  for (const auto& [t, b] : r.stats.bytes_by_dtype)
    line(fmt::format("{} bytes", dtype_name(t)), fmt::format("{} ({})", b, human_bytes(b)));
  for (const auto& f : r.stats.files)
    line(f.name, fmt::format("{} tensors, {} of {} bytes", f.tensors, f.tensor_bytes, f.file_size));
  if (r.folder.weights.lm_head_tied) line("lm_head", "tied to the token embedding");
  if (!r.folder.weights.unexpected.empty())
    line("unexpected tensors", fmt::format("{}", fmt::join(r.folder.weights.unexpected, ", ")));
  if (!r.folder.weights.ignored.empty())
    line("ignored tensors", std::to_string(r.folder.weights.ignored.size()));

  s += "tensors\n";
  int current = -2;
  for (const auto& t : r.tensors) {
    if (t.layer != current) {
      current = t.layer;
      s += current < 0 ? "  global\n" : fmt::format("  layer {}\n", current);
    }
    s += fmt::format("    {:<56} {:<5} {:<16} {}{}\n", t.name,
                     t.quant.empty() ? dtype_name(t.dtype) : "quant", st::format_shape(t.shape),
                     t.file, t.quant.empty() ? "" : "  " + t.quant);
  }
  s += "device memory\n";
  line("weights", human_bytes(r.stats.weight_bytes));
  line(fmt::format("KV cache ({} tok, {})", r.options.ctx, dtype_name(r.options.kv_dtype)),
       human_bytes(r.kv.full) +
           (r.kv.windowed != r.kv.full
                ? fmt::format(" ({} with sliding layers windowed)", human_bytes(r.kv.windowed))
                : ""));
  line("total", human_bytes(r.stats.weight_bytes + r.kv.full));
  return s;
}

}  // namespace vkllm::model
