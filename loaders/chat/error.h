// Errors of chat templates. Syntax and runtime errors name the line and
// column; raise_exception() carries the template's own message unchanged.
#pragma once

#include <string>

#include "engine/base/error.h"

namespace vkllm::chat {

class TemplateError : public Error {
 public:
  TemplateError(const std::string& message, int line, int col)
      : Error("chat template: line " + std::to_string(line) + ", column " + std::to_string(col) +
              ": " + message),
        line_(line),
        col_(col) {}
  int line() const { return line_; }
  int col() const { return col_; }

 private:
  int line_, col_;
};

// What the template raised itself (raise_exception); what() is its message.
class RaisedError : public Error {
 public:
  explicit RaisedError(const std::string& message) : Error(message) {}
};

}  // namespace vkllm::chat
