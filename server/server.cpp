#include "server/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "engine/base/error.h"
#include "server/openai_response.h"

namespace vkllm::server {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kPoll = std::chrono::milliseconds(50);
// A stream that waits this long for its next token writes an SSE comment, so that
// a client that went away is noticed (the write fails) and its slot freed.
constexpr auto kKeepAlive = std::chrono::milliseconds(250);

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void reply_error(httplib::Response& res, const ApiError& e) {
  reply(res, e.status, e.body());
}

json parse_body(const httplib::Request& req) {
  try {
    return json::parse(req.body);
  } catch (const json::parse_error& e) {
    throw ApiError(400, fmt::format("the request body is not valid JSON: {}", e.what()));
  }
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What a request accumulates from its events.
struct Outcome {
  std::string text;
  std::vector<LoggedToken> logged;
  runtime::FinishReason finish = runtime::FinishReason::Length;
  std::string error;
  bool done = false;
};

// The connection a request came on: the socket of this process whose peer is the
// request's remote address and port and whose own port is its local port (httplib
// 0.11 does not hand handlers the socket). -1 where none matches.
int connection_of(const httplib::Request& req) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return -1;
  int found = -1;
  while (const dirent* e = readdir(dir)) {
    const int fd = std::atoi(e->d_name);
    struct stat st {};
    if (fd <= 2 || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage peer{}, self{};
    socklen_t pn = sizeof peer, sn = sizeof self;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pn) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&self), &sn) != 0)
      continue;
    char host[INET6_ADDRSTRLEN] = {};
    int port = -1, local = -1;
    if (peer.ss_family == AF_INET) {
      const auto& p = reinterpret_cast<const sockaddr_in&>(peer);
      inet_ntop(AF_INET, &p.sin_addr, host, sizeof host);
      port = ntohs(p.sin_port);
      local = ntohs(reinterpret_cast<const sockaddr_in&>(self).sin_port);
    } else if (peer.ss_family == AF_INET6) {
      const auto& p = reinterpret_cast<const sockaddr_in6&>(peer);
      inet_ntop(AF_INET6, &p.sin6_addr, host, sizeof host);
      port = ntohs(p.sin6_port);
      local = ntohs(reinterpret_cast<const sockaddr_in6&>(self).sin6_port);
    }
    if (port == req.remote_port && local == req.local_port && host == req.remote_addr) {
      found = fd;
      break;
    }
  }
  closedir(dir);
  return found;
}

// Whether the client closed the connection: a peek that reads end-of-stream or fails
// for any reason but "no data yet".
bool client_gone(int fd) {
  if (fd < 0) return false;
  char c;
  const ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

// The ids of a response's tool calls: "call_" and the response id's unique part.
std::string call_prefix(const ResponseHead& h) {
  return "call_" + h.id.substr(h.id.find('-') + 1) + "_";
}

// Folds one event into `o`; returns the text and tokens it added (for a stream chunk).
std::pair<std::string, std::vector<LoggedToken>> fold(Outcome& o, const runtime::BatchEvent& e) {
  using K = runtime::BatchEvent::Kind;
  std::vector<LoggedToken> added;
  if (e.kind == K::Done) {
    o.done = true;
    o.finish = e.finish;
    o.error = e.error;
    return {};
  }
  if (e.kind == K::Token && e.logprob) added.push_back({e.id, *e.logprob});
  o.text += e.text;
  o.logged.insert(o.logged.end(), added.begin(), added.end());
  return {e.text, added};
}

Usage usage_of(const runtime::BatchHandle& h) {
  return {h.prompt_tokens, h.completion_tokens, h.cached_tokens};
}

}  // namespace

Server::Server(runtime::Batcher& batcher, ServedModel model, ServerOptions options)
    : batcher_(batcher),
      model_(std::move(model)),
      options_(std::move(options)),
      http_(std::make_unique<httplib::Server>()),
      started_(unix_now()) {
  const uint32_t threads = options_.http_threads;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_payload_max_length(options_.max_body_bytes);
  // SO_REUSEADDR only: httplib's default SO_REUSEPORT would let a second server bind
  // the same port and silently share its connections.
  http_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http_->set_keep_alive_max_count(1000);
  routes();
}

