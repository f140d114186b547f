// Each pipeline stage on small inputs built here.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "loaders/tokenizer/byte_level.h"
#include "loaders/tokenizer/decoder.h"
#include "loaders/tokenizer/normalizer.h"
#include "loaders/tokenizer/pre_tokenizer.h"
#include "loaders/tokenizer/utf8.h"
#include "tests/tokenizer/tiny_tokenizers.h"

namespace vkllm::tok {
namespace {

using nlohmann::json;
const JsonPath kPath{"tokenizer.json", true};

std::string normalize(const json& spec, std::string s) {
  make_normalizer(spec, kPath)->normalize(s);
  return s;
}

std::vector<std::string> pre_tokenize(const json& spec, const std::string& s) {
  std::vector<Piece> pieces{{s, true}};
  make_pre_tokenizer(spec, kPath)->pre_tokenize(pieces);
  std::vector<std::string> out;
  for (auto& p : pieces) out.push_back(p.text);
  return out;
}

std::string decode(const json& spec, std::vector<std::string> tokens) {
  auto d = make_decoder(spec, kPath);
  return run_decoder(d.get(), std::move(tokens));
}

TEST(Utf8, LossyDecodingMatchesRust) {
  EXPECT_EQ(from_utf8_lossy("a\xE2\x82"), "a\xEF\xBF\xBD");            // truncated: one U+FFFD
  EXPECT_EQ(from_utf8_lossy("\xFF\xFE"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // two invalid bytes
  EXPECT_EQ(complete_utf8_prefix("ab\xF0\x9F\x99"), 2u);
  EXPECT_EQ(complete_utf8_prefix("ab\xF0\x9F\x99\x82"), 6u);
}

TEST(ByteLevel, TableRoundTrips) {
  EXPECT_EQ(byte_to_unicode(' '), "\u0120");
  EXPECT_EQ(byte_to_unicode('\n'), "\u010A");
  EXPECT_EQ(byte_to_unicode('A'), "A");
  for (int b = 0; b < 256; ++b) {
    std::size_t i = 0;
    EXPECT_EQ(unicode_to_byte(next_codepoint(byte_to_unicode(static_cast<unsigned char>(b)), i)),
              b);
  }
}

TEST(Normalizers, UnicodeForms) {
  EXPECT_EQ(normalize({{"type", "NFC"}}, "e\u0301"), "\u00E9");
  EXPECT_EQ(normalize({{"type", "NFD"}}, "\u00E9"), "e\u0301");
  EXPECT_EQ(normalize({{"type", "NFKC"}}, "\uFB01 \uFF26"), "fi F");
}

TEST(Normalizers, ReplacePrependLowercaseStripSequence) {
  EXPECT_EQ(
      normalize({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "_"}}, "a b c"),
      "a_b_c");
  EXPECT_EQ(normalize({{"type", "Replace"}, {"pattern", {{"Regex", "\\s+"}}}, {"content", " "}},
                      "a \n\tb"),
            "a b");
  EXPECT_EQ(normalize({{"type", "Prepend"}, {"prepend", ">"}}, "x"), ">x");
  EXPECT_EQ(normalize({{"type", "Prepend"}, {"prepend", ">"}}, ""), "");
  EXPECT_EQ(normalize({{"type", "Lowercase"}}, "ÀB"), "àb");
  EXPECT_EQ(normalize({{"type", "Strip"}, {"strip_left", true}, {"strip_right", false}}, "  x  "),
            "x  ");
  EXPECT_EQ(normalize({{"type", "Sequence"},
                       {"normalizers", {{{"type", "Lowercase"}}, {{"type", "Strip"}}}}},
                      " AB "),
            "ab");
}

TEST(PreTokenizers, ByteLevelWithAndWithoutRegex) {
  EXPECT_EQ(pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", false}}, "Hi there!"),
            (std::vector<std::string>{"Hi", "\u0120there", "!"}));
  EXPECT_EQ(pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", true}}, "Hi"),
            (std::vector<std::string>{"\u0120Hi"}));
  EXPECT_EQ(pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}},
                         "a b"),
            (std::vector<std::string>{"a\u0120b"}));
}

