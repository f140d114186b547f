// A model folder's weights: one model.safetensors, or shards listed by
// model.safetensors.index.json. Finds any tensor by name across shards.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "loaders/safetensors/file.h"

namespace vkllm::st {

inline constexpr std::string_view kSingleFileName = "model.safetensors";
inline constexpr std::string_view kIndexFileName = "model.safetensors.index.json";

// model.safetensors.index.json as written by transformers; metadata keys other
// than total_size are ignored.
struct CheckpointIndex {
  std::map<std::string, std::string> weight_map;  // tensor name -> shard file name
  std::optional<std::uint64_t> total_size;        // metadata.total_size, if given
  std::vector<std::string> shard_names() const;   // sorted, unique
};

// Parses the index JSON text; `file_name` is used in error messages.
CheckpointIndex parse_checkpoint_index(std::string_view text, std::string_view file_name);

struct TensorRef {
  const SafetensorsFile* file = nullptr;
  const TensorInfo* info = nullptr;

  std::span<const std::byte> data() const { return file->data(*info); }
};

class ModelFiles {
 public:
  // Opens and validates every safetensors file of the folder. Throws Error naming
  // the folder, index, shard and tensor on any inconsistency.
  static ModelFiles open(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  bool sharded() const { return index_.has_value(); }
  const std::optional<CheckpointIndex>& index() const { return index_; }
  const std::vector<SafetensorsFile>& files() const { return files_; }

  std::optional<TensorRef> find(std::string_view name) const;
  // Throws Error naming the folder when `name` is absent.
  TensorRef at(std::string_view name) const;
  // Every tensor, file by file in index order, each file by offset.
  std::vector<TensorRef> tensors() const;
  std::size_t tensor_count() const { return by_name_.size(); }

  // Tensors found in a shard that the index's weight_map does not list.
  const std::vector<std::string>& unindexed() const { return unindexed_; }

 private:
  std::filesystem::path dir_;
  std::optional<CheckpointIndex> index_;
  std::vector<SafetensorsFile> files_;
  std::unordered_map<std::string_view, TensorRef> by_name_;
  std::vector<std::string> unindexed_;
};

}  // namespace vkllm::st
