// Gemma 3 text (transformers' modeling_gemma3.py). Differences from Gemma 2:
// per-head RMSNorms of q and k (1 + w) before rope and no attention soft-capping;
// sliding layers use the local rope base (rope_local_base_freq), full layers the
// global one with its scaling (cfg.layers[il].rope picks the table).
#include "engine/graph/ops.h"
#include "engine/models/families.h"
#include "engine/models/layers.h"

namespace vkllm::models {

TensorId build_gemma3(Forward& f) {
  using R = WeightRole;
  TensorId x = embed_tokens(f);  // [tokens, hidden], times sqrt(hidden)
  for (int il = 0; il < f.cfg.num_layers; ++il) {
    f.layer(il);
    TensorId h = norm(f, x, R::AttnNorm, il, "attn_norm");
    TensorId q = project(f, h, R::Q, R::QBias, il, "q");
    TensorId k = project(f, h, R::K, R::KBias, il, "k");
    TensorId v = project(f, h, R::V, R::VBias, il, "v");
    q = head_norm(f, q, R::QNorm, il, "q_norm");  // Gemma 3: q/k norms
    k = head_norm(f, k, R::KNorm, il, "k_norm");
    TensorId a = self_attention(f, q, k, v, il);  // local or global rope table
    TensorId o = project(f, a, R::O, R::OBias, il, "attn_out");
    o = norm(f, o, R::PostAttnNorm, il, "attn_post_norm");
    x = graph::ops::add(f.g, Forward::name("attn_residual", il), x, o);

    h = norm(f, x, R::PreFfnNorm, il, "ffn_norm");
    TensorId m = norm(f, gated_mlp(f, h, il), R::PostFfnNorm, il, "ffn_post_norm");
    x = graph::ops::add(f.g, Forward::name("out", il), x, m);
  }
  return output_logits(f, x);
}

}  // namespace vkllm::models
