#include "loaders/model/weights.h"

#include <unordered_set>

#include "engine/base/error.h"
#include "engine/base/log.h"

namespace vkllm::model {

std::string_view weight_role_name(WeightRole r) {
  static constexpr std::string_view kNames[] = {"token_embedding",
                                                "output_norm",
                                                "lm_head",
                                                "attn_norm",
                                                "q",
                                                "k",
                                                "v",
                                                "qkv",
                                                "q_bias",
                                                "k_bias",
                                                "v_bias",
                                                "o",
                                                "o_bias",
                                                "q_norm",
                                                "k_norm",
                                                "post_attn_norm",
                                                "pre_ffn_norm",
                                                "post_ffn_norm",
                                                "gate",
                                                "up",
                                                "gate_up",
                                                "down",
                                                "gate_bias",
                                                "up_bias",
                                                "down_bias"};
  return kNames[static_cast<std::size_t>(r)];
}

std::vector<ExpectedTensor> expected_tensors(const ModelConfig& c, const WeightPrefix& prefix) {
  using U = std::uint64_t;
  const U hidden = c.hidden_size, inter = c.intermediate_size, vocab = c.vocab_size;
  const U q = c.q_size(), kv = c.kv_size(), hd = c.head_dim;
  std::vector<ExpectedTensor> out;
  auto add = [&](std::string name, WeightRole role, int layer, std::vector<U> shape) {
    out.push_back({std::move(name), role, layer, std::move(shape)});
  };
  const std::string& m = prefix.decoder;
  add(m + "embed_tokens.weight", WeightRole::TokenEmbedding, -1, {vocab, hidden});
  for (int i = 0; i < static_cast<int>(c.num_layers); ++i) {
    const std::string l = m + "layers." + std::to_string(i) + ".";
    const std::string a = l + "self_attn.";
    const std::string f = l + "mlp.";
    add(l + "input_layernorm.weight", WeightRole::AttnNorm, i, {hidden});
    if (c.fused_qkv) {
      add(a + "qkv_proj.weight", WeightRole::QKV, i, {q + 2 * kv, hidden});
    } else {
      add(a + "q_proj.weight", WeightRole::Q, i, {q, hidden});
      add(a + "k_proj.weight", WeightRole::K, i, {kv, hidden});
      add(a + "v_proj.weight", WeightRole::V, i, {kv, hidden});
    }
    if (c.qkv_bias) {
      add(a + "q_proj.bias", WeightRole::QBias, i, {q});
      add(a + "k_proj.bias", WeightRole::KBias, i, {kv});
      add(a + "v_proj.bias", WeightRole::VBias, i, {kv});
    }
    if (c.qk_norm) {
      add(a + "q_norm.weight", WeightRole::QNorm, i, {hd});
      add(a + "k_norm.weight", WeightRole::KNorm, i, {hd});
    }
    add(a + "o_proj.weight", WeightRole::O, i, {hidden, q});
    if (c.o_bias) add(a + "o_proj.bias", WeightRole::OBias, i, {hidden});
    add(l + "post_attention_layernorm.weight", WeightRole::PostAttnNorm, i, {hidden});
    if (c.sandwich_norms) {
      add(l + "pre_feedforward_layernorm.weight", WeightRole::PreFfnNorm, i, {hidden});
      add(l + "post_feedforward_layernorm.weight", WeightRole::PostFfnNorm, i, {hidden});
    }
    if (c.fused_gate_up) {
      add(f + "gate_up_proj.weight", WeightRole::GateUp, i, {2 * inter, hidden});
    } else {
      add(f + "gate_proj.weight", WeightRole::Gate, i, {inter, hidden});
      add(f + "up_proj.weight", WeightRole::Up, i, {inter, hidden});
    }
    add(f + "down_proj.weight", WeightRole::Down, i, {hidden, inter});
    if (c.mlp_bias) {
      add(f + "gate_proj.bias", WeightRole::GateBias, i, {inter});
      add(f + "up_proj.bias", WeightRole::UpBias, i, {inter});
      add(f + "down_proj.bias", WeightRole::DownBias, i, {hidden});
    }
  }
  add(m + "norm.weight", WeightRole::OutputNorm, -1, {hidden});
  if (!c.tie_word_embeddings) add(prefix.lm_head, WeightRole::LmHead, -1, {vocab, hidden});
  return out;
}

const ResolvedWeight* WeightCheck::find(WeightRole role, int layer) const {
  for (const auto& w : weights)
    if (w.expected.role == role && w.expected.layer == layer) return &w;
  return nullptr;
}

namespace {

// Multimodal gemma3 checkpoints keep the text model under one of these prefixes
// (transformers 4 and 5 layouts).
WeightPrefix find_prefix(const ModelConfig& c, const st::ModelFiles& files) {
  if (!c.multimodal_wrapper) return {};
  const WeightPrefix candidates[] = {
      {"language_model.model.", "language_model.lm_head.weight"},
      {"model.language_model.", "lm_head.weight"},
      {"model.", "lm_head.weight"},
  };
  for (const auto& p : candidates)
    if (files.find(p.decoder + "embed_tokens.weight")) return p;
  return candidates[0];
}

bool known_unused(std::string_view name, const ModelConfig& c) {
  if (name.ends_with("rotary_emb.inv_freq")) return true;
  if (c.multimodal_wrapper)
    for (std::string_view p : {"vision_tower.", "multi_modal_projector.", "model.vision_tower.",
                               "model.multi_modal_projector."})
      if (name.starts_with(p)) return true;
  return false;
}

std::string searched_files(const st::ModelFiles& files) {
  if (files.files().size() == 1) return files.files().front().file_name();
  return fmt::format("any of the {} shards of {}", files.files().size(), st::kIndexFileName);
}

}  // namespace

WeightCheck check_weights(const ModelConfig& c, const st::ModelFiles& files) {
  WeightCheck check;
  check.prefix = find_prefix(c, files);
  check.lm_head_tied = c.tie_word_embeddings;
  std::unordered_set<std::string_view> used;
  for (auto& e : expected_tensors(c, check.prefix)) {
    const auto ref = files.find(e.name);
    if (!ref)
      fail("model: {}: tensor '{}' ({}{}) is not in {}", files.dir().string(), e.name,
           weight_role_name(e.role), e.layer >= 0 ? fmt::format(" of layer {}", e.layer) : "",
           searched_files(files));
    const st::TensorInfo& info = *ref->info;
    if (info.shape != e.shape)
      fail("model: {}: tensor '{}' has shape {}, config.json implies {}", ref->file->file_name(),
           e.name, st::format_shape(info.shape), st::format_shape(e.shape));
    const auto dtype = st::to_engine_dtype(info.dtype);
    if (!dtype)
      fail("model: {}: tensor '{}' has dtype {}, expected F32, F16 or BF16", ref->file->file_name(),
           e.name, st::dtype_name(info.dtype));
    used.insert(info.name);
    check.weights.push_back({std::move(e), *ref, *dtype});
  }
  for (const auto& ref : files.tensors()) {
    const std::string& name = ref.info->name;
    if (used.contains(name)) continue;
    if (known_unused(name, c) || (c.tie_word_embeddings && name == check.prefix.lm_head))
      check.ignored.push_back(name);
    else
      check.unexpected.push_back(name);
  }
  if (!check.unexpected.empty()) {
    const std::size_t shown = std::min<std::size_t>(check.unexpected.size(), 8);
    spdlog::warn("model: {}: {} tensors that a {} model does not use: {}{}", files.dir().string(),
                 check.unexpected.size(), c.model_type,
                 fmt::join(check.unexpected.begin(), check.unexpected.begin() + shown, ", "),
                 shown < check.unexpected.size() ? ", ..." : "");
  }
  return check;
}

}  // namespace vkllm::model
