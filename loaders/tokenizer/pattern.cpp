#include "loaders/tokenizer/pattern.h"

#include <nlohmann/json.hpp>

#include "engine/base/error.h"

namespace vkllm::tok {

Pattern::Pattern(const nlohmann::json& spec, const JsonPath& path) {
  if (spec.is_string()) {  // some files store a bare string
    literal_ = spec.get<std::string>();
    return;
  }
  if (spec.is_object() && spec.contains("String")) {
    literal_ = require_string(spec, path, "String");
  } else if (spec.is_object() && spec.contains("Regex")) {
    regex_ = std::make_shared<Regex>(require_string(spec, path, "Regex"), (path / "Regex").where);
  } else {
    fail("{}: expected {{\"String\": ...}} or {{\"Regex\": ...}}, found {}", path.where,
         describe(spec));
  }
  if (!regex_ && literal_.empty()) fail("{}: empty String pattern", path.where);
}

Pattern Pattern::literal(std::string s) {
  Pattern p;
  p.literal_ = std::move(s);
  return p;
}

std::vector<std::pair<std::size_t, std::size_t>> Pattern::find_all(std::string_view s) const {
  if (regex_) return regex_->find_all(s);
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t pos = s.find(literal_); pos != std::string_view::npos;
       pos = s.find(literal_, pos + literal_.size()))
    out.emplace_back(pos, pos + literal_.size());
  return out;
}

std::string Pattern::replace_all(std::string_view s, std::string_view with) const {
  std::string out;
  std::size_t last = 0;
  for (auto [b, e] : find_all(s)) {
    out.append(s.substr(last, b - last));
    out.append(with);
    last = e;
  }
  out.append(s.substr(last));
  return out;
}

}  // namespace vkllm::tok
