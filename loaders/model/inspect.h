// `vkllm inspect`: a model folder's normalized config, weights and memory needs,
// as text for people or as one JSON object.
#pragma once

#include <cstdint>
#include <string>

#include "loaders/model/model_folder.h"
#include "loaders/model/sizes.h"

namespace vkllm::model {

struct InspectOptions {
  std::uint64_t ctx = 4096;     // tokens of KV cache to account for
  DType kv_dtype = DType::F16;  // KV cache element type
};

struct InspectTensor {
  std::string name;
  WeightRole role;
  int layer = -1;
  DType dtype = DType::F32;
  std::vector<std::uint64_t> shape;
  std::uint64_t bytes = 0;
  std::string file;  // "" when the folder has no weights
  // A weight the checkpoint stores quantized: what it is and what the loader makes of it.
  std::string quant;
};

struct InspectReport {
  // A folder with only config.json (as for planning) is inspected too: tensors and
  // sizes then come from the config, in its dtype (bf16 if it names none).
  bool weights_present = true;
  ModelFolder folder;
  std::vector<InspectTensor> tensors;  // network order
  WeightStats stats;
  KvCacheBytes kv;
  InspectOptions options;
};

InspectReport inspect_model(const std::filesystem::path& dir, const InspectOptions& options);

std::string inspect_json(const InspectReport& r);
std::string inspect_text(const InspectReport& r);

}  // namespace vkllm::model
