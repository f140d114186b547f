// Jinja interpreter: renders a parsed template against variables, with the
// scoping rules of Jinja (loop bodies and macros get their own scope; use
// namespace() to carry values out of a loop).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "loaders/chat/ast.h"
#include "loaders/chat/value.h"

namespace vkllm::chat {

class Interpreter {
 public:
  explicit Interpreter(std::unordered_map<std::string, Value> globals);
  std::string render(const Body& body);

  // Used by builtins that take a filter or test by name (map, select ...).
  Value call_filter(const std::string& name, const Value& input, CallArgs& args, const Expr* at);
  bool call_test(const std::string& name, const Value& input, CallArgs& args, const Expr* at);

 private:
  enum class Flow { kNormal, kBreak, kContinue };
  using Frame = std::unordered_map<std::string, Value>;
  Flow exec(const Body& body, std::string& out);
  Flow exec(const Stmt& s, std::string& out);
  void exec_for(const Stmt& s, std::string& out);
  void exec_set(const Stmt& s);
  Value make_macro(const Stmt& s);
  Value make_caller(const Stmt& s);
  Frame bind_params(const Stmt& def, CallArgs& args);

  Value eval(const Expr& e);
  Value eval_binary(const Expr& e);
  Value eval_compare(const Expr& e);
  // `caller`, when defined, is passed as the keyword argument caller ({% call %}).
  Value eval_call(const Expr& e, const Value& caller = Value());
  Value get_attr(const Value& obj, const std::string& name, const Expr& at);
  Value get_item(const Value& obj, const Value& key, const Expr& at);
  CallArgs eval_args(const Expr& e, std::size_t first);

  Value lookup(const std::string& name) const;
  void assign(const std::string& name, Value v);

  std::vector<Frame> frames_;
};

[[noreturn]] void runtime_error(const Expr* at, const std::string& msg);

}  // namespace vkllm::chat
