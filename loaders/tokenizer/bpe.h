// The BPE model of tokenizer.json ("model"): vocab, ranked merges, byte
// fallback, ignore_merges, unk and fuse_unk. A model without "type" is BPE.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <algorithm>
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

// Open-addressing table from a 64-bit key (never ~0) to a value: merges are
// looked up for every adjacent pair of every word, where std::unordered_map's
// nodes miss the cache.
template <typename V>
class FlatMap64 {
 public:
  void reserve(std::size_t n) {
    std::size_t cap = 16;
    while (cap < 2 * n) cap <<= 1;
    keys_.assign(cap, kEmpty);
    values_.assign(cap, V{});
    mask_ = cap - 1;
    size_ = 0;
  }
  void insert_or_assign(std::uint64_t key, V value) {
    if (2 * (size_ + 1) > keys_.size()) grow();
    const std::size_t i = slot(key);
    size_ += keys_[i] == kEmpty;
    keys_[i] = key;
    values_[i] = value;
  }
  const V* find(std::uint64_t key) const {
    if (keys_.empty()) return nullptr;
    const std::size_t i = slot(key);
    return keys_[i] == key ? &values_[i] : nullptr;
  }

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  std::size_t slot(std::uint64_t key) const {
    std::uint64_t h = key ^ (key >> 33);
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    std::size_t i = static_cast<std::size_t>(h) & mask_;
    while (keys_[i] != kEmpty && keys_[i] != key) i = (i + 1) & mask_;
    return i;
  }
  void grow() {
    std::vector<std::uint64_t> keys = std::move(keys_);
    std::vector<V> values = std::move(values_);
    reserve(std::max<std::size_t>(16, keys.size()));
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i] != kEmpty) insert_or_assign(keys[i], values[i]);
  }
  std::vector<std::uint64_t> keys_;
  std::vector<V> values_;
  std::size_t mask_ = 0, size_ = 0;
};

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
  FlatMap64<Merge> merges_;
  FlatMap64<TokenId> char_ids_;  // single-code-point tokens by code point
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
