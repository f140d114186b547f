#include "loaders/adapter/lora_config.h"

#include <nlohmann/json.hpp>

#include <regex>

#include "engine/base/error.h"
#include "engine/base/log.h"

namespace vkllm::model {

namespace {

// Ordered: the first alpha_pattern / rank_pattern key that matches wins, in file order.
using json = nlohmann::ordered_json;

struct Fields {
  const json& j;
  const std::string& file;

  const json* find(const char* key) const {
    auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
  }
  [[noreturn]] void wrong(const char* key, const char* expected, const json& v) const {
    fail("lora: {}: \"{}\" is {}, expected {}", file, key, v.dump(), expected);
  }
  void get(const char* key, int& out) const {
    if (const json* v = find(key)) {
      if (!v->is_number_integer()) wrong(key, "an integer", *v);
      out = v->get<int>();
    }
  }
  void get(const char* key, double& out) const {
    if (const json* v = find(key)) {
      if (!v->is_number()) wrong(key, "a number", *v);
      out = v->get<double>();
    }
  }
  void get(const char* key, bool& out) const {
    if (const json* v = find(key)) {
      if (!v->is_boolean()) wrong(key, "true or false", *v);
      out = v->get<bool>();
    }
  }
  void get(const char* key, std::string& out) const {
    if (const json* v = find(key)) {
      if (!v->is_string()) wrong(key, "a string", *v);
      out = v->get<std::string>();
    }
  }
  std::vector<std::string> strings(const char* key) const {
    std::vector<std::string> out;
    if (const json* v = find(key)) {
      if (!v->is_array()) wrong(key, "a list of strings", *v);
      for (const json& e : *v) {
        if (!e.is_string()) wrong(key, "a list of strings", *v);
        out.push_back(e.get<std::string>());
      }
    }
    return out;
  }
  template <typename T>
  std::vector<std::pair<std::string, T>> pattern(const char* key) const {
    std::vector<std::pair<std::string, T>> out;
    if (const json* v = find(key)) {
      if (!v->is_object()) wrong(key, "an object of regex keys", *v);
      for (const auto& [k, e] : v->items()) {
        if (!e.is_number() || (std::is_integral_v<T> && !e.is_number_integer()))
          wrong(key, std::is_integral_v<T> ? "integer values" : "number values", *v);
        out.emplace_back(k, e.template get<T>());
      }
    }
    return out;
  }
  // A field vkllm does not run: refused unless absent, null, false or empty.
  void unsupported(const char* key, const char* what) const {
    const json* v = find(key);
    if (!v || (v->is_boolean() && !v->get<bool>()) || (v->is_structured() && v->empty())) return;
    fail("lora: {}: \"{}\": {} {} is not supported", file, key, v->dump(), what);
  }
};

}  // namespace

LoraConfig parse_lora_config(std::string_view text, const std::string& file) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) fail("lora: {}: not valid JSON", file);
  if (!j.is_object()) fail("lora: {}: expected a JSON object, found {}", file, j.type_name());
  const Fields f{j, file};
  LoraConfig c;
  f.get("peft_type", c.peft_type);
  if (c.peft_type != "LORA")
    fail(
        "lora: {}: peft_type \"{}\" is not supported; vkllm runs LoRA adapters (LoRA, rsLoRA, "
        "DoRA), not IA3, LoHa, LoKr, AdaLoRA or prompt/prefix tuning",
        file, c.peft_type);
  f.get("r", c.r);
  f.get("lora_alpha", c.lora_alpha);
  f.get("use_rslora", c.use_rslora);
  f.get("use_dora", c.use_dora);
  f.get("lora_bias", c.lora_bias);
  f.get("fan_in_fan_out", c.fan_in_fan_out);
  f.get("bias", c.bias);
  if (c.bias != "none" && c.bias != "all" && c.bias != "lora_only")
    fail("lora: {}: \"bias\": \"{}\", expected \"none\", \"all\" or \"lora_only\"", file, c.bias);
  if (const json* t = f.find("target_modules")) {
    if (t->is_string())
      c.target_modules_regex = t->get<std::string>();
    else
      c.target_modules = f.strings("target_modules");
  }
  c.rank_pattern = f.pattern<int>("rank_pattern");
  c.alpha_pattern = f.pattern<double>("alpha_pattern");
  c.modules_to_save = f.strings("modules_to_save");
  if (const json* v = f.find("layers_to_transform")) {
    if (v->is_number_integer()) {
      c.layers_to_transform = {v->get<int>()};
    } else if (v->is_array()) {
      for (const json& e : *v) {
        if (!e.is_number_integer()) f.wrong("layers_to_transform", "an integer or a list", *v);
        c.layers_to_transform.push_back(e.get<int>());
      }
    } else {
      f.wrong("layers_to_transform", "an integer or a list", *v);
    }
  }
  if (c.r <= 0) fail("lora: {}: \"r\" is {}, expected a positive rank", file, c.r);
  if (const json* init = f.find("init_lora_weights"); init && init->is_string()) {
    const std::string how = init->get<std::string>();
    // These initializations train against a residual base W - B A (PEFT's
    // path_initial_model_for_weight_conversion turns them into plain LoRA).
    if (how.starts_with("pissa") || how == "olora" || how == "corda" || how == "loftq")
      spdlog::warn(
          "lora: {}: init_lora_weights \"{}\": the adapter expects the residual base it was "
          "trained on; over the original checkpoint the result differs (convert it with PEFT's "
          "path_initial_model_for_weight_conversion)",
          file, how);
  }
  f.unsupported("use_qalora", "(QALoRA pools the input)");
  f.unsupported("alora_invocation_tokens", "(activated LoRA)");
  f.unsupported("target_parameters", "(LoRA on nn.Parameter)");
  f.unsupported("layer_replication", "(replicated layers)");
  f.unsupported("trainable_token_indices", "(trainable tokens)");
  f.unsupported("use_bdlora", "(block-diagonal LoRA)");
  f.unsupported("megatron_config", "(Megatron-parallel layers)");
  return c;
}

bool lora_pattern_matches(const std::string& key, const std::string& module) {
  // Python's re and ECMAScript agree on the patterns PEFT configs use (names,
  // dots, alternation, classes, .*).
  try {
    return std::regex_match(module, std::regex("(.*\\.)?(" + key + ")"));
  } catch (const std::regex_error& e) {
    fail("lora: pattern \"{}\" is not a valid regular expression: {}", key, e.what());
  }
}

bool lora_targets(const LoraConfig& c, const std::string& module) {
  if (c.target_modules_regex) {
    if (*c.target_modules_regex == "all-linear") return true;
    try {
      return std::regex_match(module, std::regex(*c.target_modules_regex));
    } catch (const std::regex_error& e) {
      fail("lora: target_modules \"{}\" is not a valid regular expression: {}",
           *c.target_modules_regex, e.what());
    }
  }
  for (const std::string& t : c.target_modules)
    if (t == "all-linear" || module == t || module.ends_with("." + t)) return true;
  return false;
}

}  // namespace vkllm::model
