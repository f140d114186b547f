// The JSON the OpenAI API answers with: completion and chat completion objects,
// their stream chunks (server-sent events), usage, and log-probabilities.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string>

#include "engine/runtime/batcher.h"
#include "loaders/tokenizer/tokenizer.h"
#include "server/tool_calls.h"

namespace vkllm::server {

// Everything a response object carries besides the choice.
struct ResponseHead {
  std::string id;  // "cmpl-..." / "chatcmpl-..."
  int64_t created = 0;
  std::string model;
};

struct Usage {
  uint32_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0;
};

// A generated token with its log-probabilities.
struct LoggedToken {
  uint32_t id = 0;
  runtime::TokenLogprob logprob;
};

// "stop" (end-of-sequence or a stop string) or "length" (max_tokens or the context).
const char* finish_reason(runtime::FinishReason r);

nlohmann::json usage_json(const Usage& u);
// Chat: {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}]}.
nlohmann::json chat_logprobs(std::span<const LoggedToken> tokens, const tok::Tokenizer* t);
// Completions: {"tokens", "token_logprobs", "top_logprobs", "text_offset"}; `offset`:
// the text before the first token (for text_offset).
nlohmann::json completion_logprobs(std::span<const LoggedToken> tokens, const tok::Tokenizer* t,
                                   size_t offset);

nlohmann::json completion_object(const ResponseHead& h, const std::string& text,
                                 const nlohmann::json& logprobs, runtime::FinishReason finish,
                                 const Usage& u);
nlohmann::json chat_object(const ResponseHead& h, const std::string& text,
                           const nlohmann::json& logprobs, runtime::FinishReason finish,
                           const Usage& u);
// A reply with tool calls: message.tool_calls, content null where nothing else was
// said, finish_reason "tool_calls".
nlohmann::json chat_object(const ResponseHead& h, const ToolParse& reply,
                           const nlohmann::json& logprobs, const Usage& u);
// [{"index", "id", "type": "function", "function": {"name", "arguments"}}]: the
// tool_calls of a message (without index) or of a stream delta (with it).
nlohmann::json tool_calls_json(const std::vector<ToolCall>& calls, bool with_index);

// Stream chunks; `finish` null until the last one.
nlohmann::json completion_chunk(const ResponseHead& h, const std::string& text,
                                const nlohmann::json& logprobs, const nlohmann::json& finish);
nlohmann::json chat_chunk(const ResponseHead& h, const nlohmann::json& delta,
                          const nlohmann::json& logprobs, const nlohmann::json& finish);
// The chunk after the last one with stream_options.include_usage: no choices, usage.
nlohmann::json usage_chunk(const ResponseHead& h, bool chat, const Usage& u);

// One server-sent event as the OpenAI clients parse it.
std::string sse(const nlohmann::json& data);

}  // namespace vkllm::server
