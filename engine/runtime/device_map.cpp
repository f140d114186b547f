#include "engine/runtime/device_map.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

#include "engine/base/error.h"
#include "engine/base/paths.h"

namespace vkllm::runtime {

models::Placement single_device(const model::ModelConfig& cfg) {
  models::Placement p;
  p.layers.assign(size_t(cfg.num_layers), 0);
  return p;
}

namespace {

// The module path without the wrapper prefixes transformers may use
// ("model.", "model.language_model.", "language_model.model.").
std::string_view strip_prefix(std::string_view key) {
  for (std::string_view p : {"model.language_model.", "language_model.model.", "model."})
    if (key.starts_with(p)) return key.substr(p.size());
  return key;
}

}  // namespace

models::Placement parse_device_map(std::string_view text, const model::ModelConfig& cfg,
                                   int devices, std::string_view file, int cpu) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    fail("{}: expected a JSON object mapping module names to device indices", file);
  if (cpu < 0) cpu = devices;
  models::Placement p;
  p.devices = devices;
  std::vector<int> layers(size_t(cfg.num_layers), -1);
  int embed = -1, norm = -1, head = -1, everything = -1;
  for (auto& [key, value] : j.items()) {
    // "disk": the CPU computes the layer from the mapped file, so the page cache is
    // the disk tier (a model larger than memory still runs, at the disk's speed).
    const bool host = value.is_string() && (value == "cpu" || value == "disk");
    if (!value.is_number_integer() && !host)
      fail("{}: \"{}\": {} is not a device index, \"cpu\" or \"disk\"", file, key, value.dump());
    const int d = host ? cpu : value.get<int>();
    if (!host && (d < 0 || d >= devices))
      fail("{}: \"{}\": device {} is not open ({} device(s): pass more with --device 0,1)", file,
           key, d, devices);
    p.devices = std::max(p.devices, d + 1);
    std::string_view k = strip_prefix(key);
    if (key.empty()) {
      everything = d;
    } else if (k == "embed_tokens") {
      embed = d;
    } else if (k == "norm") {
      norm = d;
    } else if (k == "lm_head" || key == "lm_head") {
      head = d;
    } else if (k == "rotary_emb") {
      // Rope tables are made on every device that needs them.
    } else if (k.starts_with("layers.")) {
      std::string_view n = k.substr(7);
      int il = -1;
      std::istringstream(std::string(n)) >> il;
      if (il < 0 || il >= cfg.num_layers || std::to_string(il) != n)
        fail("{}: \"{}\": the model has layers 0..{}", file, key, cfg.num_layers - 1);
      layers[size_t(il)] = d;
    } else {
      fail(
          "{}: unknown module \"{}\" (expected model.embed_tokens, model.layers.N, model.norm, "
          "lm_head)",
          file, key);
    }
  }
  auto need = [&](int& slot, const char* what) {
    if (slot < 0) slot = everything;
    if (slot < 0) fail("{}: no device for {}", file, what);
  };
  need(embed, "model.embed_tokens");
  need(norm, "model.norm");
  need(head, "lm_head");
  for (size_t il = 0; il < layers.size(); ++il)
    need(layers[il], ("model.layers." + std::to_string(il)).c_str());
  p.embed = embed;
  p.norm = norm;
  p.lm_head = head;
  p.layers = std::move(layers);
  return p;
}

models::Placement load_device_map(const std::filesystem::path& file, const model::ModelConfig& cfg,
                                  int devices, int cpu) {
  return parse_device_map(read_file(file, "--device-map"), cfg, devices, file.string(), cpu);
}

}  // namespace vkllm::runtime
