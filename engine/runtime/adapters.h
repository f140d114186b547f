// LoRA adapters (loaders/adapter/lora.h) on the session's devices. Merged: each
// factor pair is folded into the uploaded weight on the device (W += scale B A,
// DoRA's row renormalization), widened to f32 first when the weights must stay
// exact (--precision f32). Unmerged: the factors stay in their own buffers and
// the forward pass adds B (A x) to each adapted Linear (models::LoraFactors).
// Tensors an adapter replaces whole (modules_to_save) are uploaded in their place.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <vector>

#include "engine/models/forward.h"
#include "engine/runtime/device_weights.h"
#include "loaders/adapter/lora.h"

namespace vkllm::runtime {

struct AdapterOptions {
  bool merge = true;
  // Merge into an f32 copy of an f16/bf16 weight instead of rounding the sum to
  // the weight's dtype.
  bool widen = false;
};

class DeviceAdapters {
 public:
  DeviceAdapters() = default;
  // Base weights as the devices hold them: base(d, i) is weight i on devices[d] (an
  // empty range where it is not there), plain or quantized.
  using BaseWeights = std::function<models::WeightBinding(int device, size_t index)>;
  DeviceAdapters(std::span<vk::Device* const> devices, const model::WeightCheck& check,
                 BaseWeights base, std::span<const model::LoraAdapter> adapters,
                 const AdapterOptions& opts);

  // Device bytes the adapters will add per device, before anything is uploaded (the
  // session's memory check); devices_of(i): the devices weight i is placed on.
  static std::vector<uint64_t> bytes_needed(
      const model::WeightCheck& check, std::span<const model::LoraAdapter> adapters,
      const AdapterOptions& opts, size_t devices,
      const std::function<std::vector<int>(size_t)>& devices_of);

  // The i-th weight on device d as the forward pass reads it.
  models::WeightBinding weight(int device, size_t index) const;
  // The factors the forward pass applies to the i-th weight on device d.
  std::span<const models::LoraFactors> factors(int device, size_t index) const;
  // Device bytes the adapters added (factors, replacements, widened copies).
  uint64_t bytes() const { return bytes_; }

 private:
  struct Slot {
    models::WeightBinding binding;  // set where the weight was replaced or widened
    std::vector<models::LoraFactors> factors;
  };
  BaseWeights base_;
  std::map<std::pair<int, size_t>, Slot> slots_;
  std::vector<vk::Buffer> buffers_;
  uint64_t bytes_ = 0;
};

}  // namespace vkllm::runtime
