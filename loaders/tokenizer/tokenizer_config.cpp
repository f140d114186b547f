#include "loaders/tokenizer/tokenizer_config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/base/error.h"
#include "engine/base/paths.h"
#include "loaders/tokenizer/json_fields.h"

namespace vkllm::tok {
namespace {

std::optional<bool> opt_bool(const nlohmann::json& j, const JsonPath& path, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return optional_bool(j, path, key, false);
}

// A special token is a string or an AddedToken object with "content".
std::optional<std::string> special_token(const nlohmann::json& j, const JsonPath& path,
                                         const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object()) return require_string(v, path / key, "content");
  fail("{}: expected a string or an object with \"content\", found {}", (path / key).where,
       describe(v));
}

nlohmann::json read_json(const std::filesystem::path& p) {
  try {
    return nlohmann::json::parse(read_file(p, "tokenizer: file"));
  } catch (const nlohmann::json::parse_error& e) {
    fail("{}: invalid JSON: {}", p.string(), e.what());
  }
}

}  // namespace

TokenizerConfig parse_tokenizer_config(const nlohmann::json& j, const std::string& where) {
  const JsonPath path{where, true};
  if (!j.is_object()) fail("{}: expected a JSON object, found {}", where, describe(j));
  TokenizerConfig c;
  c.tokenizer_class = optional_string(j, path, "tokenizer_class", "");
  c.add_bos_token = opt_bool(j, path, "add_bos_token");
  c.add_eos_token = opt_bool(j, path, "add_eos_token");
  c.legacy = opt_bool(j, path, "legacy");
  c.add_prefix_space = opt_bool(j, path, "add_prefix_space");
  c.clean_up_tokenization_spaces = optional_bool(j, path, "clean_up_tokenization_spaces", false);
  c.bos_token = special_token(j, path, "bos_token");
  c.eos_token = special_token(j, path, "eos_token");
  c.unk_token = special_token(j, path, "unk_token");
  c.pad_token = special_token(j, path, "pad_token");
  if (j.contains("chat_template") && !j["chat_template"].is_null()) {
    const auto& t = j["chat_template"];
    const JsonPath tp = path / "chat_template";
    if (t.is_string()) {
      c.chat_templates.emplace_back("default", t.get<std::string>());
    } else if (t.is_array()) {
      for (std::size_t i = 0; i < t.size(); ++i)
        c.chat_templates.emplace_back(require_string(t[i], tp.at(i), "name"),
                                      require_string(t[i], tp.at(i), "template"));
    } else {
      fail("{}: expected a string or a list of {{\"name\", \"template\"}}, found {}", tp.where,
           describe(t));
    }
  }
  return c;
}

TokenizerConfig load_tokenizer_config(const std::filesystem::path& dir) {
  require_folder(dir, "tokenizer: model folder", "give the folder that holds tokenizer.json");
  TokenizerConfig c;
  const auto cfg_path = dir / "tokenizer_config.json";
  if (std::filesystem::exists(cfg_path))
    c = parse_tokenizer_config(read_json(cfg_path), cfg_path.string());
  const auto map_path = dir / "special_tokens_map.json";
  if (std::filesystem::exists(map_path)) {
    const auto m = read_json(map_path);
    const JsonPath mp{map_path.string(), true};
    if (!c.bos_token) c.bos_token = special_token(m, mp, "bos_token");
    if (!c.eos_token) c.eos_token = special_token(m, mp, "eos_token");
    if (!c.unk_token) c.unk_token = special_token(m, mp, "unk_token");
    if (!c.pad_token) c.pad_token = special_token(m, mp, "pad_token");
  }
  const auto jinja = dir / "chat_template.jinja";
  if (std::filesystem::exists(jinja)) {
    std::erase_if(c.chat_templates, [](const auto& t) { return t.first == "default"; });
    c.chat_templates.insert(c.chat_templates.begin(),
                            {"default", read_file(jinja, "chat template: file")});
  }
  return c;
}

}  // namespace vkllm::tok