Server::~Server() {
  stop();
}

void Server::bind() {
  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(options_.host);
    if (port_ < 0) fail("serve: cannot listen on {} (any port)", options_.host);
  } else {
    if (!http_->bind_to_port(options_.host.c_str(), options_.port))
      fail("serve: cannot listen on {}:{} (in use, or not an address of this machine?)",
           options_.host, options_.port);
    port_ = options_.port;
  }
}

void Server::run() {
  running_ = true;
  if (!stopping_) http_->listen_after_bind();
  running_ = false;
}

// httplib's stop() does nothing until listen has begun, so a stop() between run()'s
// start and its listening would be lost (and run() would serve forever): wait for
// one or the other.
void Server::stop() {
  stopping_ = true;
  if (!http_) return;
  while (running_ && !http_->is_running()) std::this_thread::yield();
  if (http_->is_running()) http_->stop();
}

void Server::routes() {
  httplib::Server& s = *http_;

  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const bool open = req.path == "/health" || req.path == "/metrics";
    if (options_.api_key.empty() || open) return httplib::Server::HandlerResponse::Unhandled;
    if (req.get_header_value("Authorization") == "Bearer " + options_.api_key)
      return httplib::Server::HandlerResponse::Unhandled;
    reply_error(res, ApiError(401, "Incorrect API key provided", "invalid_request_error", "",
                              "invalid_api_key"));
    return httplib::Server::HandlerResponse::Handled;
  });
  // Errors httplib answers itself (no route, a body over the limit) get a JSON body.
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        if (res.status == 413)
          reply_error(res, ApiError(413,
                                    fmt::format("the request body is larger than {} bytes",
                                                options_.max_body_bytes),
                                    "invalid_request_error", "", "request_too_large"));
        else if (res.status == 404)
          reply_error(res, ApiError(404, fmt::format("no route {} {}", req.method, req.path),
                                    "invalid_request_error", "", "not_found"));
        else
          reply_error(res, ApiError(res.status, fmt::format("HTTP {}", res.status)));
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        reply_error(res, ApiError(500, what, "server_error"));
      });
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    counters_.count(req.path, res.status);
    spdlog::info("{} {} -> {}", req.method, req.path, res.status);
  });

  s.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, {{"status", "ok"}});
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(
        prometheus_text(model_.name, batcher_.metrics(), counters_.snapshot(), batcher_.slots()),
        "text/plain; version=0.0.4");
  });
  auto model_json = [this] {
    return json{{"id", model_.name},
                {"object", "model"},
                {"created", started_},
                {"owned_by", "vkllm"},
                {"max_model_len", model_.ctx}};
  };
  s.Get("/v1/models", [model_json](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, {{"object", "list"}, {"data", {model_json()}}});
  });
  s.Get(R"(/v1/models/(.+))", [this, model_json](const httplib::Request& req,
                                                 httplib::Response& res) {
    if (req.matches[1] != model_.name)
      return reply_error(
          res,
          ApiError(404, fmt::format("The model '{}' does not exist", std::string(req.matches[1])),
                   "invalid_request_error", "model", "model_not_found"));
    reply(res, 200, model_json());
  });

  s.Post("/tokenize", [this](const httplib::Request& req, httplib::Response& res) {
    try {
      const json body = parse_body(req);
      if (!body.is_object()) throw ApiError(400, "the request body must be a JSON object");
      if (!model_.tokenizer) throw ApiError(400, "this model folder has no tokenizer.json");
      std::vector<uint32_t> ids;
      if (body.contains("messages")) {
        ids = parse_chat(json{{"messages", body["messages"]}, {"max_tokens", 1}}, model_).prompt;
      } else {
        const json& text = body.contains("prompt") ? body["prompt"] : body.value("content", json());
        if (!text.is_string())
          throw ApiError(400, "give the text as 'prompt' (or 'content'), a string",
                         "invalid_request_error", "prompt");
        const json special = body.value("add_special_tokens", json(true));
        if (!special.is_boolean())
          throw ApiError(400, "'add_special_tokens' must be true or false", "invalid_request_error",
                         "add_special_tokens");
        for (auto id : model_.tokenizer->encode(text.get<std::string>(), special.get<bool>()))
          ids.push_back(uint32_t(id));
      }
      reply(res, 200, {{"tokens", ids}, {"count", ids.size()}, {"max_model_len", model_.ctx}});
    } catch (const ApiError& e) {
      reply_error(res, e);
    }
  });
  s.Post("/detokenize", [this](const httplib::Request& req, httplib::Response& res) {
    try {
      const json body = parse_body(req);
      if (!body.is_object() || !body.contains("tokens") || !body["tokens"].is_array())
        throw ApiError(400, "give 'tokens', a list of token ids", "invalid_request_error",
                       "tokens");
      if (!model_.tokenizer) throw ApiError(400, "this model folder has no tokenizer.json");
      std::vector<tok::TokenId> ids;
      for (const json& x : body["tokens"]) {
        if (!x.is_number_unsigned() || x.get<uint64_t>() >= model_.tokenizer->vocab_size())
          throw ApiError(400,
                         fmt::format("token ids must be below {}", model_.tokenizer->vocab_size()),
                         "invalid_request_error", "tokens");
        ids.push_back(tok::TokenId(x.get<uint64_t>()));
      }
      const std::string text = model_.tokenizer->decode(ids, false);
      reply(res, 200, {{"prompt", text}, {"content", text}});
    } catch (const ApiError& e) {
      reply_error(res, e);
    }
  });

  auto generate = [this](bool chat) {
    return [this, chat](const httplib::Request& req, httplib::Response& res) {
      ApiRequest r;
      std::shared_ptr<runtime::BatchHandle> handle;
      try {
        const json body = parse_body(req);
        r = chat ? parse_chat(body, model_) : parse_completion(body, model_);
        handle = batcher_.submit(
            {.prompt = r.prompt, .options = r.options, .top_logprobs = r.top_logprobs});
      } catch (const ApiError& e) {
        return reply_error(res, e);
      } catch (const runtime::QueueFull& e) {
        return reply_error(res, ApiError(503, e.what(), "server_error", "", "queue_full"));
      } catch (const Error& e) {
        return reply_error(res, ApiError(400, e.what()));
      }
      const ResponseHead head{
          .id = fmt::format("{}-{:x}{:08x}", chat ? "chatcmpl" : "cmpl", started_, ++next_id_),
          .created = unix_now(),
          .model = model_.name};
      const bool logprobs = r.top_logprobs >= 0;

      if (!r.stream) {
        // The client may hang up before the reply: checked between tokens, as a
        // stream's failed write is, so that its slot is freed at once.
        const int conn = connection_of(req);
        Outcome o;
        Clock::time_point checked = Clock::now();
        while (!o.done) {
          if (auto e = handle->next(kPoll)) fold(o, *e);
          if (Clock::now() - checked < kPoll) continue;
          checked = Clock::now();
          if (client_gone(conn)) handle->cancel();  // its Done follows
        }
        if (!o.error.empty())
          return reply_error(res, ApiError(500, "generation failed: " + o.error, "server_error"));
        const json lp = !logprobs ? json(nullptr)
                        : chat    ? chat_logprobs(o.logged, model_.tokenizer)
                                  : completion_logprobs(o.logged, model_.tokenizer, 0);
        const Usage u = usage_of(*handle);
        if (r.tool_calls)
          if (ToolParse t = parse_tool_calls(model_.tool_parser, o.text, call_prefix(head));
              !t.calls.empty())
            return reply(res, 200, chat_object(head, t, lp, u));
        return reply(res, 200,
                     chat ? chat_object(head, o.text, lp, o.finish, u)
                          : completion_object(head, o.text, lp, o.finish, u));
      }

      // Server-sent events: one chunk per token (text and log-probabilities), the
      // last with finish_reason, the usage chunk when asked for, then [DONE]. With
      // tool calls to read out, text that may start a call is held back until the
      // end, then sent as content or as one tool_calls delta (finish "tool_calls").
      struct Stream {
        Outcome o;
        bool started = false;
        size_t offset = 0;              // completion text so far, for text_offset
        size_t sent = 0;                // bytes of o.text sent (less than all while held back)
        std::vector<LoggedToken> held;  // log-probabilities of the held-back text
        Clock::time_point last_write = Clock::now();
      };
      auto st = std::make_shared<Stream>();
      const bool include_usage = r.include_usage;
      const ToolParser tools = r.tool_calls ? model_.tool_parser : ToolParser::None;
      res.set_header("Cache-Control", "no-cache");
      res.set_chunked_content_provider(
          "text/event-stream",
          [this, chat, head, handle, st, logprobs, include_usage, tools](size_t,
                                                                         httplib::DataSink& sink) {
            auto write = [&](const std::string& s) {
              st->last_write = Clock::now();
              if (sink.write(s.data(), s.size())) return true;
              handle->cancel();  // the client went away: free its slot now
              return false;
            };
            if (chat && !st->started &&
                !write(sse(
                    chat_chunk(head, {{"role", "assistant"}, {"content", ""}}, nullptr, nullptr))))
              return false;
            st->started = true;
            std::optional<runtime::BatchEvent> e = handle->next(kPoll);
            if (!e) {
              if (Clock::now() - st->last_write < kKeepAlive) return true;
              return write(": keep-alive\n\n");
            }
            auto [text, added] = fold(st->o, *e);
            if (tools != ToolParser::None) {
              st->held.insert(st->held.end(), added.begin(), added.end());
              const std::string_view rest = std::string_view(st->o.text).substr(st->sent);
              const size_t n = st->o.done ? 0 : tool_content_prefix(tools, rest);
              text = std::string(rest.substr(0, n));
              added.clear();
              if (n == rest.size()) added.swap(st->held);  // nothing held: its tokens go now
              st->sent += n;
            }
            if (!st->o.done) {
              if (text.empty() && added.empty()) return true;
              json lp = nullptr;
              if (logprobs)
                lp = chat ? chat_logprobs(added, model_.tokenizer)
                          : completion_logprobs(added, model_.tokenizer, st->offset);
              st->offset += text.size();
              return write(sse(chat ? chat_chunk(head, {{"content", text}}, lp, nullptr)
                                    : completion_chunk(head, text, lp, nullptr)));
            }
            if (!st->o.error.empty()) {
              write(sse(ApiError(500, "generation failed: " + st->o.error, "server_error").body()));
              return false;
            }
            json finish = finish_reason(st->o.finish);
            if (tools != ToolParser::None) {  // what was held back: content or calls
              const ToolParse t = parse_tool_calls(
                  tools, std::string_view(st->o.text).substr(st->sent), call_prefix(head));
              const json lp = logprobs ? chat_logprobs(st->held, model_.tokenizer) : json(nullptr);
              if (!t.content.empty() &&
                  !write(sse(chat_chunk(head, {{"content", t.content}},
                                        t.calls.empty() ? lp : nullptr, nullptr))))
                return false;
              if (!t.calls.empty()) {
                if (!write(sse(chat_chunk(head, {{"tool_calls", tool_calls_json(t.calls, true)}},
                                          lp, nullptr))))
                  return false;
                finish = "tool_calls";
              }
            }
            if (!write(sse(chat ? chat_chunk(head, json::object(), nullptr, finish)
                                : completion_chunk(head, "", nullptr, finish))))
              return false;
            if (include_usage && !write(sse(usage_chunk(head, chat, usage_of(*handle)))))
              return false;
            if (!write("data: [DONE]\n\n")) return false;
            sink.done();
            return true;
          },
          [handle](bool) { handle->cancel(); });  // no effect once it is done
    };
  };
  s.Post("/v1/completions", generate(false));
  s.Post("/v1/chat/completions", generate(true));
}

}  // namespace vkllm::server
