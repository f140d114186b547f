#include "engine/models/families.h"

#include "engine/base/error.h"

namespace vkllm::models {

BuildFn builder_for(model::Family family) {
  using F = model::Family;
  struct Entry {
    F family;
    BuildFn build;
  };
  static constexpr Entry table[] = {
      {F::Llama, build_llama},   {F::Mistral, build_llama}, {F::Qwen2, build_llama},
      {F::Qwen3, build_qwen3},   {F::Gemma, build_gemma},   {F::Gemma2, build_gemma2},
      {F::Gemma3, build_gemma3}, {F::Phi3, build_phi3},
  };
  for (const Entry& e : table)
    if (e.family == family) return e.build;
  fail("models: no forward pass for family {}", model::family_name(family));
}

}  // namespace vkllm::models
