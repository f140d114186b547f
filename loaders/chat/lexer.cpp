#include "loaders/chat/lexer.h"

#include <algorithm>

#include "loaders/chat/error.h"
#include "loaders/tokenizer/utf8.h"

namespace vkllm::chat {
namespace {

class Lexer {
 public:
  Lexer(std::string src, const LexOptions& o) : src_(std::move(src)), opt_(o) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < src_.size(); ++i)
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
  }

  std::vector<Token> run() {
    std::size_t pos = 0;
    bool strip_leading = false, trim_newline = false;
    while (pos <= src_.size()) {
      const std::size_t tag = find_tag(pos);
      std::string text = src_.substr(pos, tag - pos);
      const std::size_t text_start = pos;
      const char kind = tag < src_.size() ? src_[tag + 1] : '\0';  // '{', '%' or '#'
      const char mod = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      // Trailing side first (on the raw text), so lstrip_blocks sees where lines start.
      if (tag < src_.size()) {
        if (mod == '-') {
          const auto k = text.find_last_not_of(" \t\n\r\f\v");
          text.erase(k == std::string::npos ? 0 : k + 1);
        } else if (kind != '{' && opt_.lstrip_blocks && mod != '+') {
          lstrip_line(text, text_start);
        }
      }
      if (strip_leading) {
        const auto k = text.find_first_not_of(" \t\n\r\f\v");
        text.erase(0, k == std::string::npos ? text.size() : k);
      } else if (trim_newline && !text.empty() && text[0] == '\n') {
        text.erase(0, 1);
      }
      strip_leading = trim_newline = false;
      if (tag == src_.size()) {
        emit_text(text, text_start);
        break;
      }
      emit_text(text, text_start);
      std::size_t inner = tag + 2 + ((mod == '-' || mod == '+') ? 1 : 0);
      if (kind == '#') {
        const std::size_t end = src_.find("#}", inner);
        if (end == std::string::npos) error(tag, "unterminated comment: expected '#}'");
        strip_leading = end > inner && src_[end - 1] == '-';
        trim_newline = opt_.trim_blocks && !(end > inner && src_[end - 1] == '+');
        pos = end + 2;
        continue;
      }
      if (kind == '%' && try_raw(tag, inner, pos, strip_leading)) continue;
      push(kind == '{' ? TokKind::kVarBegin : TokKind::kBlockBegin, kind == '{' ? "{{" : "{%", tag);
      char end_mod = '\0';
      pos = lex_expression(inner, kind == '{' ? '}' : '%', &end_mod);
      push(kind == '{' ? TokKind::kVarEnd : TokKind::kBlockEnd, kind == '{' ? "}}" : "%}", pos - 2);
      strip_leading = end_mod == '-';
      trim_newline = kind == '%' && opt_.trim_blocks && end_mod != '+';
    }
    push(TokKind::kEof, "", src_.size());
    return std::move(tokens_);
  }

 private:
  std::size_t find_tag(std::size_t from) const {
    for (std::size_t p = src_.find('{', from); p != std::string::npos; p = src_.find('{', p + 1))
      if (p + 1 < src_.size() && (src_[p + 1] == '{' || src_[p + 1] == '%' || src_[p + 1] == '#'))
        return p;
    return src_.size();
  }

  // lstrip_blocks: drop spaces and tabs between the start of the line and a block tag.
  static void lstrip_line(std::string& text, std::size_t text_start) {
    const auto nl = text.rfind('\n');
    if (nl == std::string::npos && text_start != 0) return;  // the line began before a tag
    const std::size_t from = nl == std::string::npos ? 0 : nl + 1;
    if (text.find_first_not_of(" \t", from) == std::string::npos) text.erase(from);
  }

  // {% raw %} ... {% endraw %}: the body is text.
  bool try_raw(std::size_t tag, std::size_t inner, std::size_t& pos, bool& strip_leading) {
    std::size_t p = src_.find_first_not_of(" \t\n", inner);
    if (p == std::string::npos || src_.compare(p, 3, "raw") != 0) return false;
    std::size_t q = src_.find_first_not_of(" \t\n", p + 3);
    if (q == std::string::npos) return false;
    if (src_[q] == '-' || src_[q] == '+') ++q;
    if (src_.compare(q, 2, "%}") != 0) return false;
    const std::size_t body = q + 2;
    for (std::size_t e = src_.find("{%", body); e != std::string::npos;
         e = src_.find("{%", e + 2)) {
      std::size_t n = e + 2;
      if (n < src_.size() && (src_[n] == '-' || src_[n] == '+')) ++n;
      n = src_.find_first_not_of(" \t\n", n);
      if (n == std::string::npos || src_.compare(n, 6, "endraw") != 0) continue;
      const std::size_t close = src_.find("%}", n);
      if (close == std::string::npos) break;
      emit_text(src_.substr(body, e - body), body);
      strip_leading = src_[close - 1] == '-';
      pos = close + 2;
      return true;
    }
    error(tag, "unterminated raw block: expected '{% endraw %}'");
  }

