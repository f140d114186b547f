// vkllm run -p PROMPT: generate a continuation (or, with --chat, a reply through
// the model's chat template), streaming text to stdout as it comes, with a
// timing summary on stderr; --json prints one object instead.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "engine/base/error.h"
#include "engine/base/progress.h"
#include "loaders/chat/chat_template.h"
#include "tools/command.h"
#include "tools/generation_options.h"
#include "tools/interrupt.h"
#include "tools/model_options.h"

namespace vkllm::cli {
namespace {

struct Options {
  ModelOptions model;
  GenerationFlags gen;
  std::string prompt, prompt_ids, system;
  bool chat = false, json = false;
};

std::vector<uint32_t> prompt_tokens(const Options& o, const tok::Tokenizer* tokenizer) {
  if (!o.prompt_ids.empty()) return parse_token_ids(o.prompt_ids, "--prompt-ids");
  if (!tokenizer)
    fail("run: {} has no tokenizer.json; give the prompt as --prompt-ids", o.model.folder());
  if (!o.chat) return encode_ids(*tokenizer, o.prompt, true);
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (!o.system.empty()) messages.push_back({{"role", "system"}, {"content", o.system}});
  messages.push_back({{"role", "user"}, {"content", o.prompt}});
  const std::string text = chat::ChatTemplate::load(o.model.folder()).render(messages);
  // The template writes the special tokens itself, as apply_chat_template does.
  return encode_ids(*tokenizer, text, false);
}

int run(const Options& o) {
  Progress load_timer("load", 0, false);
  std::unique_ptr<tok::Tokenizer> tokenizer = load_tokenizer_if_any(o.model.folder());
  const std::vector<uint32_t> prompt = prompt_tokens(o, tokenizer.get());

  // The context: --ctx, else what this request needs, at least 4096 (within the model's).
  OpenModel m = [&] {
    const uint32_t guess = uint32_t(prompt.size()) + o.gen.n.value_or(256);
    return open_model(o.model, std::max<uint32_t>(4096, guess));
  }();
  const runtime::GenerateOptions g = o.gen.resolve(*m.folder, tokenizer.get());
  runtime::Generator gen(*m.session, tokenizer.get());
  // Graphs are recorded (and pipelines built) as part of loading, not of the prompt.
  gen.prepare(uint32_t(prompt.size()));
  const double load_seconds = load_timer.seconds();

  InterruptGuard interrupt;
  const bool stream = !o.json;
  auto on_text = [&](std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
  };
  if (stream && !tokenizer) std::printf("ids:");
  const runtime::GenerateResult r = gen.generate(
      prompt, g, stream && tokenizer ? on_text : std::function<void(std::string_view)>{},
      &interrupt.flag());
  if (stream && !tokenizer) {
    for (uint32_t id : r.ids) std::printf(" %u", id);
  }
  if (o.model.profile) print_profile(m.session->profile());

  if (o.json) {
    nlohmann::json j;
    if (tokenizer) j["text"] = r.text;
    j["ids"] = r.ids;
    j["prompt_ids"] = prompt;
    j["finish_reason"] = runtime::finish_reason_name(r.finish);
    j["seed"] = g.sampling.seed;
    if (!m.adapters.empty()) j["lora"] = lora_json(m);
    j["device_map"] = nlohmann::json::parse(m.device_map);
    j["timings"] = {
        {"load_s", load_seconds},
        {"prompt_tokens", r.prefilled_tokens},
        {"prompt_s", r.prefill_seconds},
        {"prompt_tok_s", r.prefill_seconds > 0 ? r.prefilled_tokens / r.prefill_seconds : 0.0},
        {"generated_tokens", r.ids.size()},
        {"decode_steps", r.decode_steps},
        {"decode_s", r.decode_seconds},
        {"generation_tok_s", r.decode_seconds > 0 ? r.decode_steps / r.decode_seconds : 0.0}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("\n");
    std::fflush(stdout);
    print_summary(r, load_seconds);
    if (r.finish == runtime::FinishReason::Context)
      std::fprintf(stderr, "the context of %u tokens is full; raise --ctx for longer output\n",
                   m.session->ctx());
  }
  return m.validation_messages() ? 1 : 0;
}

Registration reg{
    {"run", "Generate text from a prompt, streaming it as it comes", [](CLI::App& sub) {
       auto o = std::make_shared<Options>();
       o->model.add_to(sub, false, true);
       o->gen.add_to(sub);
       auto* p = sub.add_option("-p,--prompt", o->prompt, "The prompt text");
       auto* ids =
           sub.add_option("--prompt-ids", o->prompt_ids,
                          "The prompt as token ids (1,2,3), for folders without a tokenizer");
       p->excludes(ids);
       sub.add_flag("--chat", o->chat,
                    "Wrap the prompt in the model's chat template as a user turn");
       sub.add_option("--system", o->system, "System message (with --chat)");
       sub.add_flag("--json", o->json, "Print one JSON object (text, ids, finish reason, timings)");
       return [o]() -> int {
         if (o->prompt.empty() && o->prompt_ids.empty())
           fail("run: give a prompt with -p or --prompt-ids");
         if (!o->system.empty() && !o->chat) fail("run: --system needs --chat");
         if (o->chat && !o->prompt_ids.empty()) fail("run: --chat takes a text prompt (-p)");
         return run(*o);
       };
     }}};

}  // namespace
}  // namespace vkllm::cli
