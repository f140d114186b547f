// A Hugging Face tokenizer loaded from a folder (tokenizer.json plus
// tokenizer_config.json): encode text to ids and decode ids to text exactly as
// transformers' AutoTokenizer does.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loaders/tokenizer/added_tokens.h"
#include "loaders/tokenizer/bpe.h"
#include "loaders/tokenizer/decoder.h"
#include "loaders/tokenizer/normalizer.h"
#include "loaders/tokenizer/post_processor.h"
#include "loaders/tokenizer/pre_tokenizer.h"
#include "loaders/tokenizer/tokenizer_config.h"

namespace vkllm::tok {

// The stages of tokenizer.json, in the order text goes through them.
struct Pipeline {
  AddedVocabulary added;
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<Bpe> model;
  SpecialTemplate post_processor;
  std::unique_ptr<Decoder> decoder;
};

class Tokenizer {
 public:
  // Reads DIR/tokenizer.json and, when present, DIR/tokenizer_config.json.
  static Tokenizer load(const std::filesystem::path& dir);
  // `where` names the source in errors (e.g. the file path).
  static Tokenizer from_json(const nlohmann::json& tokenizer_json, TokenizerConfig config,
                             const std::string& where);

  std::vector<TokenId> encode(std::string_view text, bool add_special_tokens = true) const;
  std::string decode(std::span<const TokenId> ids, bool skip_special_tokens = false) const;

  std::optional<std::string> id_to_token(TokenId id) const;
  std::optional<TokenId> token_to_id(std::string_view token) const;
  bool is_special(TokenId id) const;
  // Number of ids: the model's vocabulary plus added tokens beyond it.
  std::size_t vocab_size() const;
  const TokenizerConfig& config() const { return config_; }

  std::optional<TokenId> bos_id() const;
  std::optional<TokenId> eos_id() const;

 private:
  Pipeline p_;
  TokenizerConfig config_;
};

}  // namespace vkllm::tok
