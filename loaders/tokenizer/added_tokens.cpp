#include "loaders/tokenizer/added_tokens.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/base/log.h"
#include "loaders/tokenizer/utf8.h"

namespace vkllm::tok {
namespace {

// The code point that ends s (s non-empty, valid UTF-8).
char32_t last_codepoint(std::string_view s, std::size_t* start) {
  std::size_t b = s.size() - 1;
  while (b > 0 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) --b;
  std::size_t i = b;
  *start = b;
  return next_codepoint(s, i);
}

}  // namespace

AddedVocabulary::AddedVocabulary(const nlohmann::json& list, const JsonPath& path,
                                 const Bpe& model) {
  if (list.is_null()) return;
  if (!list.is_array()) fail("{}: expected an array, found {}", path.where, describe(list));
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& t = list[i];
    const JsonPath p = path.at(i);
    const auto& id = require(t, p, "id");
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0)
      fail("{}: expected a non-negative integer, found {}", (p / "id").where, describe(id));
    AddedToken tok;
    tok.content = require_string(t, p, "content");
    if (tok.content.empty()) fail("{}: empty content", (p / "content").where);
    tok.special = optional_bool(t, p, "special", false);
    tok.lstrip = optional_bool(t, p, "lstrip", false);
    tok.rstrip = optional_bool(t, p, "rstrip", false);
    tok.single_word = optional_bool(t, p, "single_word", false);
    tok.normalized = optional_bool(t, p, "normalized", !tok.special);
    // The id is not read from the file: Hugging Face gives a token already in the
    // model its model id, and a new one the next id after the model and earlier
    // added tokens (it only warns when that differs from "id").
    if (auto it = by_content_.find(tok.content); it != by_content_.end()) {
      tok.id = tokens_[it->second].id;
      tokens_[it->second] = std::move(tok);  // a repeated token's last flags win
      continue;
    }
    if (auto in_model = model.token_to_id(tok.content)) {
      tok.id = *in_model;
    } else {
      const auto n = static_cast<TokenId>(model.vocab_entries());
      tok.id = max_id_ < 0 ? n : (max_id_ >= n || n == 0) ? max_id_ + 1 : n;
    }
    if (tok.id != id.get<TokenId>())
      spdlog::warn("{}: token '{}' has id {} in the file but gets id {}, as in Hugging Face",
                   p.where, tok.content, id.get<TokenId>(), tok.id);
    max_id_ = std::max(max_id_, tok.id);
    by_id_[tok.id] = tokens_.size();
    by_content_[tok.content] = tokens_.size();
    tokens_.push_back(std::move(tok));
  }
  set_normalizer(nullptr);
}

void AddedVocabulary::set_normalizer(const Normalizer* normalizer) {
  match_text_.clear();
  for (auto& bucket : by_first_byte_) bucket.clear();
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    std::string text = tokens_[i].content;
    if (tokens_[i].normalized && normalizer) normalizer->normalize(text);
    if (!text.empty()) by_first_byte_[static_cast<unsigned char>(text[0])].push_back(i);
    match_text_.push_back(std::move(text));
  }
  for (auto& bucket : by_first_byte_)
    std::stable_sort(bucket.begin(), bucket.end(), [&](std::size_t a, std::size_t b) {
      return match_text_[a].size() > match_text_[b].size();
    });
}

const AddedToken* AddedVocabulary::find(TokenId id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

std::optional<TokenId> AddedVocabulary::find(std::string_view content) const {
  auto it = by_content_.find(content);
  if (it == by_content_.end()) return std::nullopt;
  return tokens_[it->second].id;
}

std::vector<AddedVocabulary::Match> AddedVocabulary::find_matches(std::string_view s,
                                                                  bool normalized) const {
  // Hugging Face scans with a leftmost-longest Aho-Corasick automaton over the
  // tokens of one `normalized` class: at the first position where any matches,
  // the longest wins, and the scan resumes after it, even when single_word then
  // discards it.
  std::vector<Match> out;
  std::size_t floor = 0;  // whitespace before this offset belongs to an earlier match
  for (std::size_t pos = 0; pos < s.size();) {
    const AddedToken* t = nullptr;
    std::size_t len = 0;
    for (std::size_t idx : by_first_byte_[static_cast<unsigned char>(s[pos])]) {
      if (tokens_[idx].normalized != normalized) continue;
      const std::string& text = match_text_[idx];
      if (s.compare(pos, text.size(), text) == 0) {
        t = &tokens_[idx];
        len = text.size();
        break;
      }
    }
    if (!t) {
      ++pos;
      continue;
    }
    std::size_t b = pos, e = pos + len;
    pos = e;
    if (t->single_word) {
      std::size_t cs = 0, ni = e;
      const bool word_before = b > 0 && is_word_char(last_codepoint(s.substr(0, b), &cs));
      const bool word_after = e < s.size() && is_word_char(next_codepoint(s, ni));
      if (word_before || word_after) continue;
    }
    if (t->lstrip) {
      while (b > floor) {
        std::size_t cs = 0;
        if (!is_whitespace(last_codepoint(s.substr(0, b), &cs))) break;
        b = cs;
      }
    }
    if (t->rstrip) {
      while (e < s.size()) {
        std::size_t ni = e;
        if (!is_whitespace(next_codepoint(s, ni))) break;
        e = ni;
      }
    }
    out.push_back({b, e, t->id});
    floor = pos = e;
  }
  return out;
}

void AddedVocabulary::split(std::vector<Segment>& segments, bool normalized) const {
  if (tokens_.empty()) return;
  std::vector<Segment> out;
  out.reserve(segments.size());
  for (auto& seg : segments) {
    if (seg.token) {
      out.push_back(std::move(seg));
      continue;
    }
    const auto matches = find_matches(seg.text, normalized);
    if (matches.empty()) {
      out.push_back(std::move(seg));
      continue;
    }
    std::size_t last = 0;
    for (const auto& m : matches) {
      if (m.begin > last)
        out.push_back(
            {seg.text.substr(last, m.begin - last), std::nullopt, seg.at_start && last == 0});
      out.push_back({seg.text.substr(m.begin, m.end - m.begin), m.id, false});
      last = m.end;
    }
    if (last < seg.text.size()) out.push_back({seg.text.substr(last), std::nullopt, false});
  }
  segments = std::move(out);
}

}  // namespace vkllm::tok
