// Jinja lexer: splits a template into text and tag tokens, applying the
// whitespace control of transformers' environment (trim_blocks, lstrip_blocks,
// "-" and "+" modifiers, no trailing newline).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vkllm::chat {

enum class TokKind {
  kText,
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,
  kInt,
  kFloat,
  kOp,
  kEof,
};

struct Token {
  TokKind kind;
  std::string text;  // text, name, decoded string literal, number or operator
  int line = 0, col = 0;
};

struct LexOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

std::vector<Token> lex(std::string_view source, const LexOptions& options = {});

}  // namespace vkllm::chat
