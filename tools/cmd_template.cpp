// vkllm template -m DIR --messages FILE.json [--no-generation-prompt]: the prompt
// a model's chat template renders, as transformers' apply_chat_template(tokenize=False).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/base/error.h"
#include "engine/base/paths.h"
#include "loaders/chat/chat_template.h"
#include "loaders/chat/error.h"
#include "tools/command.h"

namespace {

struct TemplateArgs {
  std::string model_dir;
  std::string messages_file;
  std::string tools_file;
  std::string name;  // empty: "tool_use" with tools, else "default", as transformers picks
  std::string date;
  bool no_generation_prompt = false;
};

nlohmann::ordered_json read_json(const std::string& path, const char* what) {
  const std::string text = vkllm::read_file(path, what);
  try {
    return nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    vkllm::fail("template: {}: invalid JSON: {}", path, e.what());
  }
}

std::chrono::system_clock::time_point parse_date(const std::string& date) {
  std::tm tm{};
  if (!strptime(date.c_str(), "%Y-%m-%d", &tm))
    vkllm::fail("template: --date '{}': expected YYYY-MM-DD", date);
  tm.tm_hour = 12;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

vkllm::cli::Registration reg{
    {"template", "Render a model folder's chat template for a list of messages", [](CLI::App& sub) {
       auto args = std::make_shared<TemplateArgs>();
       sub.add_option("-m,--model", args->model_dir, "folder with tokenizer_config.json")
           ->required();
       sub.add_option(
              "--messages", args->messages_file,
              "JSON file: a list of {role, content}, or {\"messages\": [...], \"tools\": [...]}")
           ->required();
       sub.add_option("--tools", args->tools_file, "JSON file with a list of tool schemas");
       sub.add_option("--template", args->name,
                      "which named template to use (default: tool_use with --tools, else default)");
       sub.add_option("--date", args->date, "the date strftime_now() reports (YYYY-MM-DD)");
       sub.add_flag("--no-generation-prompt", args->no_generation_prompt,
                    "do not append the assistant turn header");
       return [args]() -> int {
         nlohmann::ordered_json doc = read_json(args->messages_file, "template: --messages");
         nlohmann::ordered_json messages = doc, tools;
         if (doc.is_object()) {
           if (!doc.contains("messages"))
             vkllm::fail("template: {}: expected a list of messages or an object with \"messages\"",
                         args->messages_file);
           messages = doc["messages"];
           if (doc.contains("tools")) tools = doc["tools"];
         }
         if (!args->tools_file.empty()) tools = read_json(args->tools_file, "template: --tools");
         vkllm::chat::RenderOptions opt;
         opt.add_generation_prompt = !args->no_generation_prompt;
         if (!tools.is_null()) opt.tools = &tools;
         if (!args->date.empty()) opt.now = parse_date(args->date);
         const auto tmpl = vkllm::chat::ChatTemplate::load(args->model_dir, args->name);
         std::string out;
         try {
           out = tmpl.render(messages, opt);
         } catch (const vkllm::chat::RaisedError& e) {
           // The template refused these messages itself (raise_exception).
           vkllm::fail("template: {}: the chat template raised: {}", args->model_dir, e.what());
         }
         std::fwrite(out.data(), 1, out.size(), stdout);
         return 0;
       };
     }}};

}  // namespace
