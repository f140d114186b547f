// Extended chat vectors from transformers 5.17 (tests/tokenizer/data/make_ext_cases.py):
// system prompts, tools, tool calls and results, thinking blocks, enable_thinking,
// content given as parts. Where transformers raised, a template's own
// raise_exception message must match; other errors (a TypeError in Python) only
// need to be errors here too. The vectors were rendered on 2026-11-23: templates
// that print today's date (llama3's strftime_now) are given that date.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "loaders/chat/chat_template.h"
#include "loaders/chat/error.h"
#include "loaders/tokenizer/tokenizer.h"
#include "tests/support/dates.h"
#include "tests/support/test_data.h"

namespace vkllm::chat {
namespace {

TEST(ExtendedChat, MatchesTransformers) {
  VKLLM_TEST_DATA_PATH(tokenizers, "tokenizers");
  std::ifstream in(std::string(VKLLM_SOURCE_DIR) + "/tests/chat/data/ext_chat.jsonl");
  ASSERT_TRUE(in) << "missing tests/chat/data/ext_chat.jsonl";
  std::map<std::string, std::unique_ptr<tok::Tokenizer>> toks;
  std::map<std::string, std::unique_ptr<ChatTemplate>> templates;
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    const auto rec = nlohmann::ordered_json::parse(line);
    const std::string family = rec["family"];
    if (!templates[family]) {
      templates[family] = std::make_unique<ChatTemplate>(ChatTemplate::load(tokenizers / family));
      toks[family] = std::make_unique<tok::Tokenizer>(tok::Tokenizer::load(tokenizers / family));
    }
    const nlohmann::ordered_json tools = rec["tools"], kwargs = rec["kwargs"];
    RenderOptions opt;
    opt.add_generation_prompt = rec["add_generation_prompt"].get<bool>();
    opt.now = test::utc_noon(2026, 11, 23);
    opt.tools = &tools;
    opt.extra = &kwargs;
    std::string text, error;
    try {
      text = templates[family]->render(rec["messages"], opt);
    } catch (const Error& e) {
      error = e.what();
    }
    const std::string where = "ext_chat.jsonl line " + std::to_string(lines) + " (" + family + ")";
    if (rec.contains("error")) {
      EXPECT_FALSE(error.empty()) << where << ": expected an error like " << rec["error"];
      if (rec["error_type"] == "TemplateError") {
        EXPECT_EQ(error, rec["error"].get<std::string>()) << where;
      }
      continue;
    }
    ASSERT_TRUE(error.empty()) << where << ": " << error;
    EXPECT_EQ(text, rec["text"].get<std::string>()) << where;
    EXPECT_EQ(toks[family]->encode(text, false), rec["ids"].get<std::vector<tok::TokenId>>())
        << where;
  }
  EXPECT_GT(lines, 100);
}

// The date a dated template prints is the injected one, not the clock's: two
// dates give two renders that differ in that line alone.
TEST(ExtendedChat, DateFollowsInjectedClock) {
  VKLLM_TEST_DATA_PATH(dir, "tokenizers/llama3");
  const ChatTemplate tmpl = ChatTemplate::load(dir);
  const auto messages = nlohmann::ordered_json::parse(R"([{"role": "user", "content": "Hi"}])");
  RenderOptions opt;
  opt.now = test::utc_noon(2026, 11, 23);
  const std::string a = tmpl.render(messages, opt);
  opt.now = test::utc_noon(2031, 2, 1);
  const std::string b = tmpl.render(messages, opt);
  EXPECT_NE(a.find("Today Date: 23 Nov 2026\n"), std::string::npos) << a;
  EXPECT_NE(b.find("Today Date: 01 Feb 2031\n"), std::string::npos) << b;
  std::string a_as_b = a;
  a_as_b.replace(a.find("23 Nov 2026"), 11, "01 Feb 2031");
  EXPECT_EQ(a_as_b, b);
}

}  // namespace
}  // namespace vkllm::chat
