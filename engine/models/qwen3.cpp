// Qwen3 (transformers' modeling_qwen3.py): Llama with an RMSNorm over each head
// of q and of k (weights [head_dim]) before rope, and no q/k/v biases.
#include "engine/graph/ops.h"
#include "engine/models/families.h"
#include "engine/models/layers.h"

namespace vkllm::models {

TensorId build_qwen3(Forward& f) {
  using R = WeightRole;
  TensorId x = embed_tokens(f);  // [tokens, hidden]
  for (int il = 0; il < f.cfg.num_layers; ++il) {
    f.layer(il);
    TensorId h = norm(f, x, R::AttnNorm, il, "attn_norm");
    TensorId q = project(f, h, R::Q, R::QBias, il, "q");  // [tokens, heads * head_dim]
    TensorId k = project(f, h, R::K, R::KBias, il, "k");  // [tokens, kv_heads * head_dim]
    TensorId v = project(f, h, R::V, R::VBias, il, "v");
    // Qwen3: per-head norms of q and k.
    q = head_norm(f, q, R::QNorm, il, "q_norm");
    k = head_norm(f, k, R::KNorm, il, "k_norm");
    TensorId a = self_attention(f, q, k, v, il);
    x = residual_project(f, x, a, R::O, R::OBias, il, "attn_out", "attn_residual");

    h = norm(f, x, R::PostAttnNorm, il, "ffn_norm");
    x = residual_ffn_down(f, x, ffn_act(f, h, il), il, "out");
  }
  return output_logits(f, x);
}

}  // namespace vkllm::models
