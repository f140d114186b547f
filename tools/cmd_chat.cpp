// vkllm chat: an interactive conversation through the model's chat template.
// Earlier turns stay in the KV cache: each turn renders the whole conversation,
// and the generator prefills only what differs from the cache (the new turn).
// Ctrl-C ends the current reply; at the prompt it (or Ctrl-D, or /exit) quits.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

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
  std::string system;
  bool verbose = false;
};

int run(const Options& o) {
  Progress load_timer("load", 0, false);
  std::unique_ptr<tok::Tokenizer> tokenizer = load_tokenizer_if_any(o.model.folder());
  if (!tokenizer) fail("chat: {} has no tokenizer.json", o.model.folder());
  const chat::ChatTemplate tmpl = chat::ChatTemplate::load(o.model.folder());
  OpenModel m = open_model(o.model, 4096);
  runtime::GenerateOptions g = o.gen.resolve(*m.folder, tokenizer.get());
  runtime::Generator gen(*m.session, tokenizer.get());
  gen.prepare(0);
  const double load_seconds = load_timer.seconds();
  const bool tty = isatty(STDIN_FILENO);

  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  auto start = [&] {
    messages = nlohmann::ordered_json::array();
    if (!o.system.empty()) messages.push_back({{"role", "system"}, {"content", o.system}});
  };
  start();
  if (tty)
    std::fprintf(stderr,
                 "vkllm chat: %s (loaded in %.2f s, context %u tokens). /reset starts over, "
                 "/exit or Ctrl-D quits, Ctrl-C stops a reply.\n",
                 m.folder->dir.string().c_str(), load_seconds, gen.ctx());

  InterruptGuard interrupt;
  std::string line;
  for (;;) {
    if (tty) std::fprintf(stderr, "> ");
    interrupt.take();
    if (!std::getline(std::cin, line)) break;  // Ctrl-D, or Ctrl-C at the prompt
    if (line.empty()) continue;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      start();
      gen.reset();
      std::fprintf(stderr, "(conversation cleared)\n");
      continue;
    }
    messages.push_back({{"role", "user"}, {"content", line}});
    const std::vector<uint32_t> context = encode_ids(*tokenizer, tmpl.render(messages), false);
    if (context.size() >= gen.ctx()) {
      messages.erase(messages.size() - 1);
      std::fprintf(stderr,
                   "the context is full: the conversation would take %zu tokens of %u; /reset "
                   "to start over (or restart with a larger --ctx)\n",
                   context.size(), gen.ctx());
      continue;
    }
    // Each reply samples with its own seed, derived from the first.
    const runtime::GenerateResult r = gen.generate(
        context, g,
        [](std::string_view s) {
          std::fwrite(s.data(), 1, s.size(), stdout);
          std::fflush(stdout);
        },
        &interrupt.flag());
    g.sampling.seed++;
    std::printf("\n");
    std::fflush(stdout);
    messages.push_back({{"role", "assistant"}, {"content", r.text}});
    if (o.verbose) print_summary(r, load_seconds);
    if (r.finish == runtime::FinishReason::Interrupted) std::fprintf(stderr, "(stopped)\n");
    if (r.finish == runtime::FinishReason::Context)
      std::fprintf(stderr,
                   "the context of %u tokens is full; /reset to start over (or restart with a "
                   "larger --ctx)\n",
                   gen.ctx());
  }
  return m.validation_messages() ? 1 : 0;
}

Registration reg{{"chat", "Interactive chat with the model's chat template", [](CLI::App& sub) {
                    auto o = std::make_shared<Options>();
                    o->model.add_to(sub, false, true);
                    o->gen.add_to(sub);
                    sub.add_option("--system", o->system, "System message");
                    sub.add_flag("--verbose", o->verbose, "Print timings after each reply");
                    return [o]() -> int { return run(*o); };
                  }}};

}  // namespace
}  // namespace vkllm::cli
