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

  // Loads the template named `name` ("default" when there is one) from a model folder.
  static ChatTemplate load(const std::filesystem::path& dir, const std::string& name = "default");

  // messages: a JSON array of {"role", "content"} objects (content a string or a
  // list of parts). Throws RaisedError when the template calls raise_exception.
  std::string render(const nlohmann::ordered_json& messages,
                     const RenderOptions& options = {}) const;

 private:
  std::shared_ptr<const Body> body_;
  std::unordered_map<std::string, std::string> special_tokens_;
};

}  // namespace vkllm::chat
