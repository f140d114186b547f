// Streaming decode: text comes out only as complete UTF-8, and the leading
// space rule of SentencePiece decoders applies only at the start.
#include <gtest/gtest.h>

#include "loaders/tokenizer/stream_decoder.h"
#include "tests/support/test_data.h"
#include "tests/tokenizer/tiny_tokenizers.h"

namespace vkllm::tok {
namespace {

std::vector<std::string> stream(const Tokenizer& tok, const std::vector<TokenId>& ids) {
  StreamDecoder s(tok);
  std::vector<std::string> out;
  for (auto id : ids) out.push_back(s.push(id));
  out.push_back(s.finish());
  return out;
}

TEST(StreamDecoder, HoldsBackSplitMultiByteCharacters) {
  const Tokenizer tok = test::make(test::sentencepiece_json());
  // "▁hello" then "€" as three byte tokens, then "▁world".
  const auto ids = tok.encode("hello \u20AC world", false);
  const auto parts = stream(tok, ids);
  std::string joined;
  for (const auto& p : parts) joined += p;
  EXPECT_EQ(joined, tok.decode(ids));
  EXPECT_EQ(parts[0], "hello");  // leading "▁" stripped at the start only
  // The pieces of "€" emit nothing until the last byte arrives.
  std::size_t euro_last = 0;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (*tok.id_to_token(ids[i]) == "<0xAC>") euro_last = i;
  ASSERT_GT(euro_last, 1u);
  EXPECT_EQ(parts[euro_last - 1], "");
  EXPECT_NE(parts[euro_last].find("\u20AC"), std::string::npos);
  EXPECT_EQ(parts.back(), "");
}

TEST(StreamDecoder, TruncatedTailComesOutAtFinish) {
  const Tokenizer tok = test::make(test::sentencepiece_json());
  StreamDecoder s(tok);
  EXPECT_EQ(s.push(*tok.token_to_id("<0xE2>")), "");
  EXPECT_EQ(s.push(*tok.token_to_id("<0x82>")), "");
  EXPECT_EQ(s.finish(), "\uFFFD\uFFFD");
}

TEST(StreamDecoder, ByteLevelEmojiAcrossTokensRealTokenizer) {
  VKLLM_TEST_DATA_PATH(dir, "tokenizers/llama3");
  const Tokenizer tok = Tokenizer::load(dir);
  const std::string text = "emoji \U0001F642\U0001F680 and \uD55C\uAD6D\uC5B4 text";
  const auto ids = tok.encode(text, false);
  StreamDecoder s(tok);
  std::string joined;
  for (auto id : ids) {
    const std::string piece = s.push(id);
    EXPECT_EQ(piece.find("\uFFFD"), std::string::npos) << "incomplete UTF-8 was emitted";
    joined += piece;
  }
  joined += s.finish();
  EXPECT_EQ(joined, text);
}

TEST(StreamDecoder, SentencePieceRealTokenizerMatchesFullDecode) {
  VKLLM_TEST_DATA_PATH(dir, "tokenizers/llama2");
  const Tokenizer tok = Tokenizer::load(dir);
  const std::string text = " Hello  world \u2603 \U0001F9EC done";
  const auto ids = tok.encode(text, true);
  StreamDecoder s(tok);
  std::string joined;
  for (auto id : ids) joined += s.push(id);
  joined += s.finish();
  EXPECT_EQ(joined, tok.decode(ids));
}

}  // namespace
}  // namespace vkllm::tok
