// Which device runs each part of the network: transformers' explicit device_map
// form ({"model.embed_tokens": 0, "model.layers.0": 0, ..., "model.norm": 1,
// "lm_head": 1}) read from a JSON file, or everything on device 0.
#pragma once

#include <filesystem>
#include <string_view>

#include "engine/models/forward.h"

namespace vkllm::runtime {

// Every layer, the embedding, the final norm and the head on device 0.
models::Placement single_device(const model::ModelConfig& cfg);

// Parses a device map; values are indices into the devices the session opened
// (--device 0,1 or 0,0). Throws Error naming the key on a missing layer, an
// unknown key, an index past `devices`, or a value other than an index ("cpu"
// and "disk" are not supported yet).
models::Placement parse_device_map(std::string_view json, const model::ModelConfig& cfg,
                                   int devices, std::string_view file = "device map");
models::Placement load_device_map(const std::filesystem::path& file, const model::ModelConfig& cfg,
                                  int devices);

}  // namespace vkllm::runtime
