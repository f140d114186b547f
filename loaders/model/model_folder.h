// A Hugging Face model folder opened and checked: config.json normalized,
// generation_config.json if any, the safetensors files mapped, and every
// expected weight resolved. What the upload and the model builders start from.
#pragma once

#include <filesystem>
#include <optional>

#include "loaders/model/config.h"
#include "loaders/model/generation_config.h"
#include "loaders/model/weights.h"
#include "loaders/safetensors/index.h"

namespace vkllm::model {

struct ModelFolder {
  std::filesystem::path dir;
  ModelConfig config;
  std::optional<GenerationConfig> generation;
  st::ModelFiles files;
  WeightCheck weights;  // refs into `files`
};

// Throws Error on the first problem, naming the file, field or tensor.
ModelFolder open_model_folder(const std::filesystem::path& dir);

}  // namespace vkllm::model
