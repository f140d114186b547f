#include "loaders/tokenizer/byte_level.h"

#include <unordered_map>

#include "loaders/tokenizer/utf8.h"

namespace vkllm::tok {
namespace {

struct Tables {
  std::array<std::string, 256> to_unicode;
  std::unordered_map<char32_t, int> to_byte;
  Tables() {
    // Printable Latin-1 bytes map to themselves; the rest to U+0100 onwards, in byte order.
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable =
          (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      const char32_t cp = printable ? static_cast<char32_t>(b) : next++;
      append_utf8(to_unicode[b], cp);
      to_byte[cp] = b;
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::string& byte_to_unicode(unsigned char b) {
  return tables().to_unicode[b];
}

std::string bytes_to_unicode(std::string_view s) {
  const auto& t = tables().to_unicode;
  std::string out;
  out.reserve(s.size() * 2);
  for (char c : s) out += t[static_cast<unsigned char>(c)];
  return out;
}

int unicode_to_byte(char32_t cp) {
  const auto& m = tables().to_byte;
  auto it = m.find(cp);
  return it == m.end() ? -1 : it->second;
}

}  // namespace vkllm::tok
