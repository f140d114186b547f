#include "loaders/chat/chat_template.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

#include "loaders/chat/error.h"
#include "loaders/chat/interpreter.h"
#include "loaders/chat/parser.h"
#include "loaders/tokenizer/tokenizer_config.h"

namespace vkllm::chat {

ChatTemplate::ChatTemplate(const std::string& source,
                           std::unordered_map<std::string, std::string> special_tokens)
    : body_(std::make_shared<const Body>(parse_template(source))),
      special_tokens_(std::move(special_tokens)) {}

ChatTemplate ChatTemplate::load(const std::filesystem::path& dir, const std::string& name) {
  const tok::TokenizerConfig cfg = tok::load_tokenizer_config(dir);
  if (cfg.chat_templates.empty())
    fail(
        "chat template: {} has no chat template (neither tokenizer_config.json 'chat_template' "
        "nor chat_template.jinja)",
        dir.string());
  std::vector<std::string> sorted;
  for (const auto& t : cfg.chat_templates) sorted.push_back(t.first);
  std::sort(sorted.begin(), sorted.end());
  const std::string names = fmt::format("{}", fmt::join(sorted, ", "));
  auto find = [&](const std::string& n) -> const std::string* {
    for (const auto& [tn, src] : cfg.chat_templates)
      if (tn == n) return &src;
    return nullptr;
  };
  ChatTemplate t;
  if (cfg.bos_token) t.special_tokens_["bos_token"] = *cfg.bos_token;
  if (cfg.eos_token) t.special_tokens_["eos_token"] = *cfg.eos_token;
  if (cfg.unk_token) t.special_tokens_["unk_token"] = *cfg.unk_token;
  if (cfg.pad_token) t.special_tokens_["pad_token"] = *cfg.pad_token;
  auto parse = [](const std::string& src) {
    return std::make_shared<const Body>(parse_template(src));
  };
  if (!name.empty()) {
    const std::string* source = find(name);
    if (!source)
      fail("chat template: {}: no template named '{}' (found: {})", dir.string(), name, names);
    t.body_ = parse(*source);
    return t;
  }
  const std::string* dflt = find("default");
  const std::string* tool_use = find("tool_use");
  if (!dflt && !tool_use)
    fail(
        "chat template: {}: several templates and none named 'default' or 'tool_use' (found: {}); "
        "name the one to use",
        dir.string(), names);
  if (dflt) t.body_ = parse(*dflt);
  if (tool_use) t.tool_body_ = parse(*tool_use);
  if (!dflt)
    t.no_body_ = fmt::format(
        "{}: no template named 'default' for messages without tools (found: {}); give tools or "
        "name the template to use",
        dir.string(), names);
  return t;
}

std::string ChatTemplate::render(const nlohmann::ordered_json& messages,
                                 const RenderOptions& options) const {
  if (!messages.is_array())
    fail("chat template: messages must be a JSON array, found {}", messages.type_name());
  // transformers: tools that are not None select "tool_use", even an empty list.
  const bool has_tools = options.tools && !options.tools->is_null();
  const Body* body = has_tools && tool_body_ ? tool_body_.get() : body_.get();
  if (!body) fail("chat template: {}", no_body_);
  std::unordered_map<std::string, Value> g;
  g["messages"] = Value::from_json(messages);
  g["add_generation_prompt"] = Value(options.add_generation_prompt);
  g["tools"] = has_tools ? Value::from_json(*options.tools) : Value::none();
  g["documents"] = Value::none();
  for (const auto& [k, v] : special_tokens_) g[k] = Value(v);
  if (options.extra) {
    if (!options.extra->is_object()) fail("chat template: extra variables must be a JSON object");
    for (auto it = options.extra->begin(); it != options.extra->end(); ++it)
      g[it.key()] = Value::from_json(it.value());
  }
  g["raise_exception"] = Value::function("raise_exception", [](CallArgs& a) -> Value {
    throw RaisedError(a.get(0, "message").str());
  });
  const auto now = options.now.value_or(std::chrono::system_clock::now());
  g["strftime_now"] = Value::function("strftime_now", [now](CallArgs& a) -> Value {
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[256];
    const std::size_t n = std::strftime(buf, sizeof buf, a.get(0, "format").str().c_str(), &tm);
    return Value(std::string(buf, n));
  });
  g["namespace"] = Value::function("namespace", [](CallArgs& a) -> Value {
    Dict d;
    d.is_namespace = true;
    for (const auto& v : a.positional)
      if (v.is_dict())
        for (const auto& [k, x] : v.as_dict().items) d.set(k, x);
    for (const auto& [k, v] : a.keyword) d.set(k, v);
    return Value(std::move(d));
  });
  g["range"] = Value::function("range", [](CallArgs& a) -> Value {
    std::int64_t start = 0, stop = 0, step = 1;
    auto num = [](const Value& v) {
      if (!v.is_int()) fail("chat template: range() expects integers, found {}", v.type_name());
      return v.as_int();
    };
    if (a.positional.size() == 1)
      stop = num(a.positional[0]);
    else if (a.positional.size() >= 2)
      start = num(a.positional[0]), stop = num(a.positional[1]);
    if (a.positional.size() >= 3) step = num(a.positional[2]);
    if (step == 0) fail("chat template: range() step must not be zero");
    List out;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(Value(i));
    return Value(std::move(out));
  });
  g["dict"] = Value::function("dict", [](CallArgs& a) -> Value {
    Dict d;
    for (const auto& [k, v] : a.keyword) d.set(k, v);
    return Value(std::move(d));
  });
  Interpreter in(std::move(g));
  return in.render(*body);
}

}  // namespace vkllm::chat
