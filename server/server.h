// vkllm serve: an OpenAI-compatible HTTP server (cpp-httplib) in front of a
// Batcher. Routes:
//   POST /v1/chat/completions, POST /v1/completions  (JSON or server-sent events)
//   GET  /v1/models, /v1/models/{name}, /health, /metrics
//   POST /tokenize, /detokenize
// Every error is {"error": {"message", "type", "param", "code"}} with its status:
// 400 bad input, 401 without the API key, 404 unknown route or model, 413 a body
// over the limit, 503 when the queue is full, 500 when the engine failed.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "engine/runtime/batcher.h"
#include "server/metrics.h"
#include "server/openai_request.h"

namespace httplib {
class Server;
}

namespace vkllm::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                   // 0: any free port (Server::port() tells which)
  std::string api_key;               // required as "Authorization: Bearer KEY" when set
  size_t max_body_bytes = 8u << 20;  // larger bodies get 413
  uint32_t http_threads = 64;        // connections served at once
};

class Server {
 public:
  Server(runtime::Batcher& batcher, ServedModel model, ServerOptions options);
  ~Server();

  // Binds the listening socket; throws Error when it cannot.
  void bind();
  int port() const { return port_; }
  // Serves until stop() (from another thread or a signal handler's thread). A
  // stop() that comes before run() has started listening still ends it.
  void run();
  void stop();

 private:
  void routes();
  runtime::Batcher& batcher_;
  ServedModel model_;
  ServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  HttpCounters counters_;
  int port_ = 0;
  int64_t started_ = 0;  // unix time, for /v1/models' "created"
  std::atomic<uint64_t> next_id_{0};
  std::atomic<bool> stopping_{false}, running_{false};
};

}  // namespace vkllm::server
