// adapter_config.json as PEFT's LoraConfig writes it (peft/tuners/lora/config.py):
// the fields that change what an adapter computes, parsed and checked in one place.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vkllm::model {

struct LoraConfig {
  std::string peft_type = "LORA";
  int r = 8;
  double lora_alpha = 8;
  bool use_rslora = false;  // scale alpha / sqrt(r) instead of alpha / r
  bool use_dora = false;    // lora_magnitude_vector per adapted module
  bool lora_bias = false;   // lora_B has a bias
  bool fan_in_fan_out = false;
  std::string bias = "none";  // "none" | "all" | "lora_only": base biases saved with the adapter
  // A list (exact module name or a ".name" suffix) or one regex (full match).
  std::vector<std::string> target_modules;
  std::optional<std::string> target_modules_regex;
  // Regex keys, first match wins (PEFT's get_pattern_key), in file order.
  std::vector<std::pair<std::string, int>> rank_pattern;
  std::vector<std::pair<std::string, double>> alpha_pattern;
  std::vector<std::string> modules_to_save;
  std::vector<int> layers_to_transform;  // empty: every layer
};

// Parses adapter_config.json text; `file` names it in errors. Refuses by name what
// vkllm does not run: other PEFT types (IA3, LoHa, LoKr, prompt tuning...) and
// LoRA variants that change the forward pass (aLoRA, QALoRA, target_parameters,
// layer_replication, trainable tokens).
LoraConfig parse_lora_config(std::string_view text, const std::string& file);

// PEFT's pattern rule: `key` matches `module` ("model.layers.0.mlp.down_proj")
// when re.match(rf"(.*\.)?({key})$", module) does.
bool lora_pattern_matches(const std::string& key, const std::string& module);

// Whether target_modules selects `module` (a list entry equal to it or to its
// last components after a '.', or the regex matching all of it; "all-linear"
// matches every Linear of the decoder).
bool lora_targets(const LoraConfig& c, const std::string& module);

}  // namespace vkllm::model
