// Extended vectors from transformers 5.17 (tests/tokenizer/data/make_ext_cases.py):
// random mixtures of scripts, whitespace, emoji and special-token strings, with
// decode both keeping and skipping special tokens.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "loaders/tokenizer/tokenizer.h"
#include "tests/support/test_data.h"

namespace vkllm::tok {
namespace {

TEST(ExtendedCases, MatchTransformers) {
  VKLLM_TEST_DATA_PATH(tokenizers, "tokenizers");
  std::ifstream in(std::string(VKLLM_SOURCE_DIR) + "/tests/tokenizer/data/ext_cases.jsonl");
  ASSERT_TRUE(in) << "missing tests/tokenizer/data/ext_cases.jsonl";
  std::map<std::string, std::unique_ptr<Tokenizer>> loaded;
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    const auto rec = nlohmann::json::parse(line);
    const std::string family = rec["family"];
    auto& tok = loaded[family];
    if (!tok) tok = std::make_unique<Tokenizer>(Tokenizer::load(tokenizers / family));
    const auto expected = rec["ids"].get<std::vector<TokenId>>();
    EXPECT_EQ(tok->encode(rec["text"].get<std::string>(), rec["add_special_tokens"].get<bool>()),
              expected)
        << "ext_cases.jsonl line " << lines << " (" << family << ") text " << rec["text"].dump();
    EXPECT_EQ(tok->decode(expected, false), rec["decoded"].get<std::string>())
        << "ext_cases.jsonl line " << lines;
    EXPECT_EQ(tok->decode(expected, true), rec["decoded_skip"].get<std::string>())
        << "ext_cases.jsonl line " << lines << " (skip_special_tokens)";
  }
  EXPECT_GT(lines, 1000);
}

}  // namespace
}  // namespace vkllm::tok
