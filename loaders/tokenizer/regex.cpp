#include "loaders/tokenizer/regex.h"

#include <fmt/format.h>
#include <pcre2.h>

#include "engine/base/error.h"

namespace vkllm::tok {

namespace {

// Oniguruma's \w (Hugging Face's engine for Split and Replace patterns):
// letters, Nl, marks, decimal digits, connector punctuation, Other_Alphabetic
// symbols and the Latin-1 digits ¹²³¼½¾. PCRE2's takes every \p{N} and no marks.
constexpr std::string_view kWordClass =
    R"(\p{L}\p{Nl}\p{M}\p{Nd}\p{Pc}\x{B2}\x{B3}\x{B9}\x{BC}-\x{BE})"
    R"(\x{24B6}-\x{24E9}\x{1F130}-\x{1F149}\x{1F150}-\x{1F169}\x{1F170}-\x{1F189})";

// Rewrites \w (and \W outside a character class) to Oniguruma's meaning.
std::string with_oniguruma_word(std::string_view pattern) {
  std::string out;
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[++i];
      if (e == 'w')
        out += in_class ? std::string(kWordClass) : "[" + std::string(kWordClass) + "]";
      else if (e == 'W' && !in_class)
        out += "[^" + std::string(kWordClass) + "]";
      else
        out += {c, e};
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    out += c;
  }
  return out;
}

}  // namespace

Regex::Regex(const std::string& source, std::string_view what) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  const std::string pattern = with_oniguruma_word(source);
  auto* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                             PCRE2_UTF | PCRE2_UCP, &err, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    // The offset is into the rewritten pattern; name it only when nothing was rewritten.
    const std::string at = pattern == source ? fmt::format(" at offset {}", offset) : "";
    fail("{}: invalid regex '{}'{}: {}", what, source, at, reinterpret_cast<const char*>(msg));
  }
  jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  code_ = code;
}

Regex::~Regex() {
  pcre2_code_free(static_cast<pcre2_code*>(code_));
}

std::vector<std::pair<std::size_t, std::size_t>> Regex::find_all(std::string_view s) const {
  auto* code = static_cast<pcre2_code*>(code_);
  // One match block per thread, reused: find_all runs once per text segment.
  struct MatchData {
    pcre2_match_data* md = pcre2_match_data_create(32, nullptr);
    ~MatchData() { pcre2_match_data_free(md); }
  };
  thread_local MatchData block;
  pcre2_match_data* md = block.md;
  std::vector<std::pair<std::size_t, std::size_t>> out;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(s.data());
  std::size_t pos = 0;
  while (pos <= s.size()) {
    const int rc = jit_
                       ? pcre2_jit_match(code, subject, s.size(), pos, 0, md, nullptr)
                       : pcre2_match(code, subject, s.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) fail("tokenizer regex: match failed with PCRE2 error {}", rc);
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    std::size_t start = ov[0], end = ov[1];
    if (end == start) {
      // Empty match: step over one character so the scan always advances.
      if (start >= s.size()) break;
      std::size_t next = start + 1;
      while (next < s.size() && (static_cast<unsigned char>(s[next]) & 0xC0) == 0x80) ++next;
      pos = next;
      continue;
    }
    out.emplace_back(start, end);
    pos = end;
  }
  return out;
}

std::string Regex::escape(std::string_view literal) {
  std::string out;
  for (char c : literal) {
    if (std::string_view("\\^$.|?*+()[]{}-/#").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace vkllm::tok
