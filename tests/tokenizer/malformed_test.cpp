// Malformed tokenizer.json / tokenizer_config.json and unsupported component
// types: errors name the field and the value.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "tests/tokenizer/tiny_tokenizers.h"

namespace vkllm::tok {
namespace {

using nlohmann::json;

std::string error_of(const json& j) {
  try {
    test::make(j);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Malformed, UnsupportedComponentTypesNameFieldAndValue) {
  json j = test::byte_level_json();
  j["model"]["type"] = "Unigram";
  EXPECT_EQ(error_of(j),
            "tokenizer.json: model.type: model type 'Unigram' is not supported (supported: BPE)");
  j = test::byte_level_json();
  j["normalizer"] = {{"type", "BertNormalizer"}};
  EXPECT_NE(error_of(j).find("tokenizer.json: normalizer.type: normalizer type 'BertNormalizer'"),
            std::string::npos);
  j = test::byte_level_json();
  j["pre_tokenizer"] = {{"type", "Sequence"},
                        {"pretokenizers", {{{"type", "ByteLevel"}}, {{"type", "Bert"}}}}};
  EXPECT_NE(error_of(j).find("pre_tokenizer.pretokenizers[1].type: pre-tokenizer type 'Bert'"),
            std::string::npos);
  j = test::byte_level_json();
  j["decoder"] = {{"type", "WordPiece"}};
  EXPECT_NE(error_of(j).find("decoder.type: decoder type 'WordPiece'"), std::string::npos);
  j = test::byte_level_json();
  j["post_processor"] = {{"type", "Fancy"}};
  EXPECT_NE(error_of(j).find("post_processor.type: post-processor type 'Fancy'"),
            std::string::npos);
}

TEST(Malformed, BadFields) {
  json j = test::byte_level_json();
  j["model"]["merges"][1] = "a b c";
  EXPECT_NE(error_of(j).find("model.merges[1]: expected \"a b\""), std::string::npos)
      << error_of(j);
  j = test::byte_level_json();
  j["model"]["merges"][0] = {"a", "zz"};
  EXPECT_NE(error_of(j).find("uses a token missing from the vocab ('zz')"), std::string::npos);
  j = test::byte_level_json();
  j["model"]["vocab"]["a"] = "zero";
  EXPECT_NE(error_of(j).find("token 'a' has id \"zero\""), std::string::npos);
  j = test::byte_level_json();
  j["added_tokens"][0].erase("content");
  EXPECT_EQ(error_of(j), "tokenizer.json: added_tokens[0]: missing field 'content'");
  j = test::byte_level_json();
  j["pre_tokenizer"] = {
      {"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
  EXPECT_NE(error_of(j).find("pre_tokenizer.pattern.Regex: invalid regex '(unclosed'"),
            std::string::npos);
  j = test::byte_level_json();
  j["pre_tokenizer"] = {
      {"type", "Split"}, {"pattern", {{"String", "x"}}}, {"behavior", "Sideways"}};
  EXPECT_NE(error_of(j).find("pre_tokenizer.behavior: unknown split behavior 'Sideways'"),
            std::string::npos);
  j = test::byte_level_json();
  j["model"]["unk_token"] = "<nope>";
  EXPECT_EQ(error_of(j), "tokenizer.json: model.unk_token: unk_token '<nope>' is not in the vocab");
  j = test::byte_level_json();
  j.erase("model");
  EXPECT_EQ(error_of(j), "tokenizer.json: missing field 'model'");
}

TEST(Malformed, TokenizerConfigFields) {
  auto err = [](const json& j) {
    try {
      parse_tokenizer_config(j, "tokenizer_config.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(err({{"add_bos_token", "yes"}}),
            "tokenizer_config.json: add_bos_token: expected true or false, found \"yes\"");
  EXPECT_EQ(
      err({{"bos_token", 5}}),
      "tokenizer_config.json: bos_token: expected a string or an object with \"content\", found 5");
  EXPECT_NE(err({{"chat_template", 3}})
                .find("tokenizer_config.json: chat_template: expected a string or a list"),
            std::string::npos);
  EXPECT_EQ(err({{"chat_template", {{{"name", "default"}}}}}),
            "tokenizer_config.json: chat_template[0]: missing field 'template'");
}

TEST(Malformed, FolderErrorsNameTheFile) {
  const auto dir = std::filesystem::temp_directory_path() / "vkllm_tok_malformed";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "tokenizer.json") << "{\"model\": ";
  try {
    Tokenizer::load(dir);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "tokenizer.json").string() + ": invalid JSON"),
              std::string::npos)
        << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vkllm::tok
