// Jinja's text-shaping filters with Python's string rules: wordwrap (Python's
// textwrap.wrap on each line) and truncate. Lengths count code points, as
// Python's len() does. Arguments are checked by the caller (filters.cpp).
#pragma once

#include <cstddef>
#include <string>

namespace vkllm::chat {

struct WrapOptions {
  std::size_t width = 79;  // > 0
  bool break_long_words = true;
  bool break_on_hyphens = true;
  std::string wrapstring = "\n";
};

// Jinja 3's wordwrap: every line of s.splitlines() wrapped by textwrap.wrap
// (expand_tabs and replace_whitespace off), all joined by wrapstring.
std::string wordwrap(const std::string& s, const WrapOptions& options);

// Jinja 3's truncate: s when it has at most length + leeway code points; else
// its first length - len(end) code points (without the last partial word
// unless killwords) followed by end. Needs length >= len(end).
std::string truncate(const std::string& s, std::size_t length, bool killwords,
                     const std::string& end, std::size_t leeway);

// Code points in s (Python's len()).
std::size_t code_points(const std::string& s);

}  // namespace vkllm::chat
