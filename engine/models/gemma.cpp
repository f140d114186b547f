// Gemma (transformers' modeling_gemma.py). Differences from Llama: embeddings
// are scaled by sqrt(hidden_size); every RMSNorm multiplies by (1 + w) (Gemma
// stores w - 1; cfg.norm_weight_offset); the MLP uses GELU (tanh form); the
// output head is tied to the embedding. All four come from the normalized config,
// so the pass reads as Llama's.
#include "engine/graph/ops.h"
#include "engine/models/families.h"
#include "engine/models/layers.h"

namespace vkllm::models {

TensorId build_gemma(Forward& f) {
  using R = WeightRole;
  TensorId x = embed_tokens(f);  // [tokens, hidden], times sqrt(hidden)
  for (int il = 0; il < f.cfg.num_layers; ++il) {
    f.layer(il);
    TensorId h = norm(f, x, R::AttnNorm, il, "attn_norm");  // (1 + w)
    TensorId q = project(f, h, R::Q, R::QBias, il, "q");
    TensorId k = project(f, h, R::K, R::KBias, il, "k");
    TensorId v = project(f, h, R::V, R::VBias, il, "v");
    TensorId a = self_attention(f, q, k, v, il);
    x = residual_project(f, x, a, R::O, R::OBias, il, "attn_out", "attn_residual");

    h = norm(f, x, R::PostAttnNorm, il, "ffn_norm");
    x = residual_ffn_down(f, x, ffn_act(f, h, il), il, "out");  // GELU
  }
  return output_logits(f, x);
}

}  // namespace vkllm::models
