// A PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors)
// resolved against a base model's weights: for each adapted Linear its rank,
// scale and factors, checked against the base's shapes, and the full tensors
// the adapter replaces (modules_to_save, trained biases).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "loaders/adapter/lora_config.h"
#include "loaders/model/weights.h"
#include "loaders/safetensors/file.h"

namespace vkllm::model {

// One adapted Linear: y = W x + b + scale * (B (A x) + lora_bias); with DoRA
// y = m / ||W + scale B A||_row * (W x + scale B (A x)) + b.
struct LoraModule {
  std::string module;  // "model.layers.0.self_attn.q_proj"
  size_t weight = 0;   // index of the base weight in WeightCheck::weights
  uint32_t rank = 0, out = 0, in = 0;
  double alpha = 0, scale = 0;   // scale: alpha / r (or / sqrt(r)) times the user's scale
  std::vector<float> a;          // lora_A [rank, in]
  std::vector<float> b;          // lora_B [out, rank], times `scale`
  std::vector<float> bias;       // lora_B.bias [out] times `scale`; empty without lora_bias
  std::vector<float> magnitude;  // DoRA's lora_magnitude_vector [out]; empty without DoRA
  bool dora() const { return !magnitude.empty(); }
};

// A base tensor the adapter replaces whole (modules_to_save, bias="all").
struct LoraReplacement {
  size_t weight = 0;  // index in WeightCheck::weights
  const st::TensorInfo* tensor = nullptr;
};

struct LoraAdapter {
  std::filesystem::path dir;
  std::string name;  // the folder's name
  LoraConfig config;
  double user_scale = 1;
  std::shared_ptr<const st::SafetensorsFile> file;  // adapter_model.safetensors, mapped
  std::vector<LoraModule> modules;                  // in file order
  std::vector<LoraReplacement> replacements;

  std::span<const std::byte> data(const LoraReplacement& r) const { return file->data(*r.tensor); }
};

// Reads `dir` and resolves every tensor against `weights`. Throws Error naming
// the adapter file and the tensor when a module is not in the base, a shape
// disagrees with the base weight or with the other factor, a tensor is of a kind
// vkllm does not run (embedding LoRA), or the config is refused.
LoraAdapter load_lora(const std::filesystem::path& dir, double user_scale,
                      const WeightCheck& weights);

// "DIR" or "DIR:SCALE" (--lora): the folder and the user's scale (default 1).
std::pair<std::string, double> parse_lora_arg(const std::string& arg);

}  // namespace vkllm::model
