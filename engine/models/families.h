// One forward-pass builder per architecture family (one file each), and the
// table that picks one from the normalized config's family.
#pragma once

#include "engine/models/forward.h"

namespace vkllm::models {

// Each builds the whole forward pass into f.g and returns the logits tensor.
TensorId build_llama(Forward& f);  // Llama, Mistral, Qwen2
TensorId build_qwen3(Forward& f);
TensorId build_gemma(Forward& f);
TensorId build_gemma2(Forward& f);
TensorId build_gemma3(Forward& f);
TensorId build_phi3(Forward& f);

using BuildFn = TensorId (*)(Forward&);
BuildFn builder_for(model::Family family);

}  // namespace vkllm::models
