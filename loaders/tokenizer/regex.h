// A compiled PCRE2 pattern (UTF + Unicode properties, JIT when available):
// tokenizer regexes use \p{L}, \p{N}, inline flags and lookahead.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vkllm::tok {

class Regex {
 public:
  // `what` names the pattern's origin for errors ("tokenizer.json: pre_tokenizer.pattern").
  Regex(const std::string& pattern, std::string_view what);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Byte ranges [start, end) of the successive non-overlapping matches in s.
  std::vector<std::pair<std::size_t, std::size_t>> find_all(std::string_view s) const;

  // Escapes a literal string for use in a pattern.
  static std::string escape(std::string_view literal);

 private:
  void* code_ = nullptr;  // pcre2_code*
  bool jit_ = false;
};

}  // namespace vkllm::tok
