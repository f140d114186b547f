// Every line of tests/tokenizer/data/component_cases.jsonl: each normalizer,
// pre-tokenizer and decoder, and small whole tokenizers (added-token flags, BPE
// options, post-processors), against what Hugging Face tokenizers 0.23.2 gave
// (tests/tokenizer/data/make_component_cases.py).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "loaders/tokenizer/decoder.h"
#include "loaders/tokenizer/normalizer.h"
#include "loaders/tokenizer/pre_tokenizer.h"
#include "loaders/tokenizer/tokenizer.h"

namespace vkllm::tok {
namespace {

using nlohmann::json;

TEST(ComponentCases, MatchHuggingFaceTokenizers) {
  std::ifstream in(std::string(VKLLM_SOURCE_DIR) + "/tests/tokenizer/data/component_cases.jsonl");
  ASSERT_TRUE(in) << "missing tests/tokenizer/data/component_cases.jsonl";
  const JsonPath path{"component_cases.jsonl", true};
  std::map<std::string, std::unique_ptr<Tokenizer>> tokenizers;
  std::map<std::string, int> checked;
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    const json rec = json::parse(line);
    const std::string kind = rec["kind"];
    const std::string where = "component_cases.jsonl line " + std::to_string(lines) + " " +
                              (rec.contains("spec") ? rec["spec"].dump() : "") + " input " +
                              rec.value("input", json()).dump();
    try {
      if (kind == "normalizer") {
        std::string s = rec["input"];
        make_normalizer(rec["spec"], path)->normalize(s);
        EXPECT_EQ(s, rec["output"].get<std::string>()) << where;
      } else if (kind == "pre_tokenizer") {
        std::vector<Piece> pieces{{rec["input"].get<std::string>(), true}};
        make_pre_tokenizer(rec["spec"], path)->pre_tokenize(pieces);
        std::vector<std::string> got;
        for (auto& p : pieces) got.push_back(p.text);
        EXPECT_EQ(got, rec["output"].get<std::vector<std::string>>()) << where;
      } else if (kind == "decoder") {
        auto d = make_decoder(rec["spec"], path);
        EXPECT_EQ(run_decoder(d.get(), rec["input"].get<std::vector<std::string>>()),
                  rec["output"].get<std::string>())
            << where;
      } else if (kind == "tokenizer_json") {
        tokenizers[rec["name"]] = std::make_unique<Tokenizer>(
            Tokenizer::from_json(rec["tokenizer"], {}, rec["name"].get<std::string>()));
      } else if (kind == "tokenizer") {
        const Tokenizer& tok = *tokenizers.at(rec["name"]);
        const auto expected = rec["ids"].get<std::vector<TokenId>>();
        const std::string w = where + " (" + rec["name"].get<std::string>() + ")";
        EXPECT_EQ(tok.encode(rec["input"].get<std::string>(), rec["add_special_tokens"]), expected)
            << w;
        EXPECT_EQ(tok.decode(expected, false), rec["decoded"].get<std::string>()) << w;
        EXPECT_EQ(tok.decode(expected, true), rec["decoded_skip"].get<std::string>()) << w;
      } else {
        ADD_FAILURE() << where << ": unknown kind " << kind;
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << where << ": " << e.what();
    }
    ++checked[kind];
  }
  EXPECT_GT(checked["normalizer"], 200);
  EXPECT_GT(checked["pre_tokenizer"], 500);
  EXPECT_GT(checked["decoder"], 50);
  EXPECT_GT(checked["tokenizer"], 200);
}

}  // namespace
}  // namespace vkllm::tok
