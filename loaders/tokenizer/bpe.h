// The BPE model of tokenizer.json ("model"): vocab, ranked merges, byte
// fallback, ignore_merges, unk and fuse_unk. A model without "type" is BPE.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "loaders/tokenizer/json_fields.h"

namespace vkllm::tok {

using TokenId = std::int32_t;

// Lets string-keyed maps be searched with a string_view (no temporary string).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

class Bpe {
 public:
  Bpe(const nlohmann::json& spec, const JsonPath& path);

  // Appends the ids of one pre-tokenized piece.
  void tokenize(std::string_view piece, std::vector<TokenId>& out) const;

  std::optional<TokenId> token_to_id(std::string_view token) const;
  // Empty when the id is not in the model's vocabulary.
  const std::string* id_to_token(TokenId id) const;
  std::size_t vocab_size() const { return id_to_token_.size(); }
  // Number of vocab entries (Hugging Face's get_vocab_size; ids may have gaps).
  std::size_t vocab_entries() const { return vocab_.size(); }
  bool byte_fallback() const { return byte_fallback_; }

 private:
  struct Merge {
    std::int32_t rank;
    TokenId merged;
  };
  static std::uint64_t pair_key(TokenId a, TokenId b) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) |
           static_cast<std::uint32_t>(b);
  }
  void merge_word(std::string_view piece, std::vector<TokenId>& out) const;

  StringMap<TokenId> vocab_;
  std::vector<std::string> id_to_token_;  // dense by id; gaps are empty strings
  std::vector<bool> has_id_;
  std::unordered_map<std::uint64_t, Merge> merges_;
  std::optional<TokenId> unk_;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  TokenId byte_ids_[256];  // "<0xAB>" tokens, -1 when absent

  // Results per piece: text repeats a lot (words), so most pieces are looked up.
  mutable std::mutex cache_mutex_;
  mutable StringMap<std::vector<TokenId>> cache_;
};

}  // namespace vkllm::tok
