// vkllm serve: the OpenAI-compatible HTTP server (server/server.h) over a model
// opened like `run` opens it, with --parallel KV cache slots batched together.
// Ctrl-C or SIGTERM stops it: requests in flight end, the process exits 0.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include "engine/base/error.h"
#include "engine/base/progress.h"
#include "engine/runtime/batcher.h"
#include "loaders/chat/chat_template.h"
#include "server/server.h"
#include "tools/command.h"
#include "tools/generation_options.h"
#include "tools/model_options.h"

namespace vkllm::cli {
namespace {

struct Options {
  ModelOptions model;
  server::ServerOptions http;
  uint32_t parallel = 8, max_queue = 64;
  std::string served_name;
  std::string tool_call_parser = "auto";
};

int serve(Options& o) {
  // SIGINT and SIGTERM go to one thread that stops the server; SIGPIPE (a client
  // gone mid-write) is an error return, not a kill. Blocked before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  Progress load_timer("load", 0, false);
  std::unique_ptr<tok::Tokenizer> tokenizer = load_tokenizer_if_any(o.model.folder());
  // Per slot: --ctx, else up to 4096 tokens (within the model's).
  OpenModel m = open_model(o.model, 4096, o.parallel);
  std::unique_ptr<chat::ChatTemplate> tmpl;
  try {
    tmpl = std::make_unique<chat::ChatTemplate>(chat::ChatTemplate::load(o.model.folder()));
  } catch (const Error& e) {
    std::fprintf(stderr, "serve: no chat template (/v1/chat/completions will refuse): %s\n",
                 e.what());
  }

  server::ServedModel served{
      .name = o.served_name.empty()
                  ? std::filesystem::path(o.model.folder()).lexically_normal().filename().string()
                  : o.served_name,
      .tokenizer = tokenizer.get(),
      .chat_template = tmpl.get(),
      .sampling = runtime::default_sampling(*m.folder),
      .eos_ids = runtime::default_eos_ids(*m.folder, tokenizer.get()),
      .ctx = m.session->ctx(),
      .vocab = uint32_t(m.folder->config.vocab_size),
      .tool_parser = server::tool_parser(o.tool_call_parser, tokenizer.get())};
  if (served.name.empty()) served.name = "model";
  if (served.tool_parser != server::ToolParser::None)
    std::fprintf(stderr, "serve: tool calls read as %s (--tool-call-parser)\n",
                 server::tool_parser_name(served.tool_parser));
  runtime::Batcher batcher(*m.session, tokenizer.get(), {.max_queue = o.max_queue});
  batcher.prepare();  // graphs recorded (and pipelines built) as part of loading
  o.http.http_threads = o.parallel + o.max_queue + 4;
  server::Server http(batcher, served, o.http);
  http.bind();
  std::fprintf(stderr,
               "vkllm serve: %s on http://%s:%d/v1 (%u slots of %u tokens, queue %u; loaded in "
               "%.2f s)\n",
               served.name.c_str(), o.http.host.c_str(), http.port(), o.parallel, m.session->ctx(),
               o.max_queue, load_timer.seconds());
  std::fflush(stderr);

  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig != 0) http.stop();
  });
  http.run();
  // run() also returns when the socket fails: wake the stopper with a signal it waits for.
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  std::fprintf(stderr, "vkllm serve: stopped\n");
  return m.validation_messages() ? 1 : 0;
}

Registration reg{
    {"serve", "Serve the model over an OpenAI-compatible HTTP API", [](CLI::App& sub) {
       auto o = std::make_shared<Options>();
       o->model.add_to(sub, false, true);
       sub.add_option("--host", o->http.host, "Address to listen on")->capture_default_str();
       sub.add_option("--port", o->http.port, "Port (0: any free one)")->capture_default_str();
       sub.add_option("--api-key", o->http.api_key,
                      "Require 'Authorization: Bearer KEY' on /v1 and /tokenize")
           ->envname("VKLLM_API_KEY");
       sub.add_option("--parallel", o->parallel, "Sequences decoded together (KV cache slots)")
           ->capture_default_str()
           ->check(CLI::Range(1u, 1024u));
       sub.add_option("--max-queue", o->max_queue, "Requests waiting for a slot; past that: 503")
           ->capture_default_str()
           ->check(CLI::Range(0u, 4096u));
       sub.add_option("--max-body", o->http.max_body_bytes,
                      "Largest request body in bytes; past that: 413")
           ->capture_default_str();
       sub.add_option("--served-model-name", o->served_name,
                      "The model's name in the API (default: the folder's name)");
       sub.add_option("--tool-call-parser", o->tool_call_parser,
                      "How tool calls are read out of chat replies (vLLM's names): hermes "
                      "(<tool_call> blocks: Qwen, Hermes), llama3_json (Llama 3.1's JSON), "
                      "mistral ([TOOL_CALLS]), none, or auto: by the marker token the "
                      "vocabulary has")
           ->check(CLI::IsMember({"auto", "hermes", "llama3_json", "mistral", "none"}))
           ->capture_default_str();
       return [o]() -> int { return serve(*o); };
     }}};

}  // namespace
}  // namespace vkllm::cli
