// Built-in filters, tests and methods of str / dict / list that chat
// templates use, with the behaviour of Jinja and Python.
#pragma once

#include <string>

#include "loaders/chat/ast.h"
#include "loaders/chat/value.h"

namespace vkllm::chat {

class Interpreter;

// Throws a TemplateError at `at` for an unknown filter or test.
Value apply_filter(Interpreter& in, const std::string& name, const Value& input, CallArgs& args,
                   const Expr* at);
bool apply_test(Interpreter& in, const std::string& name, const Value& input, CallArgs& args,
                const Expr* at);
// A bound method (e.g. "abc".upper), or undefined when the type has none of that name.
Value get_method(const Value& obj, const std::string& name);

// Python's `x in container`.
bool contains(const Value& container, const Value& item, const Expr* at);
// Python's obj[start:stop:step] for str and list.
Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step,
            const Expr* at);
// Iterating: lists, dict keys, string characters.
List iterate(const Value& v, const Expr* at);
std::size_t length(const Value& v, const Expr* at);

}  // namespace vkllm::chat
