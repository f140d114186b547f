// Tool calls read out of chat replies (server/tool_calls): each format's calls and
// the content around them, text that only looks like a call left as content, and
// how much of a streamed reply may go out before the rest tells whether it is a call.
#include "server/tool_calls.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "server/openai_response.h"

namespace vkllm::server {
namespace {

using nlohmann::json;

TEST(ToolCalls, HermesBlocksAndTheContentAroundThem) {
  const ToolParse p = parse_tool_calls(
      ToolParser::Hermes,
      "Let me look.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
      "\"Paris\", \"days\": [1, 2]}}\n</tool_call>\n<tool_call>{\"name\": \"now\", "
      "\"arguments\": \"{}\"}</tool_call>",
      "call_x_");
  ASSERT_EQ(p.calls.size(), 2u);
  EXPECT_EQ(p.content, "Let me look.");
  EXPECT_EQ(p.calls[0].id, "call_x_0");
  EXPECT_EQ(p.calls[0].name, "get_weather");
  EXPECT_EQ(json::parse(p.calls[0].arguments), json::parse(R"({"city": "Paris", "days": [1, 2]})"));
  EXPECT_EQ(p.calls[1].name, "now");
  EXPECT_EQ(p.calls[1].arguments, "{}");
  // Cut off at max_tokens before </tool_call>: the call still parses if its JSON does.
  EXPECT_EQ(parse_tool_calls(ToolParser::Hermes, "<tool_call>{\"name\": \"f\"}", "c").calls.size(),
            1u);
}

TEST(ToolCalls, Llama3JsonAndMistral) {
  ToolParse p = parse_tool_calls(
      ToolParser::Llama3Json,
      "<|python_tag|>{\"name\": \"a\", \"parameters\": {\"q\": \"x;y\"}}; {\"name\": \"b\", "
      "\"parameters\": {}}",
      "c");
  ASSERT_EQ(p.calls.size(), 2u);
  EXPECT_EQ(p.calls[0].name, "a");
  EXPECT_EQ(json::parse(p.calls[0].arguments)["q"], "x;y");  // ';' inside a string
  EXPECT_EQ(p.calls[1].name, "b");
  EXPECT_TRUE(p.content.empty());
  p = parse_tool_calls(ToolParser::Mistral,
                       "[TOOL_CALLS] [{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}]",
                       "c");
  ASSERT_EQ(p.calls.size(), 1u);
  EXPECT_EQ(p.calls[0].name, "add");
  EXPECT_EQ(json::parse(p.calls[0].arguments), json::parse(R"({"a": 1, "b": 2})"));
}

TEST(ToolCalls, WhatDoesNotParseStaysContent) {
  for (const char* text :
       {"Once upon a time {there was} a cat.", "{\"name\": 3}", "{\"no_name\": true}",
        "<tool_call>not json</tool_call> after", "{\"name\": \"f\", \"arguments\": {} trailing"}) {
    SCOPED_TRACE(text);
    for (ToolParser p : {ToolParser::Hermes, ToolParser::Llama3Json, ToolParser::Mistral}) {
      const ToolParse t = parse_tool_calls(p, text, "c");
      EXPECT_TRUE(t.calls.empty());
      EXPECT_EQ(t.content, text);
    }
  }
  EXPECT_TRUE(parse_tool_calls(ToolParser::None, "<tool_call>{\"name\": \"f\"}</tool_call>", "c")
                  .calls.empty());
}

TEST(ToolCalls, StreamedContentIsHeldOnlyWhereACallMayStart) {
  EXPECT_EQ(tool_content_prefix(ToolParser::Hermes, "Hello there"), 11u);
  EXPECT_EQ(tool_content_prefix(ToolParser::Hermes, "Hello <tool_call>{"), 6u);
  EXPECT_EQ(tool_content_prefix(ToolParser::Hermes, "Hello <tool"), 6u);  // may become one
  EXPECT_EQ(tool_content_prefix(ToolParser::Hermes, "a < b"), 5u);
  EXPECT_EQ(tool_content_prefix(ToolParser::Llama3Json, " {\"name\""), 0u);
  EXPECT_EQ(tool_content_prefix(ToolParser::Llama3Json, "<|python"), 0u);
  EXPECT_EQ(tool_content_prefix(ToolParser::Llama3Json, "Sure, {"), 7u);
  EXPECT_EQ(tool_content_prefix(ToolParser::Mistral, "[TOOL_CALLS] ["), 0u);
  EXPECT_EQ(tool_content_prefix(ToolParser::Mistral, "No."), 3u);
  EXPECT_EQ(tool_content_prefix(ToolParser::None, "<tool_call>"), 11u);
}

TEST(ToolCalls, ParserNames) {
  EXPECT_EQ(tool_parser("hermes", nullptr), ToolParser::Hermes);
  EXPECT_EQ(tool_parser("llama3_json", nullptr), ToolParser::Llama3Json);
  EXPECT_EQ(tool_parser("mistral", nullptr), ToolParser::Mistral);
  EXPECT_EQ(tool_parser("auto", nullptr), ToolParser::None);
  EXPECT_THROW(tool_parser("qwen", nullptr), Error);
}

TEST(ToolCalls, ResponseObject) {
  const ToolParse p{"", {{"call_1_0", "f", "{\"a\":1}"}}};
  const json o = chat_object({"chatcmpl-1", 0, "m"}, p, nullptr, {3, 4, 0});
  const json& choice = o["choices"][0];
  EXPECT_EQ(choice["finish_reason"], "tool_calls");
  EXPECT_TRUE(choice["message"]["content"].is_null());
  EXPECT_EQ(choice["message"]["tool_calls"][0]["type"], "function");
  EXPECT_EQ(choice["message"]["tool_calls"][0]["function"]["arguments"], "{\"a\":1}");
  EXPECT_FALSE(choice["message"]["tool_calls"][0].contains("index"));
  EXPECT_EQ(tool_calls_json(p.calls, true)[0]["index"], 0);
}

}  // namespace
}  // namespace vkllm::server
