// Added tokens ("added_tokens"): matched in the raw text before anything else
// (normalized=false) or in the normalized text (normalized=true), with the
// lstrip / rstrip / single_word rules of Hugging Face's AddedVocabulary.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "loaders/tokenizer/bpe.h"
#include "loaders/tokenizer/json_fields.h"
#include "loaders/tokenizer/normalizer.h"

namespace vkllm::tok {

struct AddedToken {
  TokenId id = 0;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;
};

// A stretch of text: either an added token, or text still to be tokenized.
struct Segment {
  std::string text;
  std::optional<TokenId> token;
  bool at_start = false;  // begins at offset 0 of the input
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // `list` is tokenizer.json's "added_tokens"; ids are assigned against `model`.
  AddedVocabulary(const nlohmann::json& list, const JsonPath& path, const Bpe& model);

  // Tokens with normalized=true are matched in normalized text by their
  // normalized content (as Hugging Face builds its matcher); call once the
  // pipeline's normalizer is final. Null: contents are matched as written.
  void set_normalizer(const Normalizer* normalizer);

  // Splits text at the tokens whose `normalized` flag equals `normalized`.
  void split(std::vector<Segment>& segments, bool normalized) const;

  const AddedToken* find(TokenId id) const;
  // What decode shows for a token of this vocabulary: its content, normalized
  // when the token is (Hugging Face keeps only the normalized form).
  const std::string& text(const AddedToken& t) const {
    return match_text_[static_cast<std::size_t>(&t - tokens_.data())];
  }
  std::optional<TokenId> find(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  struct Match {
    std::size_t begin, end;  // span removed from the text, whitespace included
    TokenId id;
  };
  std::vector<Match> find_matches(std::string_view s, bool normalized) const;

  std::vector<AddedToken> tokens_;
  TokenId max_id_ = -1;
  std::vector<std::string> match_text_;  // what each token is matched as
  std::unordered_map<TokenId, std::size_t> by_id_;
  StringMap<std::size_t> by_content_;
  // Indices of tokens by the first byte of their match text, longest first.
  std::vector<std::size_t> by_first_byte_[256];
};

}  // namespace vkllm::tok
