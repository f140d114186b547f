// Syntax tree of a parsed Jinja template.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "loaders/chat/value.h"

namespace vkllm::chat {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    kLiteral,   // literal
    kName,      // name
    kList,      // args
    kTuple,     // args
    kDict,      // args: key, value, key, value ...
    kAttr,      // args[0].name
    kIndex,     // args[0][args[1]]
    kSlice,     // args[0][args[1]:args[2]:args[3]] (null parts allowed)
    kCall,      // args[0](args[1..], kwargs)
    kFilter,    // args[0] | name(args[1..], kwargs)
    kTest,      // args[0] is [not] name(args[1..])
    kUnary,     // name ("-", "+", "not") args[0]
    kBinary,    // args[0] name args[1]: + - * / // % ** ~ and or
    kCompare,   // args[0] ops[0] args[1] ops[1] args[2] ...
    kCondition  // args[0] if args[1] else args[2]
  };
  Kind kind;
  int line = 0, col = 0;
  Value literal;
  std::string name;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;
  bool negated = false;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
  enum class Kind {
    kText,      // text
    kOutput,    // {{ expr }}
    kIf,        // branches (+ else_body)
    kFor,       // for targets in expr [if loop_filter]: body [else: else_body]
    kSet,       // set targets = expr, or set target_obj.name = expr
    kSetBlock,  // set targets[0] %} body {% endset
    kMacro,     // macro name(params) body
    kBreak,
    kContinue,
    kFilterBlock,  // filter name(args) body
    kGeneration,   // generation body (transformers' assistant-mask marker)
    kCallBlock,    // call(params) expr: body is the caller() passed to the call expr
  };
  Kind kind;
  int line = 0, col = 0;
  std::string text;  // text, or the macro / filter name
  ExprPtr expr;
  std::vector<std::string> targets;
  ExprPtr target_obj;  // for `set ns.attr = ...`
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body body, else_body;
  ExprPtr loop_filter;
  std::vector<std::pair<std::string, ExprPtr>> params;  // macro / caller parameters, defaults
  std::vector<ExprPtr> filter_args;
};

}  // namespace vkllm::chat
