// Typed access to tokenizer.json / tokenizer_config.json fields whose errors name
// the file and field path and say what was expected and found.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace vkllm::tok {

// Where a JSON object sits, for messages: "tokenizer.json: pre_tokenizer.pretokenizers[1]".
struct JsonPath {
  std::string where;
  bool root = false;  // the file itself: children read "file: key"
  JsonPath operator/(std::string_view key) const;
  JsonPath at(std::size_t index) const;
};

const nlohmann::json& require(const nlohmann::json& obj, const JsonPath& path,
                              std::string_view key);
std::string require_string(const nlohmann::json& obj, const JsonPath& path, std::string_view key);
bool optional_bool(const nlohmann::json& obj, const JsonPath& path, std::string_view key,
                   bool dflt);
std::string optional_string(const nlohmann::json& obj, const JsonPath& path, std::string_view key,
                            std::string dflt);
// The component's "type" (what a normalizer, pre-tokenizer ... is).
std::string component_type(const nlohmann::json& obj, const JsonPath& path);
// A compact rendering of a value for messages.
std::string describe(const nlohmann::json& value);
[[noreturn]] void fail_unsupported(const JsonPath& path, std::string_view kind,
                                   std::string_view type, std::string_view supported);

}  // namespace vkllm::tok
