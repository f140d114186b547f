// Which device runs each part of the network: transformers' explicit device_map
// form ({"model.embed_tokens": 0, "model.layers.0": 0, ..., "model.norm": "cpu",
// "lm_head": 1}) read from a JSON file, or everything on device 0.
#pragma once

#include <filesystem>
#include <string_view>

#include "engine/models/forward.h"

namespace vkllm::runtime {

// Every layer, the embedding, the final norm and the head on device 0.
models::Placement single_device(const model::ModelConfig& cfg);

// Parses a device map; values are indices into the devices the session opened
// (--device 0,1 or 0,0), or "cpu" / "disk" for the CPU, device index `cpu` (-1:
// `devices`, one past the opened ones; Placement::devices then counts it). Throws
// Error naming the key on a missing layer, an unknown key, an index past
// `devices`, or any other value.
models::Placement parse_device_map(std::string_view json, const model::ModelConfig& cfg,
                                   int devices, std::string_view file = "device map", int cpu = -1);
models::Placement load_device_map(const std::filesystem::path& file, const model::ModelConfig& cfg,
                                  int devices, int cpu = -1);

}  // namespace vkllm::runtime
