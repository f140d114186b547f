#include "loaders/tokenizer/pre_tokenizer.h"

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "loaders/tokenizer/byte_level.h"
#include "loaders/tokenizer/pattern.h"
#include "loaders/tokenizer/utf8.h"

namespace vkllm::tok {

const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {

enum class Behavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Splits each piece at the delimiter ranges `find` returns, as SplitDelimiterBehavior does.
template <typename Find>
void split_pieces(std::vector<Piece>& pieces, Behavior behavior, bool invert, Find&& find) {
  std::vector<Piece> out;
  out.reserve(pieces.size() * 2);
  for (auto& piece : pieces) {
    const std::string& s = piece.text;
    // Alternating (range, is_delimiter) spans covering s.
    struct Span {
      std::size_t b, e;
      bool delim;
    };
    std::vector<Span> spans;
    std::size_t last = 0;
    for (auto [b, e] : find(s)) {
      if (b > last) spans.push_back({last, b, invert});
      spans.push_back({b, e, !invert});
      last = e;
    }
    if (last < s.size()) spans.push_back({last, s.size(), invert});

    std::vector<std::pair<std::size_t, std::size_t>> parts;
    switch (behavior) {
      case Behavior::kRemoved:
        for (auto& sp : spans)
          if (!sp.delim) parts.emplace_back(sp.b, sp.e);
        break;
      case Behavior::kIsolated:
        for (auto& sp : spans) parts.emplace_back(sp.b, sp.e);
        break;
      case Behavior::kMergedWithPrevious: {
        bool prev_open = false;
        for (auto& sp : spans) {
          if (sp.delim && prev_open)
            parts.back().second = sp.e;
          else
            parts.emplace_back(sp.b, sp.e);
          prev_open = !sp.delim;
        }
        break;
      }
      case Behavior::kMergedWithNext:
        // A delimiter takes the text after it, not a delimiter: "a-b--c" -> a, -b, -, -c.
        for (std::size_t i = 0; i < spans.size(); ++i) {
          const bool merge = spans[i].delim && i + 1 < spans.size() && !spans[i + 1].delim;
          parts.emplace_back(spans[i].b, spans[i + (merge ? 1 : 0)].e);
          if (merge) ++i;
        }
        break;
      case Behavior::kContiguous:
        // Neighbours of one kind join (with invert, adjacent matches are the text kept).
        for (std::size_t i = 0; i < spans.size(); ++i) {
          if (i > 0 && spans[i].delim == spans[i - 1].delim)
            parts.back().second = spans[i].e;
          else
            parts.emplace_back(spans[i].b, spans[i].e);
        }
        break;
    }
    for (auto [b, e] : parts)
      if (e > b) out.push_back({s.substr(b, e - b), piece.at_start && b == 0});
  }
  pieces = std::move(out);
}

// Rust's \w and \s (White_Space), as PCRE2 class contents.
const std::string kRustWord =
    R"(\p{L}\p{Nl}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}\x{24B6}-\x{24E9}\x{1F130}-\x{1F149})"
    R"(\x{1F150}-\x{1F169}\x{1F170}-\x{1F189})";
const std::string kRustSpace =
    R"(\t\n\v\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

// Hugging Face never hands an empty piece to a pre-tokenizer.
void drop_empty(std::vector<Piece>& pieces) {
  std::erase_if(pieces, [](const Piece& p) { return p.text.empty(); });
}

Behavior parse_behavior(const nlohmann::json& spec, const JsonPath& path) {
  const std::string b = require_string(spec, path, "behavior");
  if (b == "Removed") return Behavior::kRemoved;
  if (b == "Isolated") return Behavior::kIsolated;
  if (b == "MergedWithPrevious") return Behavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return Behavior::kMergedWithNext;
  if (b == "Contiguous") return Behavior::kContiguous;
  fail(
      "{}: unknown split behavior '{}' (expected Removed, Isolated, MergedWithPrevious, "
      "MergedWithNext or Contiguous)",
      (path / "behavior").where, b);
}

class Split final : public PreTokenizer {
 public:
  Split(Pattern p, Behavior b, bool invert)
      : pattern_(std::move(p)), behavior_(b), invert_(invert) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, behavior_, invert_,
                 [&](const std::string& s) { return pattern_.find_all(s); });
  }

 private:
  Pattern pattern_;
  Behavior behavior_;
  bool invert_;
};

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex) : add_prefix_space_(add_prefix_space) {
    if (use_regex) regex_ = std::make_unique<Regex>(kGpt2Pattern, "ByteLevel regex");
  }
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    drop_empty(pieces);
    // Like Hugging Face: every piece that does not start with a space gets one.
    if (add_prefix_space_)
      for (auto& p : pieces)
        if (p.text.empty() || p.text[0] != ' ') p.text = " " + p.text;
    if (regex_)
      split_pieces(pieces, Behavior::kIsolated, false,
                   [&](const std::string& s) { return regex_->find_all(s); });
    for (auto& p : pieces) p.text = bytes_to_unicode(p.text);
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

