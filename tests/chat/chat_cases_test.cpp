// Every line of ../shared/tokenizers/chat.jsonl: the text transformers'
// apply_chat_template rendered (on 2026-11-22), its ids, or the error the
// template raised.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loaders/chat/chat_template.h"
#include "loaders/chat/error.h"
#include "loaders/tokenizer/tokenizer.h"
#include "tests/support/dates.h"
#include "tests/support/jsonl_families.h"
#include "tests/support/test_data.h"

namespace vkllm::chat {
namespace {

// The day chat.jsonl was rendered: what strftime_now() returned then.
std::chrono::system_clock::time_point rendered_on() {
  return test::utc_noon(2026, 11, 22);
}

// The families under ../shared/tokenizers with lines in chat.jsonl.
std::vector<std::string> families() {
  return {"gemma-style", "llama2", "llama3", "mistral", "phi3", "qwen2", "qwen3"};
}

class ChatCasesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ChatCasesTest, MatchesTransformers) {
  const std::string family = GetParam();
  VKLLM_TEST_DATA_PATH(cases, "tokenizers/chat.jsonl");
  const auto dir = cases.parent_path() / family;
  const ChatTemplate tmpl = ChatTemplate::load(dir);
  const tok::Tokenizer tokenizer = tok::Tokenizer::load(dir);
  std::ifstream in(cases);
  std::string line;
  int lines = 0, checked = 0;
  while (std::getline(in, line)) {
    ++lines;
    const auto rec = nlohmann::ordered_json::parse(line);
    if (rec["family"] != family) continue;
    ++checked;
    RenderOptions opt;
    opt.add_generation_prompt = rec["add_generation_prompt"].get<bool>();
    opt.now = rendered_on();
    if (rec.contains("error")) {
      try {
        const std::string text = tmpl.render(rec["messages"], opt);
        ADD_FAILURE() << "chat.jsonl line " << lines << ": expected error '"
                      << rec["error"].get<std::string>() << "', rendered " << text;
      } catch (const RaisedError& e) {
        EXPECT_EQ(std::string(e.what()), rec["error"].get<std::string>())
            << "chat.jsonl line " << lines;
      }
      continue;
    }
    std::string text;
    try {
      text = tmpl.render(rec["messages"], opt);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "chat.jsonl line " << lines << ": " << e.what();
      continue;
    }
    EXPECT_EQ(text, rec["text"].get<std::string>()) << "chat.jsonl line " << lines;
    EXPECT_EQ(tokenizer.encode(text, false), rec["ids"].get<std::vector<tok::TokenId>>())
        << "chat.jsonl line " << lines;
  }
  EXPECT_GT(checked, 0) << "no chat cases for family " << family;
}

INSTANTIATE_TEST_SUITE_P(Families, ChatCasesTest, ::testing::ValuesIn(families()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// No line goes unchecked: each belongs to a family instantiated above.
TEST(ChatCasesFile, EveryLineBelongsToATestedFamily) {
  VKLLM_TEST_DATA_PATH(cases, "tokenizers/chat.jsonl");
  test::expect_every_line_tested(cases, families());
}

}  // namespace
}  // namespace vkllm::chat
