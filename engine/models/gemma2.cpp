// Gemma 2 (transformers' modeling_gemma2.py). Differences from Gemma: "sandwich"
// norms (the attention and MLP outputs are normed before their residual adds,
// and the MLP input has its own pre_feedforward norm); attention scores scaled
// by query_pre_attn_scalar^-0.5 and soft-capped; sliding-window attention on
// every other layer; final logits soft-capped. Scale, caps and windows come from
// the config.
#include "engine/graph/ops.h"
#include "engine/models/families.h"
#include "engine/models/layers.h"

namespace vkllm::models {

TensorId build_gemma2(Forward& f) {
  using R = WeightRole;
  TensorId x = embed_tokens(f);  // [tokens, hidden], times sqrt(hidden)
  for (int il = 0; il < f.cfg.num_layers; ++il) {
    f.layer(il);
    TensorId h = norm(f, x, R::AttnNorm, il, "attn_norm");
    TensorId q = project(f, h, R::Q, R::QBias, il, "q");
    TensorId k = project(f, h, R::K, R::KBias, il, "k");
    TensorId v = project(f, h, R::V, R::VBias, il, "v");
    TensorId a = self_attention(f, q, k, v, il);  // soft-capped scores, window on sliding layers
    TensorId o = project(f, a, R::O, R::OBias, il, "attn_out");
    o = norm(f, o, R::PostAttnNorm, il, "attn_post_norm");  // Gemma 2: normed before the add
    x = graph::ops::add(f.g, Forward::name("attn_residual", il), x, o);

    h = norm(f, x, R::PreFfnNorm, il, "ffn_norm");
    TensorId m = norm(f, gated_mlp(f, h, il), R::PostFfnNorm, il, "ffn_post_norm");
    x = graph::ops::add(f.g, Forward::name("out", il), x, m);
  }
  return output_logits(f, x);  // soft-capped
}

}  // namespace vkllm::models
