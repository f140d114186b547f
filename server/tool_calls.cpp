#include "server/tool_calls.h"

#include <nlohmann/json.hpp>

#include <optional>

#include "engine/base/error.h"

namespace vkllm::server {

namespace {

using json = nlohmann::json;

constexpr std::string_view kHermesOpen = "<tool_call>", kHermesClose = "</tool_call>";
constexpr std::string_view kPythonTag = "<|python_tag|>", kMistralTag = "[TOOL_CALLS]";

std::string_view trim(std::string_view s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos) return {};
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// {"name": string, "arguments" or "parameters": object or JSON text} as a call.
std::optional<ToolCall> call_of(const json& j) {
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) return std::nullopt;
  const json* args = j.contains("arguments")    ? &j["arguments"]
                     : j.contains("parameters") ? &j["parameters"]
                                                : nullptr;
  ToolCall c{.name = j["name"].get<std::string>(), .arguments = "{}"};
  if (args && args->is_string()) {
    const json parsed = json::parse(args->get<std::string>(), nullptr, false);
    if (parsed.is_discarded()) return std::nullopt;
    c.arguments = parsed.dump();
  } else if (args && !args->is_null()) {
    c.arguments = args->dump();
  }
  return c;
}

// JSON values one after another in s, separated by whitespace or ';' (Llama 3.1
// writes several calls that way); nullopt unless all of s is such values.
std::optional<std::vector<json>> json_values(std::string_view s) {
  std::vector<json> out;
  while (true) {
    s = trim(s);
    while (!s.empty() && s.front() == ';') s = trim(s.substr(1));
    if (s.empty()) return out;
    // The shortest prefix that parses: scan for the matching close bracket.
    const char open = s.front(), close = open == '{' ? '}' : open == '[' ? ']' : 0;
    if (!close) return std::nullopt;
    int depth = 0;
    bool in_string = false, escaped = false;
    size_t end = 0;
    for (size_t i = 0; i < s.size() && !end; ++i) {
      const char ch = s[i];
      if (in_string) {
        if (escaped)
          escaped = false;
        else if (ch == '\\')
          escaped = true;
        else if (ch == '"')
          in_string = false;
      } else if (ch == '"') {
        in_string = true;
      } else if (ch == '{' || ch == '[') {
        ++depth;
      } else if ((ch == '}' || ch == ']') && --depth == 0) {
        end = i + 1;
      }
    }
    if (!end) return std::nullopt;
    json v = json::parse(s.substr(0, end), nullptr, false);
    if (v.is_discarded()) return std::nullopt;
    out.push_back(std::move(v));
    s = s.substr(end);
  }
}

void name_calls(ToolParse& p, const std::string& id_prefix) {
  for (size_t i = 0; i < p.calls.size(); ++i) p.calls[i].id = id_prefix + std::to_string(i);
}

ToolParse parse_hermes(std::string_view text) {
  ToolParse p;
  std::string content;
  size_t at = 0;
  while (true) {
    const size_t open = text.find(kHermesOpen, at);
    if (open == std::string_view::npos) break;
    const size_t body = open + kHermesOpen.size();
    size_t close = text.find(kHermesClose, body);
    const size_t end = close == std::string_view::npos ? text.size() : close + kHermesClose.size();
    if (close == std::string_view::npos) close = text.size();
    const auto values = json_values(text.substr(body, close - body));
    if (!values || values->size() != 1) return {std::string(trim(text)), {}};
    const auto call = call_of(values->front());
    if (!call) return {std::string(trim(text)), {}};
    content += text.substr(at, open - at);
    p.calls.push_back(*call);
    at = end;
  }
  content += text.substr(at);
  p.content = std::string(trim(content));
  return p;
}

// The whole text (after an optional marker) is calls as JSON, or none is.
ToolParse parse_json_calls(std::string_view text, std::string_view marker, bool in_array) {
  std::string_view s = trim(text);
  if (starts_with(s, marker)) s = s.substr(marker.size());
  const auto values = json_values(s);
  ToolParse none{std::string(trim(text)), {}};
  if (!values || values->empty()) return none;
  ToolParse p;
  for (const json& v : *values) {
    if (v.is_array() != in_array) return none;
    for (const json& item : in_array ? v : json::array({v})) {
      const auto call = call_of(item);
      if (!call) return none;
      p.calls.push_back(*call);
    }
  }
  return p;
}

// Where a marker of a call starts in text, or where a trailing prefix of it does.
size_t marker_or_prefix(std::string_view text, std::string_view marker) {
  if (const size_t at = text.find(marker); at != std::string_view::npos) return at;
  for (size_t n = std::min(marker.size() - 1, text.size()); n > 0; --n)
    if (text.substr(text.size() - n) == marker.substr(0, n)) return text.size() - n;
  return text.size();
}

}  // namespace

ToolParser tool_parser(std::string_view name, const tok::Tokenizer* tokenizer) {
  if (name == "none") return ToolParser::None;
  if (name == "hermes") return ToolParser::Hermes;
  if (name == "llama3_json") return ToolParser::Llama3Json;
  if (name == "mistral") return ToolParser::Mistral;
  if (name != "auto")
    fail("--tool-call-parser {}: expected auto, hermes, llama3_json, mistral or none", name);
  if (!tokenizer) return ToolParser::None;
  if (tokenizer->token_to_id(kHermesOpen)) return ToolParser::Hermes;
  if (tokenizer->token_to_id(kPythonTag)) return ToolParser::Llama3Json;
  if (tokenizer->token_to_id(kMistralTag)) return ToolParser::Mistral;
  return ToolParser::None;
}

const char* tool_parser_name(ToolParser p) {
  switch (p) {
    case ToolParser::Hermes:
      return "hermes";
    case ToolParser::Llama3Json:
      return "llama3_json";
    case ToolParser::Mistral:
      return "mistral";
    case ToolParser::None:
      break;
  }
  return "none";
}

ToolParse parse_tool_calls(ToolParser p, std::string_view text, const std::string& id_prefix) {
  ToolParse out;
  switch (p) {
    case ToolParser::None:
      return {std::string(text), {}};
    case ToolParser::Hermes:
      out = parse_hermes(text);
      break;
    case ToolParser::Llama3Json:
      out = parse_json_calls(text, kPythonTag, false);
      break;
    case ToolParser::Mistral:
      out = parse_json_calls(text, kMistralTag, true);
      break;
  }
  if (out.calls.empty()) return {std::string(text), {}};  // content as generated
  name_calls(out, id_prefix);
  return out;
}

size_t tool_content_prefix(ToolParser p, std::string_view text) {
  switch (p) {
    case ToolParser::None:
      return text.size();
    case ToolParser::Hermes:
      return marker_or_prefix(text, kHermesOpen);
    case ToolParser::Llama3Json:
    case ToolParser::Mistral: {
      // Calls are the whole reply: hold it while it can still become one.
      const std::string_view marker = p == ToolParser::Mistral ? kMistralTag : kPythonTag;
      const char open = p == ToolParser::Mistral ? '[' : '{';
      const size_t lead = text.find_first_not_of(" \t\r\n");
      if (lead == std::string_view::npos) return 0;
      const std::string_view s = text.substr(lead);
      const bool maybe = s.front() == open || starts_with(s, marker) ||
                         (s.size() < marker.size() && starts_with(marker, s));
      return maybe ? 0 : text.size();
    }
  }
  return text.size();
}

}  // namespace vkllm::server
