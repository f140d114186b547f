#include "loaders/model/sizes.h"

#include <algorithm>

namespace vkllm::model {

WeightStats weight_stats(const WeightCheck& check, const st::ModelFiles& files) {
  WeightStats s;
  for (const auto& f : files.files()) s.files.push_back({f.file_name(), f.file_size(), 0, 0});
  for (const auto& w : check.weights) {
    const std::uint64_t bytes = w.ref.info->size();
    s.parameters += w.ref.info->numel();
    s.weight_bytes += bytes;
    s.bytes_by_dtype[w.dtype] += bytes;
    for (std::size_t i = 0; i < files.files().size(); ++i) {
      if (&files.files()[i] == w.ref.file) {
        s.files[i].tensor_bytes += bytes;
        ++s.files[i].tensors;
      }
    }
  }
  return s;
}

KvCacheBytes kv_cache_bytes(const ModelConfig& c, std::uint64_t tokens, DType kv_dtype) {
  const std::uint64_t per_token =
      2 * static_cast<std::uint64_t>(c.kv_size()) * dtype_size(kv_dtype);
  KvCacheBytes kv;
  for (const auto& l : c.layers) {
    kv.full += per_token * tokens;
    const std::uint64_t kept =
        l.attention == AttentionKind::Sliding
            ? std::min<std::uint64_t>(tokens, static_cast<std::uint64_t>(l.sliding_window))
            : tokens;
    kv.windowed += per_token * kept;
  }
  return kv;
}

}  // namespace vkllm::model
