// Jinja parser: template source to a syntax tree. Syntax errors name the line
// and column of the offending token.
#pragma once

#include <string_view>

#include "loaders/chat/ast.h"

namespace vkllm::chat {

Body parse_template(std::string_view source);

}  // namespace vkllm::chat
