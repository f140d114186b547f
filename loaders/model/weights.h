// Hugging Face tensor names of each family's weights, the shapes config.json
// implies for them, and the check of a folder's safetensors files against them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loaders/model/config.h"
#include "loaders/safetensors/index.h"

namespace vkllm::model {

enum class WeightRole {
  TokenEmbedding,  // model.embed_tokens.weight        [vocab, hidden]
  OutputNorm,      // model.norm.weight                [hidden]
  LmHead,          // lm_head.weight                   [vocab, hidden]
  AttnNorm,        // input_layernorm                  [hidden]
  Q,
  K,
  V,    // self_attn.{q,k,v}_proj.weight    [q_size | kv_size, hidden]
  QKV,  // phi3 self_attn.qkv_proj.weight   [q_size + 2 kv_size, hidden]
  QBias,
  KBias,
  VBias,
  O,  // self_attn.o_proj.weight          [hidden, q_size]
  OBias,
  QNorm,
  KNorm,         // self_attn.{q,k}_norm.weight      [head_dim]
  PostAttnNorm,  // post_attention_layernorm          [hidden]
  PreFfnNorm,    // gemma2/3 pre_feedforward_layernorm [hidden]
  PostFfnNorm,   // gemma2/3 post_feedforward_layernorm [hidden]
  Gate,
  Up,      // mlp.{gate,up}_proj.weight        [intermediate, hidden]
  GateUp,  // phi3 mlp.gate_up_proj.weight     [2 intermediate, hidden]
  Down,    // mlp.down_proj.weight             [hidden, intermediate]
  GateBias,
  UpBias,
  DownBias,
};

std::string_view weight_role_name(WeightRole r);

struct ExpectedTensor {
  std::string name;  // the HF name, prefix included
  WeightRole role;
  int layer = -1;  // -1 for embeddings, final norm and lm_head
  std::vector<std::uint64_t> shape;
};

// Where a family's tensors live: "model." + "lm_head.weight" for *ForCausalLM;
// multimodal gemma3 checkpoints nest the text model.
struct WeightPrefix {
  std::string decoder = "model.";
  std::string lm_head = "lm_head.weight";
};

// The tensors the config implies, in network order. With tied embeddings there is
// no LmHead entry.
std::vector<ExpectedTensor> expected_tensors(const ModelConfig& config,
                                             const WeightPrefix& prefix = {});

struct ResolvedWeight {
  ExpectedTensor expected;
  st::TensorRef ref;
  DType dtype = DType::F32;
};

struct WeightCheck {
  WeightPrefix prefix;
  std::vector<ResolvedWeight> weights;  // expected_tensors order
  // With tie_word_embeddings the output projection reads the token embedding.
  bool lm_head_tied = false;
  std::vector<std::string> unexpected;  // neither expected nor known to be unused
  std::vector<std::string> ignored;  // known unused: rotary inv_freq, a tied lm_head, vision tower

  const ResolvedWeight* find(WeightRole role, int layer = -1) const;
};

// Resolves every expected tensor in `files`. Throws Error on a missing tensor (naming
// it and the files searched), a shape that differs from the config's (expected vs
// found), or a dtype other than F32/F16/BF16. Logs a warning listing unexpected tensors.
WeightCheck check_weights(const ModelConfig& config, const st::ModelFiles& files);

}  // namespace vkllm::model
