// Writes PEFT adapter folders for tests: adapter_config.json as given and
// adapter_model.safetensors with F32 tensors of small seeded values.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "loaders/safetensors/writer.h"

namespace vkllm::test {

struct AdapterTensor {
  std::string name;  // "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
  std::vector<uint64_t> shape;
};

// Values uniform in [-amplitude, amplitude] from `seed`.
inline void write_adapter(const std::filesystem::path& dir, const std::string& config_json,
                          const std::vector<AdapterTensor>& tensors, uint32_t seed = 1,
                          float amplitude = 0.05f) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "adapter_config.json") << config_json;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-amplitude, amplitude);
  std::vector<std::vector<float>> data;
  std::vector<st::TensorToWrite> out;
  for (const AdapterTensor& t : tensors) {
    uint64_t n = 1;
    for (uint64_t d : t.shape) n *= d;
    std::vector<float>& v = data.emplace_back(n);
    for (float& x : v) x = dist(rng);
  }
  for (size_t i = 0; i < tensors.size(); ++i)
    out.push_back({tensors[i].name, st::DType::F32, tensors[i].shape,
                   std::as_bytes(std::span<const float>(data[i]))});
  st::write_safetensors(dir / "adapter_model.safetensors", out);
}

// lora_A and lora_B of one module ("model.layers.0.self_attn.q_proj") of a
// Linear [out, in] at rank r.
inline std::vector<AdapterTensor> lora_pair(const std::string& module, uint64_t out, uint64_t in,
                                            uint64_t r) {
  return {{"base_model.model." + module + ".lora_A.weight", {r, in}},
          {"base_model.model." + module + ".lora_B.weight", {out, r}}};
}

}  // namespace vkllm::test
