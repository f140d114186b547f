// GPT-2's byte-to-unicode table: every byte maps to a printable code point, so
// byte-level BPE vocabularies hold only visible characters ("Ġ" is a space).
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace vkllm::tok {

// The UTF-8 encoding of the code point that stands for byte b.
const std::string& byte_to_unicode(unsigned char b);

// Maps each byte of s to its stand-in character.
std::string bytes_to_unicode(std::string_view s);

// Inverse: the byte a code point stands for, or -1 when it stands for none.
int unicode_to_byte(char32_t cp);

}  // namespace vkllm::tok
