// Reading typed fields out of a JSON object for the config parsers, with errors
// that name the file and the field path and state expected vs found. Private to
// loaders/model (it includes nlohmann/json).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "engine/base/error.h"
#include "loaders/model/raw_config.h"

namespace vkllm::model::json_fields {

using nlohmann::json;

// Parses JSON text; a syntax error names the file.
json parse(std::string_view text, std::string_view file_name);

class Reader {
 public:
  Reader(const json& obj, std::string_view file, std::string prefix = "")
      : obj_(obj), file_(file), prefix_(std::move(prefix)) {}

  void get(const char* key, Field<std::int64_t>& out) const;
  void get(const char* key, Field<double>& out) const;
  void get(const char* key, Field<bool>& out) const;
  void get(const char* key, Field<std::string>& out) const;
  void get(const char* key, Field<std::vector<std::string>>& out) const;
  void get(const char* key, Field<std::vector<double>>& out) const;
  // An int or a list of ints (eos_token_id).
  void get(const char* key, Field<std::vector<std::int64_t>>& out) const;

  const json* find(const char* key) const;
  std::string path(std::string_view key) const { return prefix_ + std::string(key); }
  std::string_view file() const { return file_; }
  [[noreturn]] void type_error(std::string_view key, const char* expected, const json& v) const;

 private:
  // Sets `state` from the value's presence; returns the value when it is neither absent nor null.
  template <typename T>
  const json* presence(const char* key, Field<T>& out) const;

  const json& obj_;
  std::string_view file_;
  std::string prefix_;
};

}  // namespace vkllm::model::json_fields
