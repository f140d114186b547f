// Quantized checkpoint weights (model::CheckpointQuant) repacked on the host into
// the engine's layout (engine/base/quant.h), row by row.
#pragma once

#include <cstddef>
#include <span>

#include "loaders/model/weights.h"

namespace vkllm::model {

// Writes w's rows into `out` (w.device_bytes() bytes). Throws Error naming the
// tensor when a code table is not the one the format defines.
void repack_quantized(const ResolvedWeight& w, std::span<std::byte> out);

}  // namespace vkllm::model
