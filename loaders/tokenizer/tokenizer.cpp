#include "loaders/tokenizer/tokenizer.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/base/error.h"
#include "engine/base/paths.h"
#include "loaders/tokenizer/transformers_compat.h"
#include "loaders/tokenizer/utf8.h"

namespace vkllm::tok {

Tokenizer Tokenizer::load(const std::filesystem::path& dir) {
  require_folder(dir, "tokenizer: model folder", "give the folder that holds tokenizer.json");
  const auto path = dir / "tokenizer.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (std::filesystem::exists(path))
      read_file(path, "tokenizer: file");  // names why it cannot be read
    fail("tokenizer: {} has no tokenizer.json (a model folder needs one to encode text)",
         dir.string());
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    fail("{}: invalid JSON: {}", path.string(), e.what());
  }
  return from_json(j, load_tokenizer_config(dir), path.string());
}

Tokenizer Tokenizer::from_json(const nlohmann::json& j, TokenizerConfig config,
                               const std::string& where) {
  const JsonPath root{where, true};
  if (!j.is_object()) fail("{}: expected a JSON object, found {}", where, describe(j));
  auto section = [&](const char* key) -> const nlohmann::json& {
    static const nlohmann::json null;
    return j.contains(key) ? j[key] : null;
  };
  // "truncation" and "padding" are ignored: transformers turns both off for a plain encode.
  Tokenizer t;
  t.p_.model = std::make_unique<Bpe>(require(j, root, "model"), root / "model");
  t.p_.added = AddedVocabulary(section("added_tokens"), root / "added_tokens", *t.p_.model);
  t.p_.normalizer = make_normalizer(section("normalizer"), root / "normalizer");
  t.p_.pre_tokenizer = make_pre_tokenizer(section("pre_tokenizer"), root / "pre_tokenizer");
  t.p_.post_processor = make_post_processor(section("post_processor"), root / "post_processor");
  t.p_.decoder = make_decoder(section("decoder"), root / "decoder");
  apply_transformers_class(t.p_, config);
  t.p_.added.set_normalizer(t.p_.normalizer.get());
  t.config_ = std::move(config);
  return t;
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  std::vector<Segment> segments;
  segments.push_back(
      {is_valid_utf8(text) ? std::string(text) : from_utf8_lossy(text), std::nullopt, true});
  p_.added.split(segments, /*normalized=*/false);
  if (p_.normalizer)
    for (auto& s : segments)
      if (!s.token) p_.normalizer->normalize(s.text);
  p_.added.split(segments, /*normalized=*/true);

  std::vector<TokenId> ids;
  std::vector<Piece> pieces;
  for (auto& s : segments) {
    if (s.token) {
      ids.push_back(*s.token);
      continue;
    }
    if (s.text.empty()) continue;
    pieces.assign(1, Piece{std::move(s.text), s.at_start});
    if (p_.pre_tokenizer) p_.pre_tokenizer->pre_tokenize(pieces);
    for (const auto& piece : pieces) p_.model->tokenize(piece.text, ids);
  }
  if (add_special_tokens) p_.post_processor.apply(ids);
  return ids;
}

std::string Tokenizer::decode(std::span<const TokenId> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (TokenId id : ids) {
    if (const AddedToken* a = p_.added.find(id)) {
      if (!(skip_special_tokens && a->special)) tokens.push_back(p_.added.text(*a));
    } else if (const std::string* t = p_.model->id_to_token(id)) {
      tokens.push_back(*t);
    }
  }
  // clean_up_tokenization_spaces is not applied: transformers 5 ignores it for BPE models.
  return run_decoder(p_.decoder.get(), std::move(tokens));
}

std::optional<std::string> Tokenizer::id_to_token(TokenId id) const {
  if (const AddedToken* a = p_.added.find(id)) return p_.added.text(*a);
  if (const std::string* t = p_.model->id_to_token(id)) return *t;
  return std::nullopt;
}

std::optional<TokenId> Tokenizer::token_to_id(std::string_view token) const {
  if (auto id = p_.added.find(token)) return id;
  return p_.model->token_to_id(token);
}

bool Tokenizer::is_special(TokenId id) const {
  const AddedToken* a = p_.added.find(id);
  return a && a->special;
}

std::size_t Tokenizer::vocab_size() const {
  std::size_t n = p_.model->vocab_size();
  for (const auto& a : p_.added.tokens()) n = std::max(n, static_cast<std::size_t>(a.id) + 1);
  return n;
}

std::optional<TokenId> Tokenizer::bos_id() const {
  return config_.bos_token ? token_to_id(*config_.bos_token) : std::nullopt;
}

std::optional<TokenId> Tokenizer::eos_id() const {
  return config_.eos_token ? token_to_id(*config_.eos_token) : std::nullopt;
}

}  // namespace vkllm::tok
