#include "engine/models/layers.h"

#include "engine/graph/ops.h"

namespace vkllm::models {

namespace ops = graph::ops;

TensorId embed_tokens(Forward& f) {
  f.layer(-1);
  return ops::embed(f.g, "embed", f.w(WeightRole::TokenEmbedding), f.ids(),
                    float(f.cfg.embedding_scale));
}

TensorId norm(Forward& f, TensorId x, WeightRole role, int il, const std::string& what) {
  return f.rms_norm(Forward::name(what, il), x, f.w(role, il), float(f.cfg.rms_norm_eps),
                    f.cfg.norm_weight_offset != 0.0);
}

TensorId project(Forward& f, TensorId x, WeightRole weight, WeightRole bias, int il,
                 const std::string& what) {
  TensorId y = f.linear(Forward::name(what, il), x, f.w(weight, il));
  if (f.has(bias, il)) ops::add_bias(f.g, y, f.w(bias, il));
  return y;
}

TensorId head_norm(Forward& f, TensorId x, WeightRole role, int il, const std::string& what) {
  return ops::rms_norm(f.g, Forward::name(what, il), x, f.w(role, il), float(f.cfg.rms_norm_eps),
                       f.cfg.norm_weight_offset != 0.0, uint32_t(f.cfg.head_dim));
}

TensorId self_attention(Forward& f, TensorId q, TensorId k, TensorId v, int il) {
  const model::ModelConfig& c = f.cfg;
  const uint32_t heads = uint32_t(c.num_heads), kv_heads = uint32_t(c.num_kv_heads);
  const uint32_t hd = uint32_t(c.head_dim), rot = uint32_t(c.rope(il).rotary_dim);
  TensorId pos = f.places();  // rope reads the positions, attention the cache rows too
  const kernels::AttentionKey key{f.shape.cache};
  const kernels::AttentionShape shape{.tokens = f.shape.tokens,
                                      .heads = heads,
                                      .kv_heads = kv_heads,
                                      .head_dim = hd,
                                      .max_pos = f.shape.ctx,
                                      .window = uint32_t(c.layers[size_t(il)].sliding_window),
                                      .scale = float(c.attention_scale),
                                      .softcap = float(c.attn_logit_softcapping)};
  TensorId kc = f.k_cache(il), vc = f.v_cache(il);
  const std::string q_name = Forward::name("q_rope", il), k_name = Forward::name("k_rope", il);
  if (f.g.kept(k_name)) {  // --dump asks for the rotated keys: rope k on its own
    q = ops::rope(f.g, q_name, q, pos, f.rope_cos(il), f.rope_sin(il), heads, hd, rot);
    k = ops::rope(f.g, k_name, k, pos, f.rope_cos(il), f.rope_sin(il), kv_heads, hd, rot);
    ops::kv_append(f.g, key, shape, k, v, pos, kc, vc);
  } else {
    q = ops::rope_append(f.g, q_name, key, shape, rot, q, k, v, pos, f.rope_cos(il), f.rope_sin(il),
                         kc, vc);
  }
  return ops::attention(f.g, Forward::name("attn", il), key, shape, f.shape.decode, q, kc, vc, pos);
}

namespace {
kernels::Activation activation(const Forward& f) {
  return f.cfg.activation == model::Activation::Silu ? kernels::Activation::SiLU
                                                     : kernels::Activation::GeluTanh;
}
}  // namespace

TensorId ffn_act(Forward& f, TensorId h, int il) {
  if (f.has(WeightRole::GateBias, il) || f.has(WeightRole::UpBias, il)) {
    TensorId gate = project(f, h, WeightRole::Gate, WeightRole::GateBias, il, "ffn_gate");
    TensorId up = project(f, h, WeightRole::Up, WeightRole::UpBias, il, "ffn_up");
    return graph::ops::gated(f.g, Forward::name("ffn_act", il), activation(f), gate, up);
  }
  return ffn_act(f, h, f.w(WeightRole::Gate, il), f.w(WeightRole::Up, il), il);
}

TensorId ffn_act(Forward& f, TensorId h, TensorId w_gate, TensorId w_up, int il) {
  return f.gated_linear(Forward::name("ffn_gate", il), Forward::name("ffn_up", il),
                        Forward::name("ffn_act", il), activation(f), h, w_gate, w_up);
}

TensorId gated_mlp(Forward& f, TensorId h, int il) {
  return project(f, ffn_act(f, h, il), WeightRole::Down, WeightRole::DownBias, il, "ffn_down");
}

TensorId residual_project(Forward& f, TensorId residual, TensorId x, WeightRole weight,
                          WeightRole bias, int il, const std::string& what,
                          const std::string& sum) {
  if (f.has(bias, il))
    return ops::add(f.g, Forward::name(sum, il), residual, project(f, x, weight, bias, il, what));
  return f.linear_residual(Forward::name(what, il), Forward::name(sum, il), x, f.w(weight, il),
                           residual);
}

TensorId residual_ffn_down(Forward& f, TensorId residual, TensorId act, int il,
                           const std::string& sum) {
  return residual_project(f, residual, act, WeightRole::Down, WeightRole::DownBias, il, "ffn_down",
                          sum);
}

TensorId output_logits(Forward& f, TensorId x) {
  f.final_norm();
  if (f.shape.logit_rows > 0)
    x = ops::gather_rows(f.g, "last_hidden", x, f.logit_rows());
  else if (!f.shape.all_logits && f.shape.tokens > 1)
    x = ops::last_row(f.g, "last_hidden", x);
  x = norm(f, x, WeightRole::OutputNorm, -1, "output_norm");
  f.lm_head();
  // Tied embeddings: the output projection is the token embedding.
  const WeightRole head =
      f.has(WeightRole::LmHead) ? WeightRole::LmHead : WeightRole::TokenEmbedding;
  TensorId logits = f.linear("logits", x, f.w(head));
  if (f.cfg.final_logit_softcapping > 0)
    ops::softcap(f.g, logits, float(f.cfg.final_logit_softcapping));
  f.g.mark_output(logits);
  return logits;
}

}  // namespace vkllm::models
