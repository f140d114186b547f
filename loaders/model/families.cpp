#include "loaders/model/families.h"

#include <array>

namespace vkllm::model {
namespace {

// Values from transformers' Llama/Mistral/Qwen2/Qwen3/Gemma/Gemma2/Gemma3Text/Phi3Config.
constexpr std::array<FamilyTraits, 8> kFamilies{{
    // model_type     family           vocab  hidden inter  layers heads kv  hd
    {"llama",
     Family::Llama,
     32000,
     4096,
     11008,
     32,
     32,
     0,
     0,
     "silu",
     2048,
     1e-6,
     false,
     10000.0,
     1,
     2,
     std::nullopt,
     std::nullopt,
     false,
     true,
     false,
     false,
     false,
     false},
    {"mistral",
     Family::Mistral,
     32000,
     4096,
     14336,
     32,
     32,
     8,
     0,
     "silu",
     4096 * 32,
     1e-6,
     false,
     10000.0,
     1,
     2,
     std::nullopt,
     4096,
     false,
     false,
     false,
     false,
     false,
     false},
    {"qwen2", Family::Qwen2, 151936, 4096,  22016,   32,           32,           32,           0,
     "silu",  32768,         1e-6,   false, 10000.0, std::nullopt, std::nullopt, std::nullopt, 4096,
     true,    false,         false,  false, false,   false},
    {"qwen3",      Family::Qwen3, 151936, 4096, 22016, 32,      32,           32,
     128,          "silu",        32768,  1e-6, false, 10000.0, std::nullopt, std::nullopt,
     std::nullopt, 4096,          false,  true, true,  false,   false,        false},
    {"gemma", Family::Gemma,       256000, 3072, 24576, 28,      16,    16,
     256,     "gelu_pytorch_tanh", 8192,   1e-6, true,  10000.0, 2,     1,
     0,       std::nullopt,        false,  true, false, false,   false, true},
    {"gemma2", Family::Gemma2, 256000, 2304,    9216, 26, 8, 4,    256,   "gelu_pytorch_tanh",
     8192,     1e-6,           true,   10000.0, 2,    1,  0, 4096, false, true,
     false,    true,           false,  true},
    {"gemma3_text",
     Family::Gemma3,
     262208,
     2304,
     9216,
     26,
     8,
     4,
     256,
     "gelu_pytorch_tanh",
     131072,
     1e-6,
     true,
     1000000.0,
     2,
     1,
     0,
     4096,
     false,
     true,
     true,
     true,
     false,
     true},
    {"phi3", Family::Phi3, 32064, 3072,  8192,  32,      32,   0,
     0,      "silu",       4096,  1e-5,  false, 10000.0, 1,    32000,
     32000,  std::nullopt, false, false, false, false,   true, false},
}};

}  // namespace

const FamilyTraits* find_family(std::string_view model_type) {
  for (const auto& f : kFamilies)
    if (f.model_type == model_type) return &f;
  return nullptr;
}

std::string_view supported_model_types() {
  return "llama, mistral, qwen2, qwen3, gemma, gemma2, gemma3, gemma3_text, phi3";
}

}  // namespace vkllm::model
