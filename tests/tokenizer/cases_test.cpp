// Every line of ../shared/tokenizers/cases.jsonl: ids from transformers'
// AutoTokenizer.encode (with and without special tokens) and decode(ids).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loaders/tokenizer/tokenizer.h"
#include "tests/support/jsonl_families.h"
#include "tests/support/test_data.h"

namespace vkllm::tok {
namespace {

std::string ids_str(const std::vector<TokenId>& ids) {
  std::string s;
  for (auto id : ids) s += std::to_string(id) + " ";
  return s;
}

// The families under ../shared/tokenizers with lines in cases.jsonl.
std::vector<std::string> families() {
  return {"gemma-style", "gpt2", "llama2", "llama3", "mistral", "phi3", "qwen2", "qwen3"};
}

class CasesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CasesTest, MatchesTransformers) {
  const std::string family = GetParam();
  VKLLM_TEST_DATA_PATH(cases, "tokenizers/cases.jsonl");
  const Tokenizer tok = Tokenizer::load(cases.parent_path() / family);
  std::ifstream in(cases);
  std::string line;
  int lines = 0, checked = 0;
  while (std::getline(in, line)) {
    ++lines;
    const auto rec = nlohmann::json::parse(line);
    if (rec["family"] != family) continue;
    ++checked;
    const std::string text = rec["text"];
    const auto expected = rec["ids"].get<std::vector<TokenId>>();
    const auto ids = tok.encode(text, rec["add_special_tokens"].get<bool>());
    EXPECT_EQ(ids, expected) << "cases.jsonl line " << lines << " text " << nlohmann::json(text)
                             << "\n got      " << ids_str(ids) << "\n expected "
                             << ids_str(expected);
    const std::string decoded = tok.decode(expected, false);
    EXPECT_EQ(decoded, rec["decoded"].get<std::string>()) << "cases.jsonl line " << lines;
  }
  EXPECT_GT(checked, 0) << "no cases for family " << family;
}

INSTANTIATE_TEST_SUITE_P(Families, CasesTest, ::testing::ValuesIn(families()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// No line goes unchecked: each belongs to a family instantiated above.
TEST(CasesFile, EveryLineBelongsToATestedFamily) {
  VKLLM_TEST_DATA_PATH(cases, "tokenizers/cases.jsonl");
  test::expect_every_line_tested(cases, families());
}

}  // namespace
}  // namespace vkllm::tok
