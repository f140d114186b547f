// Quantize at load (--quant q8|q4): which weights become which of the engine's
// formats (engine/base/quant.h), and the pass that reads them from the folder a
// batch at a time into scratch device memory and quantizes them on the device,
// so the checkpoint's f32/f16/bf16 copy never stays resident.
//
// As llama.cpp does by default: every Linear of the decoder takes the chosen
// format, the output projection q8 (llama.cpp uses a higher-precision type for
// output.weight), norms and biases stay as stored. Unlike llama.cpp the token
// embedding stays as stored (one row is gathered per token, so its size costs
// memory but not bandwidth), and so does a head tied to it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/graph/backend.h"
#include "engine/models/forward.h"
#include "loaders/model/model_folder.h"

namespace vkllm::runtime {

struct QuantPlan {
  std::string name;                                 // "q4", "q8"
  std::vector<std::optional<QuantFormat>> formats;  // per weight of the WeightCheck
  // The weights that stay as stored, with the reason ("norm", "embedding").
  std::vector<std::pair<std::string, std::string>> kept;
};

// "q8" or "q4" (anything else: Error naming the accepted values).
QuantPlan plan_quantization(const model::WeightCheck& weights, const std::string& name);

// One device's quantized weights: per weight index a binding, or nothing.
struct DeviceQuantized {
  std::vector<vk::Buffer> buffers;
  std::vector<std::optional<models::WeightBinding>> weights;
  uint64_t source_bytes = 0, bytes = 0;  // read from the folder, written on the device
  double seconds = 0;
};

// Quantizes the planned weights that `on_device` selects: on a GPU, or on the CPU
// (host/cpu/quantize, from the mapped files into host memory) for the layers it computes.
DeviceQuantized quantize_weights(const graph::Backend& backend, const model::ModelFolder& folder,
                                 const QuantPlan& plan,
                                 const std::function<bool(size_t index)>& on_device, bool progress);

}  // namespace vkllm::runtime