  std::size_t lex_expression(std::size_t p, char end_char, char* end_mod) {
    static const char* const kOps2[] = {"**", "//", "==", "!=", "<=", ">="};
    int depth = 0;  // open brackets: "}}" inside {'a': {'b': 1}} does not end the tag
    while (true) {
      while (p < src_.size() && std::isspace(static_cast<unsigned char>(src_[p]))) ++p;
      if (p >= src_.size())
        error(p, std::string("unexpected end of template: expected '") + end_char + "}'");
      // End of tag ("}}" or "%}"), possibly after a "-" or "+" modifier.
      if (depth == 0) {
        const std::string close{end_char, '}'};
        const char m = src_[p];
        const std::size_t at = (m == '-' || m == '+') ? p + 1 : p;
        if (src_.compare(at, 2, close) == 0) {
          *end_mod = at == p ? '\0' : m;
          return at + 2;
        }
      }
      const char c = src_[p];
      const std::size_t start = p;
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        while (p < src_.size() &&
               (std::isalnum(static_cast<unsigned char>(src_[p])) || src_[p] == '_'))
          ++p;
        push(TokKind::kName, src_.substr(start, p - start), start);
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        while (p < src_.size() &&
               (std::isdigit(static_cast<unsigned char>(src_[p])) || src_[p] == '_'))
          ++p;
        bool is_float = false;
        if (p + 1 < src_.size() && src_[p] == '.' &&
            std::isdigit(static_cast<unsigned char>(src_[p + 1]))) {
          is_float = true;
          ++p;
          while (p < src_.size() && std::isdigit(static_cast<unsigned char>(src_[p]))) ++p;
        }
        if (p < src_.size() && (src_[p] == 'e' || src_[p] == 'E')) {
          std::size_t q = p + 1;
          if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
          if (q < src_.size() && std::isdigit(static_cast<unsigned char>(src_[q]))) {
            is_float = true;
            p = q;
            while (p < src_.size() && std::isdigit(static_cast<unsigned char>(src_[p]))) ++p;
          }
        }
        std::string num = src_.substr(start, p - start);
        std::erase(num, '_');
        push(is_float ? TokKind::kFloat : TokKind::kInt, num, start);
      } else if (c == '\'' || c == '"') {
        push(TokKind::kString, string_literal(p), start);
      } else {
        std::string op(1, c);
        for (const char* two : kOps2)
          if (src_.compare(p, 2, two) == 0) op = two;
        if (op.size() == 1 &&
            std::string_view("+-*/%~<>=()[]{}.,:|!").find(c) == std::string_view::npos)
          error(p, std::string("unexpected character '") + c + "'");
        if (op == "!") error(p, "unexpected character '!'");
        p += op.size();
        if (op == "(" || op == "[" || op == "{") ++depth;
        if ((op == ")" || op == "]" || op == "}") && depth > 0) --depth;
        push(TokKind::kOp, op, start);
      }
    }
  }

  // A string literal with Python's escapes (Jinja decodes them as unicode-escape).
  std::string string_literal(std::size_t& p) {
    const char q = src_[p];
    const std::size_t start = p++;
    std::string out;
    auto hex = [&](std::size_t digits) -> char32_t {
      if (p + digits > src_.size()) error(p, "truncated \\x/\\u escape");
      char32_t v = 0;
      for (std::size_t k = 0; k < digits; ++k) {
        const char c = src_[p++];
        if (!std::isxdigit(static_cast<unsigned char>(c)))
          error(p - 1, "invalid hex digit in escape");
        v = v * 16 +
            static_cast<char32_t>(std::isdigit(static_cast<unsigned char>(c))
                                      ? c - '0'
                                      : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
      }
      return v;
    };
    while (p < src_.size() && src_[p] != q) {
      const char c = src_[p++];
      if (c != '\\' || p >= src_.size()) {
        out += c;
        continue;
      }
      const char e = src_[p++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'v':
          out += '\v';
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case '\n':
          break;
        case 'x':
          tok::append_utf8(out, hex(2));
          break;
        case 'u':
          tok::append_utf8(out, hex(4));
          break;
        case 'U':
          tok::append_utf8(out, hex(8));
          break;
        default:
          if (e >= '0' && e <= '7') {  // up to three octal digits
            char32_t v = static_cast<char32_t>(e - '0');
            for (int k = 0; k < 2 && p < src_.size() && src_[p] >= '0' && src_[p] <= '7'; ++k)
              v = v * 8 + static_cast<char32_t>(src_[p++] - '0');
            tok::append_utf8(out, v);
          } else {
            out += '\\';  // unknown escapes keep their backslash
            out += e;
          }
      }
    }
    if (p >= src_.size()) error(start, "unterminated string literal");
    ++p;
    return out;
  }

  void emit_text(const std::string& text, std::size_t at) {
    if (!text.empty()) push(TokKind::kText, text, at);
  }

  void push(TokKind k, std::string text, std::size_t offset) {
    auto [line, col] = position(offset);
    tokens_.push_back({k, std::move(text), line, col});
  }

  std::pair<int, int> position(std::size_t offset) const {
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - 1;
    return {static_cast<int>(it - line_starts_.begin()) + 1, static_cast<int>(offset - *it) + 1};
  }

  [[noreturn]] void error(std::size_t offset, const std::string& msg) const {
    auto [line, col] = position(offset);
    throw TemplateError(msg, line, col);
  }

  std::string src_;
  LexOptions opt_;
  std::vector<std::size_t> line_starts_;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> lex(std::string_view source, const LexOptions& options) {
  std::string src;
  src.reserve(source.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      src += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      src += source[i];
    }
  }
  if (!src.empty() && src.back() == '\n') src.pop_back();  // keep_trailing_newline=False
  return Lexer(std::move(src), options).run();
}

}  // namespace vkllm::chat
