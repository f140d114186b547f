// The pieces every family's forward pass shares, as transformers writes them:
// the RMSNorm of a layer, a Linear with its optional bias, rotary self-attention
// over the KV cache, the gated MLP, and the output head.
#pragma once

#include <string>

#include "engine/models/forward.h"

namespace vkllm::models {

using model::WeightRole;

// Token embeddings [tokens, hidden], times cfg.embedding_scale (Gemma: sqrt(hidden)).
TensorId embed_tokens(Forward& f);

// RMSNorm with cfg's eps; Gemma's (1 + w) where cfg.norm_weight_offset is 1.
TensorId norm(Forward& f, TensorId x, WeightRole role, int il, const std::string& what);

// x W^T, plus the bias where the checkpoint has one.
TensorId project(Forward& f, TensorId x, WeightRole weight, WeightRole bias, int il,
                 const std::string& what);

// q [tokens, heads * head_dim], k and v [tokens, kv_heads * head_dim], already
// projected (and q/k-normed where the family does that): rope on q and k, k and v
// appended to the layer's cache, attention over it. [tokens, heads * head_dim].
TensorId self_attention(Forward& f, TensorId q, TensorId k, TensorId v, int il);

// The gated MLP's input side: act(h Wg^T + bg) * (h Wu^T + bu) with cfg's activation,
// the layer's Gate and Up weights (or the given ones: blocks of a fused gate_up), the
// three in one matvec for a decode step without biases (Forward::gated_linear).
TensorId ffn_act(Forward& f, TensorId h, int il);
TensorId ffn_act(Forward& f, TensorId h, TensorId w_gate, TensorId w_up, int il);

// The gated MLP: ffn_act, then the down projection.
TensorId gated_mlp(Forward& f, TensorId h, int il);

// residual + x W^T (+ bias): an output projection and the residual add after it,
// fused into one pass for a decode step. `what` names the projection, `sum` the result.
TensorId residual_project(Forward& f, TensorId residual, TensorId x, WeightRole weight,
                          WeightRole bias, int il, const std::string& what, const std::string& sum);
// residual + act W_down^T (+ bias) for act = ffn_act(...): the down projection fused
// with the add.
TensorId residual_ffn_down(Forward& f, TensorId residual, TensorId act, int il,
                           const std::string& sum);

// Per-head RMSNorm of q or k (Qwen3, Gemma 3): weight [head_dim].
TensorId head_norm(Forward& f, TensorId x, WeightRole role, int il, const std::string& what);

// Final norm, the last row unless every position's logits are wanted, lm_head
// (the token embedding when tied), final soft-capping: logits [rows, vocab].
TensorId output_logits(Forward& f, TensorId x);

}  // namespace vkllm::models
