// A model's weights in device buffers: each checked tensor read from its
// safetensors file straight into device memory (no host copy of the file),
// shards and chunks in parallel, in the dtype the checkpoint stores. Weights a
// checkpoint stores quantized (bitsandbytes) are repacked on the host into the
// engine's layout (loaders/model/repack.h) on the way. On the CPU a weight is the
// file's bytes where the safetensors file is mapped: nothing is read or copied up
// front, and a model larger than memory still runs from the page cache.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "engine/graph/backend.h"
#include "engine/vulkan/stream.h"
#include "loaders/model/model_folder.h"

namespace vkllm::model {

struct DeviceTensor {
  const vk::Buffer* buffer = nullptr;
  uint64_t offset = 0;
  uint64_t bytes = 0;
  DType dtype = DType::F32;
  std::vector<uint64_t> shape;
  std::optional<QuantFormat> quant;  // repacked from a quantized checkpoint
  uint64_t perm_offset = 0;          // GPTQ act-order: u32 [k] column order after the rows
  uint64_t perm_count = 0;
  vk::BufferRange range() const { return vk::BufferRange(*buffer, offset, bytes); }
};

struct DeviceWeights {
  std::vector<vk::Buffer> buffers;
  // Parallel to ModelFolder::weights.weights; entries not uploaded have no buffer.
  std::vector<DeviceTensor> tensors;
  uint64_t bytes = 0;
  double seconds = 0;
};

struct UploadOptions {
  unsigned threads = 0;   // 0: one per core, at most 16
  bool progress = false;  // draw a progress bar on stderr
  uint64_t chunk_bytes = 64ull << 20;
  // Which weights go to this device (all when empty): the device map's filter.
  std::function<bool(const ResolvedWeight&)> select;
};

DeviceWeights upload_weights(const graph::Backend& device, const ModelFolder& folder,
                             const UploadOptions& opts = {});

}  // namespace vkllm::model
