// Llama 2/3/3.1/3.2 and Mistral (transformers' modeling_llama.py,
// modeling_mistral.py), and Qwen2 (modeling_qwen2.py), which is the same network
// with q/k/v biases: project() adds a bias wherever the checkpoint has one.
// Mistral's and Qwen2's sliding windows come per layer from the config.
#include "engine/graph/ops.h"
#include "engine/models/families.h"
#include "engine/models/layers.h"

namespace vkllm::models {

TensorId build_llama(Forward& f) {
  using R = WeightRole;
  TensorId x = embed_tokens(f);  // [tokens, hidden]
  for (int il = 0; il < f.cfg.num_layers; ++il) {
    f.layer(il);
    TensorId h = norm(f, x, R::AttnNorm, il, "attn_norm");  // [tokens, hidden]
    TensorId q = project(f, h, R::Q, R::QBias, il, "q");    // [tokens, heads * head_dim]
    TensorId k = project(f, h, R::K, R::KBias, il, "k");    // [tokens, kv_heads * head_dim]
    TensorId v = project(f, h, R::V, R::VBias, il, "v");    // [tokens, kv_heads * head_dim]
    TensorId a = self_attention(f, q, k, v, il);            // [tokens, heads * head_dim]
    x = residual_project(f, x, a, R::O, R::OBias, il, "attn_out", "attn_residual");

    h = norm(f, x, R::PostAttnNorm, il, "ffn_norm");
    x = residual_ffn_down(f, x, ffn_act(f, h, il), il, "out");  // [tokens, hidden]
  }
  return output_logits(f, x);  // [tokens or 1, vocab]
}

}  // namespace vkllm::models
