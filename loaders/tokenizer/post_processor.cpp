#include "loaders/tokenizer/post_processor.h"

#include <nlohmann/json.hpp>

#include "engine/base/error.h"

namespace vkllm::tok {
namespace {

std::vector<TokenId> special_ids(const nlohmann::json& specials, const JsonPath& path,
                                 const std::string& name) {
  if (!specials.is_object() || !specials.contains(name))
    fail("{}: template uses special token '{}', which special_tokens does not define", path.where,
         name);
  const JsonPath p = path / "special_tokens" / name;
  const auto& ids = require(specials[name], p, "ids");
  if (!ids.is_array())
    fail("{}: expected an array of ids, found {}", (p / "ids").where, describe(ids));
  std::vector<TokenId> out;
  for (const auto& id : ids) {
    if (!id.is_number_integer())
      fail("{}: expected integer ids, found {}", (p / "ids").where, describe(id));
    out.push_back(id.get<TokenId>());
  }
  return out;
}

SpecialTemplate template_processing(const nlohmann::json& spec, const JsonPath& path) {
  const auto& single = require(spec, path, "single");
  if (!single.is_array())
    fail("{}: expected an array, found {}", (path / "single").where, describe(single));
  const auto& specials =
      spec.contains("special_tokens") ? spec["special_tokens"] : nlohmann::json();
  SpecialTemplate t;
  bool seen_sequence = false;
  for (std::size_t i = 0; i < single.size(); ++i) {
    const auto& item = single[i];
    const JsonPath p = (path / "single").at(i);
    if (item.is_object() && item.contains("Sequence")) {
      const std::string id = require_string(item["Sequence"], p / "Sequence", "id");
      if (id != "A") fail("{}: single template refers to sequence '{}', expected 'A'", p.where, id);
      seen_sequence = true;
    } else if (item.is_object() && item.contains("SpecialToken")) {
      const std::string name = require_string(item["SpecialToken"], p / "SpecialToken", "id");
      auto ids = special_ids(specials, path, name);
      auto& dst = seen_sequence ? t.suffix : t.prefix;
      dst.insert(dst.end(), ids.begin(), ids.end());
    } else {
      fail("{}: expected {{\"Sequence\": ...}} or {{\"SpecialToken\": ...}}, found {}", p.where,
           describe(item));
    }
  }
  return t;
}

std::vector<TokenId> pair_ids(const nlohmann::json& spec, const JsonPath& path, const char* key) {
  const auto& v = require(spec, path, key);
  if (!v.is_array() || v.size() != 2 || !v[1].is_number_integer())
    fail("{}: expected [token, id], found {}", (path / key).where, describe(v));
  return {v[1].get<TokenId>()};
}

}  // namespace

void SpecialTemplate::apply(std::vector<TokenId>& ids) const {
  ids.insert(ids.begin(), prefix.begin(), prefix.end());
  ids.insert(ids.end(), suffix.begin(), suffix.end());
}

SpecialTemplate make_post_processor(const nlohmann::json& spec, const JsonPath& path) {
  if (spec.is_null()) return {};
  const std::string type = component_type(spec, path);
  if (type == "TemplateProcessing") return template_processing(spec, path);
  if (type == "ByteLevel") return {};  // only adjusts offsets
  if (type == "RobertaProcessing" || type == "BertProcessing")
    return {pair_ids(spec, path, "cls"), pair_ids(spec, path, "sep")};
  if (type == "Sequence") {
    const auto& list = require(spec, path, "processors");
    if (!list.is_array())
      fail("{}: expected an array, found {}", (path / "processors").where, describe(list));
    SpecialTemplate all;
    for (std::size_t i = 0; i < list.size(); ++i) {
      SpecialTemplate t = make_post_processor(list[i], (path / "processors").at(i));
      all.prefix.insert(all.prefix.begin(), t.prefix.begin(), t.prefix.end());
      all.suffix.insert(all.suffix.end(), t.suffix.begin(), t.suffix.end());
    }
    return all;
  }
  fail_unsupported(path, "post-processor", type,
                   "TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence");
}

}  // namespace vkllm::tok
