#include "loaders/tokenizer/bpe.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <queue>

#include "engine/base/error.h"
#include "loaders/tokenizer/utf8.h"

namespace vkllm::tok {
namespace {
constexpr std::size_t kCacheLimit = 1 << 16;
constexpr std::size_t kCacheMaxPieceBytes = 256;
}  // namespace

Bpe::Bpe(const nlohmann::json& spec, const JsonPath& path) {
  if (!spec.is_object()) fail("{}: expected an object, found {}", path.where, describe(spec));
  if (spec.contains("type")) {
    const std::string type = require_string(spec, path, "type");
    if (type != "BPE") fail_unsupported(path, "model", type, "BPE");
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const std::string v = optional_string(spec, path, key, "");
    if (!v.empty()) fail("{}: a non-empty {} ('{}') is not supported", (path / key).where, key, v);
  }
  if (spec.contains("dropout") && !spec["dropout"].is_null() && spec["dropout"] != 0.0)
    fail("{}: BPE dropout {} is not supported (expected null)", (path / "dropout").where,
         describe(spec["dropout"]));

  const auto& vocab = require(spec, path, "vocab");
  if (!vocab.is_object())
    fail("{}: expected an object of token -> id, found {}", (path / "vocab").where,
         describe(vocab));
  vocab_.reserve(vocab.size());
  char_ids_.reserve(1024);
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<std::int64_t>() < 0)
      fail("{}: token '{}' has id {}, expected a non-negative integer", (path / "vocab").where,
           it.key(), describe(it.value()));
    const auto id = it.value().get<TokenId>();
    vocab_.emplace(it.key(), id);
    if (static_cast<std::size_t>(id) >= id_to_token_.size()) {
      id_to_token_.resize(id + 1);
      has_id_.resize(id + 1, false);
    }
    id_to_token_[id] = it.key();
    has_id_[id] = true;
    std::size_t i = 0;
    if (const char32_t cp = next_codepoint(it.key(), i);
        i == it.key().size() && is_valid_utf8(it.key()))
      char_ids_.insert_or_assign(cp, id);
  }

  const auto& merges = require(spec, path, "merges");
  if (!merges.is_array())
    fail("{}: expected an array, found {}", (path / "merges").where, describe(merges));
  merges_.reserve(merges.size());
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& m = merges[rank];
    std::string a, b;
    if (m.is_string()) {
      const std::string& s = m.get_ref<const std::string&>();
      const auto sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
        fail("{}: expected \"a b\" (two tokens and one space), found {}",
             (path / "merges").at(rank).where, describe(m));
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    } else {
      fail("{}: expected \"a b\" or [\"a\", \"b\"], found {}", (path / "merges").at(rank).where,
           describe(m));
    }
    auto ia = vocab_.find(a), ib = vocab_.find(b), im = vocab_.find(a + b);
    if (ia == vocab_.end() || ib == vocab_.end() || im == vocab_.end())
      fail("{}: merge '{} {}' uses a token missing from the vocab ('{}')",
           (path / "merges").at(rank).where, a, b,
           ia == vocab_.end()   ? a
           : ib == vocab_.end() ? b
                                : a + b);
    // A repeated pair keeps its last rank, as Hugging Face's merge map does.
    merges_.insert_or_assign(pair_key(ia->second, ib->second),
                             Merge{static_cast<std::int32_t>(rank), im->second});
  }

  const std::string unk = optional_string(spec, path, "unk_token", "");
  if (!unk.empty()) {
    auto it = vocab_.find(unk);
    if (it == vocab_.end())
      fail("{}: unk_token '{}' is not in the vocab", (path / "unk_token").where, unk);
    unk_ = it->second;
  }
  fuse_unk_ = optional_bool(spec, path, "fuse_unk", false);
  byte_fallback_ = optional_bool(spec, path, "byte_fallback", false);
  ignore_merges_ = optional_bool(spec, path, "ignore_merges", false);
  for (int b = 0; b < 256; ++b) {
    auto it = vocab_.find(fmt::format("<0x{:02X}>", b));
    byte_ids_[b] = it == vocab_.end() ? -1 : it->second;
  }
}

std::optional<TokenId> Bpe::token_to_id(std::string_view token) const {
  auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* Bpe::id_to_token(TokenId id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= has_id_.size() || !has_id_[id]) return nullptr;
  return &id_to_token_[id];
}

void Bpe::tokenize(std::string_view piece, std::vector<TokenId>& out) const {
  if (piece.empty()) return;
  if (ignore_merges_) {
    if (auto it = vocab_.find(piece); it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  const bool cacheable = piece.size() <= kCacheMaxPieceBytes;
  if (cacheable) {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(piece); it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<TokenId> ids;
  merge_word(piece, ids);
  out.insert(out.end(), ids.begin(), ids.end());
  if (cacheable) {
    std::lock_guard lock(cache_mutex_);
    if (cache_.size() >= kCacheLimit) cache_.clear();
    cache_.emplace(std::string(piece), std::move(ids));
  }
}

void Bpe::merge_word(std::string_view piece, std::vector<TokenId>& out) const {
  // Symbols form a doubly linked list; merges are applied lowest rank first,
  // leftmost first among equal ranks (as Hugging Face's Word::merge_all does).
  struct Symbol {
    TokenId id;
    int prev, next;
    bool alive;
  };
  std::vector<Symbol> sym;
  sym.reserve(piece.size());
  auto add = [&](TokenId id) {
    const int n = static_cast<int>(sym.size());
    sym.push_back({id, n - 1, n + 1, true});
  };
  TokenId pending_unk = -1;  // an unk not yet added (fuse_unk grows it)
  for (std::size_t i = 0; i < piece.size();) {
    const std::size_t start = i;
    const char32_t cp = next_codepoint(piece, i);
    const std::string_view ch = piece.substr(start, i - start);
    if (const TokenId* id = char_ids_.find(cp)) {
      if (pending_unk >= 0) add(pending_unk), pending_unk = -1;
      add(*id);
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (char c : ch) all = all && byte_ids_[static_cast<unsigned char>(c)] >= 0;
      if (all) {
        for (char c : ch) add(byte_ids_[static_cast<unsigned char>(c)]);
        continue;
      }
    }
    if (unk_) {
      if (pending_unk >= 0 && !fuse_unk_) add(pending_unk);
      pending_unk = *unk_;
    }
  }
  if (pending_unk >= 0) add(pending_unk);
  if (sym.empty()) return;
  sym.back().next = -1;

  struct Candidate {
    std::int32_t rank;
    int pos;
    TokenId merged;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  auto consider = [&](int pos) {
    const int nxt = sym[pos].next;
    if (nxt < 0) return;
    if (const Merge* m = merges_.find(pair_key(sym[pos].id, sym[nxt].id)))
      queue.push({m->rank, pos, m->merged});
  };
  for (int p = 0; p + 1 < static_cast<int>(sym.size()); ++p) consider(p);
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = sym[top.pos];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = sym[left.next];
    const Merge* m = merges_.find(pair_key(left.id, right.id));
    if (!m || m->merged != top.merged) continue;  // stale entry
    left.id = top.merged;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) sym[right.next].prev = top.pos;
    if (left.prev >= 0) consider(left.prev);
    consider(top.pos);
  }
  for (int p = 0; p >= 0; p = sym[p].next) out.push_back(sym[p].id);
}

}  // namespace vkllm::tok