TEST(PreTokenizers, SplitBehaviours) {
  auto split = [](const char* behavior, bool invert = false) {
    return pre_tokenize({{"type", "Split"},
                         {"pattern", {{"String", "-"}}},
                         {"behavior", behavior},
                         {"invert", invert}},
                        "a-b--c");
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(split("Removed"), (V{"a", "b", "c"}));
  EXPECT_EQ(split("Isolated"), (V{"a", "-", "b", "-", "-", "c"}));
  EXPECT_EQ(split("MergedWithPrevious"), (V{"a-", "b-", "-", "c"}));
  // As Hugging Face's own test: a delimiter followed by another stays alone.
  EXPECT_EQ(split("MergedWithNext"), (V{"a", "-b", "-", "-c"}));
  EXPECT_EQ(split("Contiguous"), (V{"a", "-", "b", "--", "c"}));
  EXPECT_EQ(pre_tokenize({{"type", "Split"},
                          {"pattern", {{"Regex", "(?i:'S)|\\p{N}{1,3}"}}},
                          {"behavior", "Isolated"}},
                         "IT'S 12345"),
            (V{"IT", "'S", " ", "123", "45"}));
}

TEST(PreTokenizers, MetaspaceDigitsSequence) {
  using V = std::vector<std::string>;
  EXPECT_EQ(pre_tokenize({{"type", "Metaspace"},
                          {"replacement", "\u2581"},
                          {"prepend_scheme", "always"},
                          {"split", true}},
                         "hi you"),
            (V{"\u2581hi", "\u2581you"}));
  EXPECT_EQ(
      pre_tokenize({{"type", "Metaspace"}, {"prepend_scheme", "never"}, {"split", false}}, "a b"),
      (V{"a\u2581b"}));
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", true}}, "a12"),
            (V{"a", "1", "2"}));
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", false}}, "a12"),
            (V{"a", "12"}));
  EXPECT_EQ(
      pre_tokenize({{"type", "Sequence"},
                    {"pretokenizers",
                     {{{"type", "Digits"}, {"individual_digits", true}},
                      {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}},
                   "7 8"),
      (V{"7", "\u0120", "8"}));
}

TEST(Decoders, EachStep) {
  EXPECT_EQ(decode({{"type", "ByteLevel"}}, {"Hi", "\u0120there"}), "Hi there");
  EXPECT_EQ(decode({{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}},
                   {"\u2581a", "\u2581b"}),
            "a b");
  EXPECT_EQ(
      decode({{"type", "Sequence"}, {"decoders", {{{"type", "ByteFallback"}}, {{"type", "Fuse"}}}}},
             {"<0xE2>", "<0x82>", "<0xAC>", "x", "<0xFF>"}),
      "\u20ACx\uFFFD");
  EXPECT_EQ(decode({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 1}}, {"  a  "}),
            " a ");
  EXPECT_EQ(
      decode({{"type", "Replace"}, {"pattern", {{"String", "_"}}}, {"content", " "}}, {"a_b"}),
      "a b");
}

TEST(Bpe, MergesByRankAndByteFallback) {
  const Tokenizer tok = test::make(test::sentencepiece_json());
  const auto ids = tok.encode("hello world", false);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(*tok.id_to_token(ids[0]), "\u2581hello");
  EXPECT_EQ(*tok.id_to_token(ids[1]), "\u2581world");
  // "é" is not in the vocab: its two bytes come out as <0xC3> <0xA9>.
  const auto fallback = tok.encode("\u00E9", false);
  ASSERT_EQ(fallback.size(), 3u);
  EXPECT_EQ(*tok.id_to_token(fallback[1]), "<0xC3>");
  EXPECT_EQ(tok.decode(fallback), "\u00E9");
  EXPECT_EQ(tok.encode("hello", true).front(), 1);  // TemplateProcessing adds <s>
}

TEST(Bpe, MergesAsPairsAndModelWithoutType) {
  const Tokenizer tok = test::make(test::byte_level_json());
  const auto ids = tok.encode("abc ab!<|end|>", true);
  std::vector<std::string> tokens;
  for (auto id : ids) tokens.push_back(*tok.id_to_token(id));
  EXPECT_EQ(tokens, (std::vector<std::string>{"abc", "\u0120ab", "!", "<|end|>"}));
  EXPECT_EQ(tok.decode(ids), "abc ab!<|end|>");
  EXPECT_EQ(tok.decode(ids, /*skip_special_tokens=*/true), "abc ab!");
}

TEST(AddedTokens, LstripRstripSingleWord) {
  json j = test::byte_level_json();
  j["added_tokens"] = {{{"id", 9},
                        {"content", "<|end|>"},
                        {"special", true},
                        {"normalized", false},
                        {"lstrip", true},
                        {"rstrip", true}},
                       {{"id", 0},
                        {"content", "a"},
                        {"special", false},
                        {"normalized", false},
                        {"single_word", true}}};
  const Tokenizer tok = test::make(j);
  auto tokens = [&](const std::string& s) {
    std::vector<std::string> out;
    for (auto id : tok.encode(s, false)) out.push_back(*tok.id_to_token(id));
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(tokens("b  <|end|>  c"), (V{"b", "<|end|>", "c"}));  // spaces absorbed both sides
  EXPECT_EQ(tokens("ab"), (V{"ab"}));  // "a" inside a word is not split out
  EXPECT_EQ(tokens("b a"), (V{"b", "\u0120", "a"}));
}

TEST(TransformersClass, LlamaUsesMetaspaceFirstAndAddsBos) {
  TokenizerConfig cfg;
  cfg.tokenizer_class = "LlamaTokenizer";
  cfg.legacy = false;
  cfg.bos_token = "<s>";
  const Tokenizer tok = test::make(test::sentencepiece_json(), cfg);
  // " hello": the Prepend normalizer is replaced; no second "▁" is added.
  const auto ids = tok.encode(" hello", true);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], 1);
  EXPECT_EQ(*tok.id_to_token(ids[1]), "\u2581hello");
  // After a special token the "first" scheme adds no "▁".
  const auto after = tok.encode("<s>hello", false);
  ASSERT_GE(after.size(), 2u);
  EXPECT_EQ(*tok.id_to_token(after[1]), "h");
}

}  // namespace
}  // namespace vkllm::tok
