// Tool calls in generated text, as vLLM's --tool-call-parser reads them out of a
// chat completion: Hermes/Qwen's <tool_call>{...}</tool_call> blocks, Llama 3.1's
// JSON objects ({"name": ..., "parameters": {...}}, optionally after <|python_tag|>,
// several separated by ';'), Mistral's [TOOL_CALLS] [{"name": ..., "arguments": ...}].
// A response with calls carries them as message.tool_calls (arguments a JSON string)
// and finish_reason "tool_calls"; text that does not parse stays content.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "loaders/tokenizer/tokenizer.h"

namespace vkllm::server {

enum class ToolParser { None, Hermes, Llama3Json, Mistral };

// "hermes", "llama3_json", "mistral", "none", or "auto": the format whose marker token
// the vocabulary has (<tool_call>, <|python_tag|>, [TOOL_CALLS]), else none. Throws
// Error naming the choices for any other name.
ToolParser tool_parser(std::string_view name, const tok::Tokenizer* tokenizer);
const char* tool_parser_name(ToolParser p);

struct ToolCall {
  std::string id;         // "call_..."
  std::string name;       // the function
  std::string arguments;  // a JSON object, serialized
};

struct ToolParse {
  std::string content;  // the text outside the calls, trimmed
  std::vector<ToolCall> calls;
};

// The calls in `text` (ids `id_prefix` + index) and what is left as content; no calls
// where the text holds none that parse.
ToolParse parse_tool_calls(ToolParser p, std::string_view text, const std::string& id_prefix);

// How many leading bytes of streamed text are content whatever comes next: the text
// before the first call's marker, or before a trailing prefix of one (held back until
// the next tokens tell).
size_t tool_content_prefix(ToolParser p, std::string_view text);

}  // namespace vkllm::server
