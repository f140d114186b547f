// UTF-8 and Unicode helpers shared by the tokenizer pipeline and the decoders.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vkllm::tok {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Decodes the code point at s[i] and advances i past it. An invalid or
// truncated sequence yields U+FFFD and advances by one byte.
char32_t next_codepoint(std::string_view s, std::size_t& i);

void append_utf8(std::string& out, char32_t cp);

// Whole strings to and from code points (invalid bytes become U+FFFD).
std::u32string to_u32(std::string_view s);
std::string to_utf8(std::u32string_view s);

// Byte length of the sequence a lead byte starts (1 for continuation/invalid bytes).
std::size_t utf8_sequence_length(unsigned char lead);

bool is_valid_utf8(std::string_view s);

// Like Rust's String::from_utf8_lossy: each maximal invalid subpart becomes U+FFFD.
std::string from_utf8_lossy(std::string_view bytes);

// Length of the longest prefix that does not end inside an incomplete sequence.
std::size_t complete_utf8_prefix(std::string_view s);

// Unicode White_Space (Rust's char::is_whitespace).
bool is_whitespace(char32_t c);
// Unicode simple case mappings (one code point to one), as Python's str.lower()
// and str.upper() apart from the few characters those expand.
char32_t simple_lower(char32_t c);
char32_t simple_upper(char32_t c);
char32_t simple_title(char32_t c);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
// 'u' (Lu), 'l' (Ll), 't' (Lt), or 0 for a character without case.
char letter_case(char32_t c);
bool is_letter(char32_t c);   // \p{L}
bool is_numeric(char32_t c);  // \p{N}

// A word character for single_word added tokens (Rust regex's \w).
bool is_word_char(char32_t c);

}  // namespace vkllm::tok
