// Phi-3 (transformers' modeling_phi3.py). Differences from Llama: q, k and v come
// from one fused qkv_proj ([q; k; v] along its rows) and gate and up from one
// gate_up_proj ([gate; up]); each block of rows is its own Linear here, bound to
// a range of the fused weight. Rope may rotate part of each head (and longrope
// scales it), both from the config.
#include "engine/graph/ops.h"
#include "engine/models/families.h"
#include "engine/models/layers.h"

namespace vkllm::models {

TensorId build_phi3(Forward& f) {
  using R = WeightRole;
  namespace ops = graph::ops;
  const uint64_t qs = uint64_t(f.cfg.q_size()), kvs = uint64_t(f.cfg.kv_size());
  const uint64_t ffn = uint64_t(f.cfg.intermediate_size);
  TensorId x = embed_tokens(f);  // [tokens, hidden]
  for (int il = 0; il < f.cfg.num_layers; ++il) {
    f.layer(il);
    auto name = [il](const char* what) { return Forward::name(what, il); };
    TensorId h = norm(f, x, R::AttnNorm, il, "attn_norm");
    TensorId q = f.linear(name("q"), h, f.w_rows(R::QKV, il, 0, qs, "q"));
    TensorId k = f.linear(name("k"), h, f.w_rows(R::QKV, il, qs, kvs, "k"));
    TensorId v = f.linear(name("v"), h, f.w_rows(R::QKV, il, qs + kvs, kvs, "v"));
    TensorId a = self_attention(f, q, k, v, il);
    x = residual_project(f, x, a, R::O, R::OBias, il, "attn_out", "attn_residual");

    h = norm(f, x, R::PostAttnNorm, il, "ffn_norm");
    TensorId act = ffn_act(f, h, f.w_rows(R::GateUp, il, 0, ffn, "gate"),
                           f.w_rows(R::GateUp, il, ffn, ffn, "up"), il);
    x = residual_ffn_down(f, x, act, il, "out");
  }
  return output_logits(f, x);
}

}  // namespace vkllm::models
