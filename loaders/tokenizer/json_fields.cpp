#include "loaders/tokenizer/json_fields.h"

#include <nlohmann/json.hpp>

#include "engine/base/error.h"

namespace vkllm::tok {

JsonPath JsonPath::operator/(std::string_view key) const {
  return {where + (root ? ": " : ".") + std::string(key), false};
}

JsonPath JsonPath::at(std::size_t index) const {
  return {where + "[" + std::to_string(index) + "]", false};
}

std::string describe(const nlohmann::json& value) {
  std::string s = value.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

static const char* type_name(const nlohmann::json& v) {
  return v.type_name();
}

const nlohmann::json& require(const nlohmann::json& obj, const JsonPath& path,
                              std::string_view key) {
  if (!obj.is_object()) fail("{}: expected an object, found {}", path.where, describe(obj));
  auto it = obj.find(key);
  if (it == obj.end()) fail("{}: missing field '{}'", path.where, key);
  return *it;
}

std::string require_string(const nlohmann::json& obj, const JsonPath& path, std::string_view key) {
  const auto& v = require(obj, path, key);
  if (!v.is_string())
    fail("{}: expected a string, found {} {}", (path / key).where, type_name(v), describe(v));
  return v.get<std::string>();
}

bool optional_bool(const nlohmann::json& obj, const JsonPath& path, std::string_view key,
                   bool dflt) {
  if (!obj.is_object()) return dflt;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return dflt;
  if (!it->is_boolean())
    fail("{}: expected true or false, found {}", (path / key).where, describe(*it));
  return it->get<bool>();
}

std::string optional_string(const nlohmann::json& obj, const JsonPath& path, std::string_view key,
                            std::string dflt) {
  if (!obj.is_object()) return dflt;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return dflt;
  if (!it->is_string())
    fail("{}: expected a string, found {} {}", (path / key).where, type_name(*it), describe(*it));
  return it->get<std::string>();
}

std::string component_type(const nlohmann::json& obj, const JsonPath& path) {
  if (!obj.is_object()) fail("{}: expected an object, found {}", path.where, describe(obj));
  return require_string(obj, path, "type");
}

void fail_unsupported(const JsonPath& path, std::string_view kind, std::string_view type,
                      std::string_view supported) {
  fail("{}: {} type '{}' is not supported (supported: {})", (path / "type").where, kind, type,
       supported);
}

}  // namespace vkllm::tok