class Metaspace final : public PreTokenizer {
 public:
  Metaspace(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    drop_empty(pieces);
    for (auto& p : pieces) {
      std::string t;
      t.reserve(p.text.size() + replacement_.size());
      for (char c : p.text) {
        if (c == ' ')
          t += replacement_;
        else
          t += c;
      }
      const bool starts = t.compare(0, replacement_.size(), replacement_) == 0;
      if (!starts &&
          (scheme_ == PrependScheme::kAlways || (scheme_ == PrependScheme::kFirst && p.at_start)))
        t = replacement_ + t;
      p.text = std::move(t);
    }
    if (split_) {
      const Pattern rep = Pattern::literal(replacement_);
      split_pieces(pieces, Behavior::kMergedWithNext, false,
                   [&](const std::string& s) { return rep.find_all(s); });
    }
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

// Digits, Whitespace, WhitespaceSplit and Punctuation: splits by a character class.
class CharClassSplit final : public PreTokenizer {
 public:
  CharClassSplit(const std::string& pattern, Behavior b, bool invert = false)
      : regex_(pattern, "pre-tokenizer"), behavior_(b), invert_(invert) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, behavior_, invert_,
                 [&](const std::string& s) { return regex_.find_all(s); });
  }

 private:
  Regex regex_;
  Behavior behavior_;
  bool invert_;
};

class Sequence final : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    for (const auto& p : parts_) p->pre_tokenize(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

PrependScheme parse_scheme(const nlohmann::json& spec, const JsonPath& path) {
  // Older files carry add_prefix_space instead of prepend_scheme.
  if (!spec.contains("prepend_scheme"))
    return optional_bool(spec, path, "add_prefix_space", true) ? PrependScheme::kAlways
                                                               : PrependScheme::kNever;
  const std::string s = require_string(spec, path, "prepend_scheme");
  if (s == "always") return PrependScheme::kAlways;
  if (s == "first") return PrependScheme::kFirst;
  if (s == "never") return PrependScheme::kNever;
  fail("{}: unknown prepend_scheme '{}' (expected always, first or never)",
       (path / "prepend_scheme").where, s);
}

}  // namespace

std::unique_ptr<PreTokenizer> make_metaspace(std::string replacement, PrependScheme scheme,
                                             bool split) {
  return std::make_unique<Metaspace>(std::move(replacement), scheme, split);
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& spec, const JsonPath& path) {
  if (spec.is_null()) return nullptr;
  const std::string type = component_type(spec, path);
  if (type == "ByteLevel")
    return std::make_unique<ByteLevel>(optional_bool(spec, path, "add_prefix_space", true),
                                       optional_bool(spec, path, "use_regex", true));
  if (type == "Split")
    return std::make_unique<Split>(Pattern(require(spec, path, "pattern"), path / "pattern"),
                                   parse_behavior(spec, path),
                                   optional_bool(spec, path, "invert", false));
  if (type == "Metaspace")
    return make_metaspace(optional_string(spec, path, "replacement", "\u2581"),
                          parse_scheme(spec, path), optional_bool(spec, path, "split", true));
  if (type == "Digits")
    return std::make_unique<CharClassSplit>(
        optional_bool(spec, path, "individual_digits", false) ? R"(\p{N})" : R"(\p{N}+)",
        Behavior::kIsolated);
  if (type == "Whitespace")
    // Keeps the words and punctuation runs, drops the whitespace between them:
    // \w+|[^\w\s]+ in Rust's regex crate, whose \w takes joiners and no No digits.
    return std::make_unique<CharClassSplit>(
        "[" + kRustWord + "]+|[^" + kRustWord + kRustSpace + "]+", Behavior::kRemoved, true);
  if (type == "WhitespaceSplit")
    // Rust's char::is_whitespace (PCRE2's \s also takes U+180E).
    return std::make_unique<CharClassSplit>("[" + kRustSpace + "]+", Behavior::kRemoved);
  if (type == "Punctuation")
    // Rust's is_ascii_punctuation (which includes symbols such as $ + < = > ^ ` | ~) or \p{P}.
    return std::make_unique<CharClassSplit>(
        R"([\p{P}!-/:-@\[-`{-~])",
        spec.contains("behavior") ? parse_behavior(spec, path) : Behavior::kIsolated);
  if (type == "Sequence") {
    const auto& list = require(spec, path, "pretokenizers");
    if (!list.is_array())
      fail("{}: expected an array, found {}", (path / "pretokenizers").where, describe(list));
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    for (std::size_t i = 0; i < list.size(); ++i)
      if (auto p = make_pre_tokenizer(list[i], (path / "pretokenizers").at(i)))
        parts.push_back(std::move(p));
    return std::make_unique<Sequence>(std::move(parts));
  }
  fail_unsupported(path, "pre-tokenizer", type,
                   "ByteLevel, Split, Metaspace, Digits, Whitespace, WhitespaceSplit, Punctuation, "
                   "Sequence");
}

}  // namespace vkllm::tok
