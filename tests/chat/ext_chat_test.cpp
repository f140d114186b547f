// Extended chat vectors from transformers 5.17 (tests/tokenizer/data/make_ext_cases.py):
// system prompts, tools, tool calls and results, thinking blocks, enable_thinking,
// content given as parts. Where transformers raised, a template's own
// raise_exception message must match; other errors (a TypeError in Python) only
// need to be errors here too.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "loaders/chat/chat_template.h"
#include "loaders/chat/error.h"
#include "loaders/tokenizer/tokenizer.h"
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

}  // namespace
}  // namespace vkllm::chat
