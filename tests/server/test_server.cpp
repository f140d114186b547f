// The HTTP server in process on the demo model, over loopback with a plain HTTP
// client: /health, /metrics, /tokenize, /detokenize, /v1/models; bad input answered
// with a JSON error while the server keeps serving; the API key; a client gone
// mid-stream or before a non-streaming reply frees its slot; tool calls; a thousand
// requests in a row leave memory flat.
// (tests/server/js drives the same server with the official openai client.)
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/base/error.h"
#include "engine/runtime/device_map.h"
#include "engine/vulkan/context.h"
#include "server/server.h"

namespace vkllm {
namespace {

using nlohmann::json;

const std::filesystem::path kDemo = std::filesystem::path(VKLLM_SOURCE_DIR) / "models" / "demo";

// The demo model behind a server on a free loopback port.
struct Served {
  vk::Context ctx{{.validation = true, .device_options = {.persist_pipeline_cache = false}}};
  model::ModelFolder folder = model::open_model_folder(kDemo);
  tok::Tokenizer tokenizer = tok::Tokenizer::load(kDemo);
  chat::ChatTemplate tmpl = chat::ChatTemplate::load(kDemo);
  runtime::Session session;
  runtime::Batcher batcher;
  server::Server http;
  std::thread thread;

  explicit Served(uint32_t slots, std::string api_key = {}, size_t max_body = 1 << 20,
                  server::ToolParser tools = server::ToolParser::None)
      : session({&ctx.device()}, folder, runtime::single_device(folder.config),
                {.ctx = 256, .sequences = slots}),
        batcher(session, &tokenizer, {.max_queue = 8}),
        http(batcher,
             {.name = "demo",
              .tokenizer = &tokenizer,
              .chat_template = &tmpl,
              .sampling = runtime::default_sampling(folder),
              .eos_ids = runtime::default_eos_ids(folder, &tokenizer),
              .ctx = 256,
              .vocab = uint32_t(folder.config.vocab_size),
              .tool_parser = tools},
             {.host = "127.0.0.1",
              .port = 0,
              .api_key = std::move(api_key),
              .max_body_bytes = max_body,
              .http_threads = 16}) {
    http.bind();
    thread = std::thread([this] { http.run(); });
  }
  ~Served() {
    http.stop();
    thread.join();
  }
  httplib::Client client() {
    httplib::Client c("127.0.0.1", http.port());
    c.set_read_timeout(120, 0);
    return c;
  }
  json metrics_gauge(const std::string& name) {
    auto r = client().Get("/metrics");
    EXPECT_TRUE(r);
    const std::string key = name + "{model_name=\"demo\"} ";
    const size_t at = r->body.find(key);
    if (at == std::string::npos) return nullptr;
    return std::stod(r->body.substr(at + key.size()));
  }
};

json post(httplib::Client& c, const std::string& path, const std::string& body, int& status) {
  auto r = c.Post(path, body, "application/json");
  EXPECT_TRUE(r) << path;
  if (!r) return nullptr;
  status = r->status;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << r->body;
  return json::parse(r->body);
}

// A JSON error body with its status, and a message naming `mentions`.
void expect_error(Served& s, const std::string& path, const std::string& body, int status,
                  const std::string& mentions) {
  httplib::Client c = s.client();
  int got = 0;
  const json j = post(c, path, body, got);
  SCOPED_TRACE(body.substr(0, 200));
  EXPECT_EQ(got, status);
  ASSERT_TRUE(j.contains("error")) << j.dump();
  EXPECT_NE(j["error"]["message"].get<std::string>().find(mentions), std::string::npos) << j.dump();
  EXPECT_TRUE(j["error"].contains("type"));
  EXPECT_TRUE(j["error"].contains("code"));
}

TEST(Server, HealthModelsTokenize) {
  Served s(2);
  httplib::Client c = s.client();
  auto h = c.Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  const json models = json::parse(c.Get("/v1/models")->body);
  EXPECT_EQ(models["data"][0]["id"], "demo");
  EXPECT_EQ(models["data"][0]["max_model_len"], 256);
  EXPECT_EQ(c.Get("/v1/models/demo")->status, 200);
  EXPECT_EQ(c.Get("/v1/models/other")->status, 404);

  int status = 0;
  const json t = post(c, "/tokenize", R"({"prompt": "Once upon a time"})", status);
  EXPECT_EQ(status, 200);
  std::vector<uint32_t> want;
  for (auto id : s.tokenizer.encode("Once upon a time", true)) want.push_back(uint32_t(id));
  EXPECT_EQ(t["tokens"].get<std::vector<uint32_t>>(), want);
  EXPECT_EQ(t["count"], want.size());
  const json d = post(c, "/detokenize", json{{"tokens", want}}.dump(), status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(d["prompt"], s.tokenizer.decode(std::vector<tok::TokenId>(want.begin(), want.end())));
  // Chat messages through the template, as the chat endpoint renders them.
  const json m =
      post(c, "/tokenize", R"({"messages": [{"role": "user", "content": "Hi"}]})", status);
  EXPECT_EQ(status, 200);
  EXPECT_GT(m["count"].get<int>(), 2);
}

TEST(Server, BadInputIsAJsonErrorAndTheServerGoesOn) {
  Served s(1, {}, 4096);
  const std::string p = "/v1/completions";
  expect_error(s, p, "{\"prompt\": ", 400, "not valid JSON");
  expect_error(s, p, "[1, 2]", 400, "JSON object");
  expect_error(s, p, R"({"prompt": "a", "temperature": "hot"})", 400, "'temperature' must be");
  expect_error(s, p, R"({"prompt": "a", "max_tokens": 2.5})", 400, "'max_tokens' must be");
  expect_error(s, p, R"({"prompt": "a", "max_tokens": 0})", 400, "'max_tokens' must be");
  expect_error(s, p, R"({"prompt": "a", "top_p": 0})", 400, "'top_p'");
  expect_error(s, p, R"({"prompt": "a", "n": 3})", 400, "n = 1");
  expect_error(s, p, R"({"prompt": "a", "stop": 5})", 400, "'stop'");
  expect_error(s, p, R"({"prompt": ["a", "b"]})", 400, "one prompt per request");
  expect_error(s, p, R"({"prompt": [1, 99999999]})", 400, "below");
  expect_error(s, p, R"({"prompt": "a", "stream_options": {"include_usage": true}})", 400,
               "only allowed with stream");
  expect_error(s, p, R"({"prompt": "a", "model": "gpt-4"})", 404, "does not exist");
  expect_error(s, p, R"({"max_tokens": 3})", 400, "'prompt' is required");
  // A prompt longer than the context, and one whose max_tokens do not fit: the numbers.
  std::string longer = R"({"prompt": ")";
  for (int i = 0; i < 300; ++i) longer += "the dog ran. ";
  expect_error(s, p, longer + "\"}", 400, "maximum context length is 256 tokens");
  expect_error(s, p, R"({"prompt": "a", "max_tokens": 1000})", 400, "for the completion");
  const std::string chat = "/v1/chat/completions";
  expect_error(s, chat, R"({"messages": "hi"})", 400, "'messages'");
  expect_error(s, chat, R"({"messages": [{"content": "hi"}]})", 400, "'role'");
  expect_error(s, chat, R"({"messages": [{"role": "user", "content": "hi"}], "top_logprobs": 2})",
               400, "needs 'logprobs'");
  // A body over the limit: 413 with a JSON body.
  expect_error(s, p, "{\"prompt\": \"" + std::string(5000, 'a') + "\"}", 413, "larger than");

  // Unknown fields are ignored; after all that the server still answers.
  httplib::Client c = s.client();
  int status = 0;
  const json ok = post(
      c, p, R"({"prompt": "Once upon a time", "max_tokens": 3, "temperature": 0, "x_unknown": 1})",
      status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(ok["usage"]["completion_tokens"], 3);
  auto missing = c.Get("/v2/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_TRUE(json::parse(missing->body).contains("error"));
}

// A second server on a port that is in use is refused with the address named.
// With tools and a tool-call parser, a reply that holds no call comes back as the
// same content streamed or not (the stream holds back only text that may start a
// call), and tool_choice takes the API's values only.
TEST(Server, RepliesWithoutToolCallsStayContent) {
  Served s(2, {}, 1 << 20, server::ToolParser::Llama3Json);
  const json req = {
      {"messages", {{{"role", "user"}, {"content", "Tell me a story."}}}},
      {"tools",
       {{{"type", "function"},
         {"function", {{"name", "get_time"}, {"parameters", {{"type", "object"}}}}}}}},
      {"max_tokens", 12},
      {"temperature", 0}};
  httplib::Client c = s.client();
  int status = 0;
  const json whole = post(c, "/v1/chat/completions", req.dump(), status);
  ASSERT_EQ(status, 200) << whole.dump();
  const json& choice = whole["choices"][0];
  EXPECT_FALSE(choice["message"].contains("tool_calls"));
  EXPECT_NE(choice["finish_reason"], "tool_calls");
  EXPECT_FALSE(choice["message"]["content"].get<std::string>().empty());
  json streamed_req = req;
  streamed_req["stream"] = true;
  auto r = c.Post("/v1/chat/completions", streamed_req.dump(), "application/json");
  ASSERT_TRUE(r);
  std::string content, finish;
  for (size_t at = r->body.find("data: {"); at != std::string::npos;
       at = r->body.find("data: {", at + 1)) {
    const json chunk = json::parse(r->body.substr(at + 6, r->body.find("\n\n", at) - at - 6));
    const json& ch = chunk["choices"][0];
    EXPECT_FALSE(ch["delta"].contains("tool_calls"));
    if (ch["delta"].contains("content")) content += ch["delta"]["content"].get<std::string>();
    if (!ch["finish_reason"].is_null()) finish = ch["finish_reason"];
  }
  EXPECT_EQ(content, choice["message"]["content"].get<std::string>());
  EXPECT_EQ(finish, choice["finish_reason"]);
  expect_error(s, "/v1/chat/completions",
               R"({"messages": [{"role": "user", "content": "hi"}], "tool_choice": "always"})", 400,
               "tool_choice");
}

TEST(Server, PortInUseIsAnError) {
  Served s(1);
  runtime::Batcher other(s.session, &s.tokenizer);
  server::Server second(other, {.name = "demo", .tokenizer = &s.tokenizer, .ctx = 256, .vocab = 1},
                        {.port = s.http.port()});
  try {
    second.bind();
    FAIL() << "bound a port already in use";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(s.http.port())), std::string::npos);
  }
}

TEST(Server, ApiKey) {
  Served s(1, "sekret");
  httplib::Client c = s.client();
  int status = 0;
  const std::string body = R"({"prompt": "Once", "max_tokens": 2})";
  const json j = post(c, "/v1/completions", body, status);
  EXPECT_EQ(status, 401);
  EXPECT_EQ(j["error"]["code"], "invalid_api_key");
  EXPECT_EQ(c.Get("/health")->status, 200);  // open, for load balancers
  c.set_bearer_token_auth("sekret");
  post(c, "/v1/completions", body, status);
  EXPECT_EQ(status, 200);
}

TEST(Server, MetricsCountWhatHappened) {
  Served s(2);
  httplib::Client c = s.client();
  int status = 0;
  for (int i = 0; i < 3; ++i)
    post(c, "/v1/completions", R"({"prompt": "Once upon a time", "max_tokens": 4})", status);
  // HTTP responses are counted once written (the logger runs after the client may
  // have read the third one): wait, boundedly, for that count.
  std::string text = c.Get("/metrics")->body;
  for (int i = 0;
       i < 100 && text.find("route=\"/v1/completions\",status=\"200\"} 3") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    text = c.Get("/metrics")->body;
  }
  EXPECT_NE(text.find("# TYPE vkllm_time_to_first_token_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("vkllm_requests_finished_total{model_name=\"demo\"} 3"), std::string::npos);
  EXPECT_NE(text.find("vkllm_generation_tokens_total{model_name=\"demo\"} 12"), std::string::npos);
  EXPECT_NE(text.find("vkllm_time_to_first_token_seconds_count{model_name=\"demo\"} 3"),
            std::string::npos);
  EXPECT_NE(text.find("route=\"/v1/completions\",status=\"200\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("vkllm_slots{model_name=\"demo\"} 2"), std::string::npos);
}

// POST /v1/completions with `body` over a plain socket, left open: its descriptor (-1
// when the connection or the write fails).
int raw_completion(Served& s, const std::string& body) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(s.http.port()));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  const std::string req =
      "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      write(fd, req.data(), req.size()) != ssize_t(req.size())) {
    close(fd);
    return -1;
  }
  return fd;
}

// A raw socket that sends a streaming request, reads its first event and hangs up:
// the request ends and its (only) slot serves the next request.
TEST(Server, ClientGoneMidStreamFreesItsSlot) {
  Served s(1);
  const int fd = raw_completion(
      s,
      R"({"prompt": "Once upon a time", "max_tokens": 200, "ignore_eos": true, "stream": true})");
  ASSERT_GE(fd, 0);
  std::string got;
  char buf[4096];
  while (got.find("data: ") == std::string::npos) {
    const ssize_t n = read(fd, buf, sizeof buf);
    ASSERT_GT(n, 0);
    got.append(buf, size_t(n));
  }
  close(fd);
  // The one slot is free again well before 200 tokens would have been generated.
  httplib::Client c = s.client();
  int status = 0;
  const json j = post(c, "/v1/completions", R"({"prompt": "Once", "max_tokens": 2})", status);
  EXPECT_EQ(status, 200);
  EXPECT_LT(s.batcher.metrics().generated_tokens, 150u);
  EXPECT_EQ(s.metrics_gauge("vkllm_requests_running"), 0.0);
}

// Resident memory after 300 short requests in a row is what it was after the
// first 60 (allocations reach a steady state), within 8 MiB. (lavapipe takes about
// 60 ms a step; benchmarks/server/load_test.mjs --sequential 1000 runs the full
// thousand on a GPU.)
// The same for a client that hangs up before a non-streaming reply: the server
// notices between tokens (it peeks at the connection) and frees the slot.
TEST(Server, ClientGoneBeforeTheReplyFreesItsSlot) {
  Served s(1);
  const int fd =
      raw_completion(s, R"({"prompt": "Once upon a time", "max_tokens": 200, "ignore_eos": true})");
  ASSERT_GE(fd, 0);
  // Hang up once the request is running (a few tokens in).
  for (int i = 0; i < 600 && s.batcher.metrics().generated_tokens < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_GE(s.batcher.metrics().generated_tokens, 3u);
  close(fd);
  httplib::Client c = s.client();
  int status = 0;
  const json j = post(c, "/v1/completions", R"({"prompt": "Once", "max_tokens": 2})", status);
  EXPECT_EQ(status, 200);
  EXPECT_LT(s.batcher.metrics().generated_tokens, 150u);
  EXPECT_EQ(s.metrics_gauge("vkllm_requests_running"), 0.0);
}

TEST(Server, SequentialRequestsLeaveMemoryFlat) {
  Served s(2);
  httplib::Client c = s.client();
  auto rss = [] {
    std::ifstream statm("/proc/self/statm");
    uint64_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * uint64_t(sysconf(_SC_PAGESIZE));
  };
  auto one = [&](int i) {
    const json body = {{"prompt", i % 2 ? "Once upon a time" : "The dog"},
                       {"max_tokens", 1},
                       {"stream", i % 3 == 0}};
    auto r = c.Post("/v1/completions", body.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
  };
  for (int i = 0; i < 60; ++i) one(i);
  const uint64_t before = rss();
  for (int i = 60; i < 300; ++i) one(i);
  const uint64_t after = rss();
  EXPECT_LT(after, before + (8u << 20)) << "before " << before << " after " << after;
  EXPECT_EQ(s.batcher.metrics().requests_finished, 300u);
}

}  // namespace
}  // namespace vkllm
