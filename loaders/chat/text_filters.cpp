#include "loaders/chat/text_filters.h"

#include <algorithm>
#include <vector>

#include "loaders/tokenizer/utf8.h"

namespace vkllm::chat {
namespace {

using tok::to_u32;
using tok::to_utf8;

// textwrap's whitespace is ASCII only: '\t\n\x0b\x0c\r '.
bool wrap_space(char32_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

// chunk.strip() == '' in Python (str.isspace() characters, or empty).
bool blank(std::u32string_view chunk) {
  return std::all_of(chunk.begin(), chunk.end(),
                     [](char32_t c) { return tok::is_whitespace(c) || (c >= 0x1C && c <= 0x1F); });
}

// The character classes of textwrap's wordsep_re: \w, letter = [^\d\W] (with
// \p{N} standing in for \d) and word_punct = [\w!"'&.,?].
bool word(char32_t c) {
  return tok::is_word_char(c);
}
bool letter(char32_t c) {
  return word(c) && !tok::is_numeric(c);
}
bool word_punct(char32_t c) {
  return word(c) || (c < 0x80 && std::string_view("!\"'&.,?").find(static_cast<char>(c)) !=
                                     std::string_view::npos);
}

// textwrap's TextWrapper._split: whitespace runs and words; with
// break_on_hyphens, words also end after the hyphen of "goof-ball" and before
// an em-dash "--" (wordsep_re, matched by hand).
std::vector<std::u32string> split_chunks(const std::u32string& t, bool break_on_hyphens) {
  const std::size_t n = t.size();
  auto at = [&](std::size_t i) -> char32_t { return i < n ? t[i] : 0; };
  auto dashes = [&](std::size_t i) {
    std::size_t h = 0;
    while (at(i + h) == '-') ++h;
    return h;
  };
  // (?=-{2,}\w) at i
  auto em_dash_before_word = [&](std::size_t i) {
    return dashes(i) >= 2 && word(at(i + dashes(i)));
  };
  std::vector<std::u32string> chunks;
  for (std::size_t p = 0; p < n;) {
    std::size_t e = p + 1;
    if (wrap_space(t[p])) {
      while (e < n && wrap_space(t[e])) ++e;
    } else if (!break_on_hyphens) {
      while (e < n && !wrap_space(t[e])) ++e;
    } else if (p > 0 && word_punct(t[p - 1]) && em_dash_before_word(p)) {
      e = p + dashes(p);  // an em-dash between words
    } else {
      // The shortest run of non-space that ends at a place a line may break.
      for (;; ++e) {
        const bool after_letters =
            (e >= 2 && letter(t[e - 2]) && letter(t[e - 1])) ||
            (e >= 3 && letter(t[e - 3]) && t[e - 2] == '-' && letter(t[e - 1]));
        if (at(e) == '-' && after_letters && letter(at(e + 1)) &&
            (letter(at(e + 2)) || (at(e + 2) == '-' && letter(at(e + 3))))) {
          ++e;  // a hyphenated word breaks after its hyphen
          break;
        }
        if (e == n || wrap_space(t[e])) break;
        if (word_punct(t[e - 1]) && em_dash_before_word(e)) break;
      }
    }
    chunks.push_back(t.substr(p, e - p));
    p = e;
  }
  return chunks;
}

std::size_t total_length(const std::vector<std::u32string>& chunks) {
  std::size_t n = 0;
  for (const auto& c : chunks) n += c.size();
  return n;
}

// TextWrapper._handle_long_word: a chunk wider than the line.
void handle_long_word(std::vector<std::u32string>& reversed_chunks,
                      std::vector<std::u32string>& line, std::size_t line_len,
                      const WrapOptions& o) {
  const std::size_t space_left = o.width - line_len;
  if (o.break_long_words) {
    std::size_t end = space_left;
    std::u32string& chunk = reversed_chunks.back();
    if (o.break_on_hyphens && chunk.size() > space_left) {
      // Break after the last hyphen that fits, when something other than hyphens precedes it.
      const auto hyphen = space_left == 0 ? std::u32string::npos : chunk.rfind('-', space_left - 1);
      if (hyphen != std::u32string::npos &&
          std::any_of(chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(hyphen),
                      [](char32_t c) { return c != '-'; }))
        end = hyphen + 1;
    }
    line.push_back(chunk.substr(0, end));
    chunk.erase(0, end);
  } else if (line.empty()) {
    line.push_back(std::move(reversed_chunks.back()));
    reversed_chunks.pop_back();
  }
}

// TextWrapper._wrap_chunks without indents or max_lines, dropping whitespace at line ends.
std::vector<std::u32string> wrap_chunks(std::vector<std::u32string> chunks, const WrapOptions& o) {
  std::vector<std::u32string> lines;
  std::reverse(chunks.begin(), chunks.end());
  while (!chunks.empty()) {
    std::vector<std::u32string> line;
    std::size_t line_len = 0;
    // Whitespace starting a line goes, except at the very beginning of the text.
    if (!lines.empty() && blank(chunks.back())) chunks.pop_back();
    while (!chunks.empty() && line_len + chunks.back().size() <= o.width) {
      line_len += chunks.back().size();
      line.push_back(std::move(chunks.back()));
      chunks.pop_back();
    }
    if (!chunks.empty() && chunks.back().size() > o.width) {
      handle_long_word(chunks, line, line_len, o);
      line_len = total_length(line);
    }
    if (!line.empty() && blank(line.back())) line.pop_back();
    if (line.empty()) continue;
    std::u32string joined;
    for (const auto& c : line) joined += c;
    lines.push_back(std::move(joined));
  }
  return lines;
}

// Python's str.splitlines() boundaries (\r\n counts as one).
std::vector<std::u32string> split_lines(const std::u32string& s) {
  std::vector<std::u32string> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    const bool boundary = (c >= '\n' && c <= '\r') || (c >= 0x1C && c <= 0x1E) || c == 0x85 ||
                          c == 0x2028 || c == 0x2029;
    if (!boundary) continue;
    lines.push_back(s.substr(start, i - start));
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < s.size()) lines.push_back(s.substr(start));
  return lines;
}

}  // namespace

std::size_t code_points(const std::string& s) {
  return to_u32(s).size();
}

std::string wordwrap(const std::string& s, const WrapOptions& options) {
  std::string out;
  const auto paragraphs = split_lines(to_u32(s));
  for (std::size_t k = 0; k < paragraphs.size(); ++k) {
    if (k) out += options.wrapstring;  // an empty paragraph still separates its neighbours
    const auto lines = wrap_chunks(split_chunks(paragraphs[k], options.break_on_hyphens), options);
    for (std::size_t j = 0; j < lines.size(); ++j) {
      if (j) out += options.wrapstring;
      out += to_utf8(lines[j]);
    }
  }
  return out;
}

std::string truncate(const std::string& s, std::size_t length, bool killwords,
                     const std::string& end, std::size_t leeway) {
  const std::u32string u = to_u32(s);
  if (u.size() <= length + leeway) return s;
  std::u32string head = u.substr(0, length - code_points(end));
  if (!killwords) {
    // Python's head.rsplit(" ", 1)[0]: drop the word the cut went through.
    if (const auto space = head.rfind(' '); space != std::u32string::npos) head.resize(space);
  }
  return to_utf8(head) + end;
}

}  // namespace vkllm::chat
