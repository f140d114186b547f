#include "server/openai_response.h"

namespace vkllm::server {

using nlohmann::json;

namespace {

// The token as text (special tokens included) and its UTF-8 bytes.
std::string token_text(const tok::Tokenizer* t, uint32_t id) {
  if (!t) return "token_id:" + std::to_string(id);
  const tok::TokenId one[] = {tok::TokenId(id)};
  return t->decode(one, false);
}

json bytes_of(const std::string& s) {
  json b = json::array();
  for (unsigned char c : s) b.push_back(int(c));
  return b;
}

json choice_logprobs_or_null(const json& logprobs) {
  return logprobs.is_null() ? json(nullptr) : logprobs;
}

}  // namespace

const char* finish_reason(runtime::FinishReason r) {
  using R = runtime::FinishReason;
  switch (r) {
    case R::Eos:
    case R::Stop:
      return "stop";
    case R::Length:
    case R::Context:
      return "length";
    case R::Interrupted:
      return "abort";
  }
  return "stop";
}

json usage_json(const Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", u.cached_tokens}}}};
}

json chat_logprobs(std::span<const LoggedToken> tokens, const tok::Tokenizer* t) {
  json content = json::array();
  for (const LoggedToken& x : tokens) {
    const std::string s = token_text(t, x.id);
    json top = json::array();
    for (const auto& [id, lp] : x.logprob.top) {
      const std::string ts = token_text(t, id);
      top.push_back({{"token", ts}, {"logprob", lp}, {"bytes", bytes_of(ts)}});
    }
    content.push_back({{"token", s},
                       {"logprob", x.logprob.logprob},
                       {"bytes", bytes_of(s)},
                       {"top_logprobs", top}});
  }
  return {{"content", content}};
}

json completion_logprobs(std::span<const LoggedToken> tokens, const tok::Tokenizer* t,
                         size_t offset) {
  json out = {{"tokens", json::array()},
              {"token_logprobs", json::array()},
              {"top_logprobs", json::array()},
              {"text_offset", json::array()}};
  for (const LoggedToken& x : tokens) {
    const std::string s = token_text(t, x.id);
    out["tokens"].push_back(s);
    out["token_logprobs"].push_back(x.logprob.logprob);
    json top = json::object();
    for (const auto& [id, lp] : x.logprob.top) top[token_text(t, id)] = lp;
    out["top_logprobs"].push_back(top);
    out["text_offset"].push_back(offset);
    offset += s.size();
  }
  return out;
}

namespace {
// The fields every response object and chunk starts with.
json envelope(const ResponseHead& h, const char* object, json choices) {
  return {{"id", h.id},
          {"object", object},
          {"created", h.created},
          {"model", h.model},
          {"choices", std::move(choices)}};
}
}  // namespace

json completion_object(const ResponseHead& h, const std::string& text, const json& logprobs,
                       runtime::FinishReason finish, const Usage& u) {
  json o = envelope(h, "text_completion",
                    {{{"index", 0},
                      {"text", text},
                      {"logprobs", choice_logprobs_or_null(logprobs)},
                      {"finish_reason", finish_reason(finish)}}});
  o["usage"] = usage_json(u);
  return o;
}

json chat_object(const ResponseHead& h, const std::string& text, const json& logprobs,
                 runtime::FinishReason finish, const Usage& u) {
  json o = envelope(h, "chat.completion",
                    {{{"index", 0},
                      {"message", {{"role", "assistant"}, {"content", text}}},
                      {"logprobs", choice_logprobs_or_null(logprobs)},
                      {"finish_reason", finish_reason(finish)}}});
  o["usage"] = usage_json(u);
  return o;
}

json tool_calls_json(const std::vector<ToolCall>& calls, bool with_index) {
  json out = json::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    json c = {{"id", calls[i].id},
              {"type", "function"},
              {"function", {{"name", calls[i].name}, {"arguments", calls[i].arguments}}}};
    if (with_index) c["index"] = i;
    out.push_back(std::move(c));
  }
  return out;
}

json chat_object(const ResponseHead& h, const ToolParse& reply, const json& logprobs,
                 const Usage& u) {
  json message = {{"role", "assistant"},
                  {"content", reply.content.empty() ? json(nullptr) : json(reply.content)},
                  {"tool_calls", tool_calls_json(reply.calls, false)}};
  json o = envelope(h, "chat.completion",
                    {{{"index", 0},
                      {"message", std::move(message)},
                      {"logprobs", choice_logprobs_or_null(logprobs)},
                      {"finish_reason", "tool_calls"}}});
  o["usage"] = usage_json(u);
  return o;
}

json completion_chunk(const ResponseHead& h, const std::string& text, const json& logprobs,
                      const json& finish) {
  return envelope(h, "text_completion",
                  {{{"index", 0},
                    {"text", text},
                    {"logprobs", choice_logprobs_or_null(logprobs)},
                    {"finish_reason", finish}}});
}

json chat_chunk(const ResponseHead& h, const json& delta, const json& logprobs,
                const json& finish) {
  return envelope(h, "chat.completion.chunk",
                  {{{"index", 0},
                    {"delta", delta},
                    {"logprobs", choice_logprobs_or_null(logprobs)},
                    {"finish_reason", finish}}});
}

json usage_chunk(const ResponseHead& h, bool chat, const Usage& u) {
  json o = envelope(h, chat ? "chat.completion.chunk" : "text_completion", json::array());
  o["usage"] = usage_json(u);
  return o;
}

std::string sse(const json& data) {
  return "data: " + data.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

}  // namespace vkllm::server
