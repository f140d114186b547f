// Chat templates rendered like transformers' apply_chat_template(tokenize=False):
// the template comes from tokenizer_config.json ("chat_template", a string or a
// list of named templates) or chat_template.jinja.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "loaders/chat/ast.h"

namespace vkllm::chat {

struct RenderOptions {
  bool add_generation_prompt = true;
  // A JSON array of tool schemas, or null for none.
  const nlohmann::ordered_json* tools = nullptr;
  // What strftime_now() sees; the current time when unset (tests fix it).
  std::optional<std::chrono::system_clock::time_point> now;
  // Further template variables (e.g. enable_thinking), a JSON object.
  const nlohmann::ordered_json* extra = nullptr;
};

class ChatTemplate {
 public:
  // Parses `source` (throws TemplateError naming line and column on syntax errors).
  // `special_tokens` become variables (bos_token, eos_token ...).
  ChatTemplate(const std::string& source,
               std::unordered_map<std::string, std::string> special_tokens);

  // Loads a model folder's template. With a `name`, that one; without, as
  // transformers' get_chat_template picks: "tool_use" when render() gets tools
  // and the folder has one, else "default" (a single template is "default").
  static ChatTemplate load(const std::filesystem::path& dir, const std::string& name = "");

  // messages: a JSON array of {"role", "content"} objects (content a string or a
  // list of parts). Throws RaisedError when the template calls raise_exception,
  // and Error when load() found no template for messages without tools.
  std::string render(const nlohmann::ordered_json& messages,
                     const RenderOptions& options = {}) const;

 private:
  ChatTemplate() = default;

  std::shared_ptr<const Body> body_;       // without tools; null when the folder has none
  std::shared_ptr<const Body> tool_body_;  // with tools: "tool_use" when load() picks by tools
  std::string no_body_;                    // why body_ is null, for render()'s error
  std::unordered_map<std::string, std::string> special_tokens_;
};

}  // namespace vkllm::chat
