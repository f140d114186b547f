// The {"String": "..."} / {"Regex": "..."} patterns of Replace and Split.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loaders/tokenizer/json_fields.h"
#include "loaders/tokenizer/regex.h"

namespace vkllm::tok {

class Pattern {
 public:
  Pattern(const nlohmann::json& spec, const JsonPath& path);
  static Pattern literal(std::string s);

  std::vector<std::pair<std::size_t, std::size_t>> find_all(std::string_view s) const;
  std::string replace_all(std::string_view s, std::string_view with) const;

 private:
  Pattern() = default;
  std::string literal_;
  std::shared_ptr<Regex> regex_;
};

}  // namespace vkllm::tok
