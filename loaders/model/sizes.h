// Size accounting for a checked model: parameters, weight bytes by dtype and by
// file, and the KV cache a context of N tokens needs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "loaders/model/weights.h"

namespace vkllm::model {

struct FileBytes {
  std::string name;
  std::uint64_t file_size = 0;
  std::uint64_t tensor_bytes = 0;  // bytes of the weights the model uses from it
  std::size_t tensors = 0;         // weights the model uses from it
};

struct WeightStats {
  std::uint64_t parameters = 0;    // elements of every used weight; tied embeddings once
  std::uint64_t weight_bytes = 0;  // device memory for the weights as stored
  std::map<DType, std::uint64_t> bytes_by_dtype;
  std::vector<FileBytes> files;  // in ModelFiles order
};

WeightStats weight_stats(const WeightCheck& check, const st::ModelFiles& files);

struct KvCacheBytes {
  // Every layer keeps all N tokens (what a flat cache allocates).
  std::uint64_t full = 0;
  // Sliding layers keep only min(N, sliding_window) tokens (a ring buffer per layer).
  std::uint64_t windowed = 0;
};

// K and V of num_kv_heads x head_dim per token and layer, in `kv_dtype`.
KvCacheBytes kv_cache_bytes(const ModelConfig& config, std::uint64_t tokens, DType kv_dtype);

}  // namespace vkllm::model
