// Expression half of the Jinja parser: tokens to expression trees, with
// Jinja's operator precedence. Included only by parser.cpp.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "loaders/chat/ast.h"
#include "loaders/chat/error.h"
#include "loaders/chat/lexer.h"

namespace vkllm::chat::detail {

class ExpressionParser {
 public:
  explicit ExpressionParser(std::vector<Token> toks) : t_(std::move(toks)) {}

 protected:
  // ---- token helpers ----
  const Token& peek(std::size_t ahead = 0) const { return t_[std::min(i_ + ahead, t_.size() - 1)]; }
  const Token& next() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }
  bool is_op(const char* op, std::size_t ahead = 0) const {
    return peek(ahead).kind == TokKind::kOp && peek(ahead).text == op;
  }
  bool is_name(const char* name, std::size_t ahead = 0) const {
    return peek(ahead).kind == TokKind::kName && peek(ahead).text == name;
  }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case TokKind::kEof:
        return "end of template";
      case TokKind::kText:
        return "text";
      case TokKind::kVarEnd:
        return "'}}'";
      case TokKind::kBlockEnd:
        return "'%}'";
      case TokKind::kString:
        return "string '" + t.text + "'";
      default:
        return "'" + t.text + "'";
    }
  }
  [[noreturn]] static void error(const Token& t, const std::string& msg) {
    throw TemplateError(msg + " (found " + describe(t) + ")", t.line, t.col);
  }
  void expect_op(const char* op) {
    if (!is_op(op)) error(peek(), std::string("expected '") + op + "'");
    next();
  }
  void expect_name(const char* name) {
    if (!is_name(name)) error(peek(), std::string("expected '") + name + "'");
    next();
  }
  std::string expect_identifier() {
    if (peek().kind != TokKind::kName) error(peek(), "expected a name");
    return next().text;
  }
  void expect_block_end() {
    if (peek().kind != TokKind::kBlockEnd) error(peek(), "expected '%}'");
    next();
  }

  ExprPtr make(Expr::Kind k, const Token& at) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->line = at.line;
    e->col = at.col;
    return e;
  }

  // ---- expressions (Jinja's precedence, lowest first) ----
  ExprPtr parse_tuple(bool with_condition) {
    const Token& at = peek();
    ExprPtr first = with_condition ? parse_expression() : parse_or();
    if (!is_op(",")) return first;
    auto t = make(Expr::Kind::kTuple, at);
    t->args.push_back(std::move(first));
    while (is_op(",")) {
      next();
      if (peek().kind == TokKind::kBlockEnd || peek().kind == TokKind::kVarEnd) break;
      t->args.push_back(with_condition ? parse_expression() : parse_or());
    }
    return t;
  }

  ExprPtr parse_expression() {
    ExprPtr e = parse_or();
    while (is_name("if")) {
      const Token& at = next();
      auto c = make(Expr::Kind::kCondition, at);
      c->args.push_back(std::move(e));
      c->args.push_back(parse_or());
      if (is_name("else")) {
        next();
        c->args.push_back(parse_expression());
      } else {
        c->args.push_back(nullptr);
      }
      e = std::move(c);
    }
    return e;
  }

  ExprPtr binary(const Token& at, std::string op, ExprPtr l, ExprPtr r) {
    auto b = make(Expr::Kind::kBinary, at);
    b->name = std::move(op);
    b->args.push_back(std::move(l));
    b->args.push_back(std::move(r));
    return b;
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    while (is_name("or")) {
      const Token& at = next();
      e = binary(at, "or", std::move(e), parse_and());
    }
    return e;
  }

  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    while (is_name("and")) {
      const Token& at = next();
      e = binary(at, "and", std::move(e), parse_not());
    }
    return e;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      const Token& at = next();
      auto u = make(Expr::Kind::kUnary, at);
      u->name = "not";
      u->args.push_back(parse_not());
      return u;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const Token& at = peek();
    ExprPtr e = parse_concat();
    ExprPtr cmp;
    while (true) {
      std::string op;
      if (peek().kind == TokKind::kOp &&
          (peek().text == "==" || peek().text == "!=" || peek().text == "<" || peek().text == ">" ||
           peek().text == "<=" || peek().text == ">=")) {
        op = next().text;
      } else if (is_name("in")) {
        next();
        op = "in";
      } else if (is_name("not") && is_name("in", 1)) {
        next();
        next();
        op = "not in";
      } else {
        break;
      }
      if (!cmp) {
        cmp = make(Expr::Kind::kCompare, at);
        cmp->args.push_back(std::move(e));
      }
      cmp->ops.push_back(op);
      cmp->args.push_back(parse_concat());
    }
    return cmp ? std::move(cmp) : std::move(e);
  }

  ExprPtr parse_concat() {
    ExprPtr e = parse_math1();
    while (is_op("~")) {
      const Token& at = next();
      e = binary(at, "~", std::move(e), parse_math1());
    }
    return e;
  }

  ExprPtr parse_math1() {
    ExprPtr e = parse_math2();
    while (is_op("+") || is_op("-")) {
      const Token& at = next();
      e = binary(at, at.text, std::move(e), parse_math2());
    }
    return e;
  }

  ExprPtr parse_math2() {
    ExprPtr e = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& at = next();
      e = binary(at, at.text, std::move(e), parse_pow());
    }
    return e;
  }

  ExprPtr parse_pow() {
    ExprPtr e = parse_unary();
    while (is_op("**")) {
      const Token& at = next();
      e = binary(at, "**", std::move(e), parse_unary());
    }
    return e;
  }

  // -x | f is (-x) | f in Jinja: filters apply to the whole unary expression.
  ExprPtr parse_unary(bool with_filters = true) {
    if (is_op("-") || is_op("+")) {
      const Token& at = next();
      auto u = make(Expr::Kind::kUnary, at);
      u->name = at.text;
      u->args.push_back(parse_unary(false));
      if (with_filters) return parse_filters(std::move(u));
      return u;
    }
    ExprPtr e = parse_postfix(parse_primary());
    if (with_filters) return parse_filters(std::move(e));
    return e;
  }

  ExprPtr parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case TokKind::kString: {
        std::string s = next().text;
        while (peek().kind == TokKind::kString) s += next().text;  // adjacent literals concatenate
        auto e = make(Expr::Kind::kLiteral, t);
        e->literal = Value(std::move(s));
        return e;
      }
      case TokKind::kInt: {
        auto e = make(Expr::Kind::kLiteral, t);
        e->literal = Value(static_cast<std::int64_t>(std::stoll(next().text)));
        return e;
      }
      case TokKind::kFloat: {
        auto e = make(Expr::Kind::kLiteral, t);
        e->literal = Value(std::stod(next().text));
        return e;
      }
      case TokKind::kName: {
        const std::string n = next().text;
        auto e = make(Expr::Kind::kLiteral, t);
        if (n == "true" || n == "True")
          e->literal = Value(true);
        else if (n == "false" || n == "False")
          e->literal = Value(false);
        else if (n == "none" || n == "None")
          e->literal = Value::none();
        else {
          e->kind = Expr::Kind::kName;
          e->name = n;
        }
        return e;
      }
      case TokKind::kOp:
        if (t.text == "(") {
          next();
          if (is_op(")")) {
            next();
            return make(Expr::Kind::kTuple, t);
          }
          ExprPtr e = parse_tuple(true);
          expect_op(")");
          return e;
        }
        if (t.text == "[") {
          next();
          auto l = make(Expr::Kind::kList, t);
          while (!is_op("]")) {
            l->args.push_back(parse_expression());
            if (!is_op("]")) expect_op(",");
          }
          next();
          return l;
        }
        if (t.text == "{") {
          next();
          auto d = make(Expr::Kind::kDict, t);
          while (!is_op("}")) {
            d->args.push_back(parse_expression());
            expect_op(":");
            d->args.push_back(parse_expression());
            if (!is_op("}")) expect_op(",");
          }
          next();
          return d;
        }
        break;
      default:
        break;
    }
    error(t, "expected an expression");
  }

  void parse_call_args(std::vector<ExprPtr>& args,
                       std::vector<std::pair<std::string, ExprPtr>>& kwargs) {
    expect_op("(");
    while (!is_op(")")) {
      if (peek().kind == TokKind::kName && is_op("=", 1)) {
        std::string k = next().text;
        next();
        kwargs.emplace_back(std::move(k), parse_expression());
      } else {
        if (!kwargs.empty()) error(peek(), "positional argument after keyword argument");
        args.push_back(parse_expression());
      }
      if (!is_op(")")) expect_op(",");
    }
    next();
  }

  ExprPtr parse_postfix(ExprPtr e) {
    while (true) {
      const Token& at = peek();
      if (is_op(".")) {
        next();
        auto a = make(Expr::Kind::kAttr, at);
        if (peek().kind == TokKind::kInt) {  // foo.0 is foo[0]
          a->kind = Expr::Kind::kIndex;
          a->args.push_back(std::move(e));
          auto idx = make(Expr::Kind::kLiteral, peek());
          idx->literal = Value(static_cast<std::int64_t>(std::stoll(next().text)));
          a->args.push_back(std::move(idx));
        } else {
          a->name = expect_identifier();
          a->args.push_back(std::move(e));
        }
        e = std::move(a);
      } else if (is_op("[")) {
        next();
        e = parse_subscript(std::move(e), at);
      } else if (is_op("(")) {
        auto c = make(Expr::Kind::kCall, at);
        c->args.push_back(std::move(e));
        std::vector<ExprPtr> args;
        parse_call_args(args, c->kwargs);
        for (auto& a : args) c->args.push_back(std::move(a));
        e = std::move(c);
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr obj, const Token& at) {
    ExprPtr parts[3];
    int n = 0;
    bool is_slice = false;
    while (true) {
      if (is_op(":")) {
        next();
        is_slice = true;
        if (++n > 2) error(peek(), "too many ':' in slice");
        continue;
      }
      if (is_op("]")) break;
      if (parts[n]) error(peek(), "expected ':' or ']'");
      parts[n] = parse_expression();
    }
    next();
    auto e = make(is_slice ? Expr::Kind::kSlice : Expr::Kind::kIndex, at);
    e->args.push_back(std::move(obj));
    if (!is_slice) {
      if (!parts[0]) error(peek(), "empty subscript");
      e->args.push_back(std::move(parts[0]));
    } else {
      for (auto& p : parts) e->args.push_back(std::move(p));
    }
    return e;
  }

  ExprPtr parse_filters(ExprPtr e) {
    while (true) {
      const Token& at = peek();
      if (is_op("|")) {
        next();
        auto f = make(Expr::Kind::kFilter, at);
        f->name = expect_identifier();
        while (is_op(".")) {  // dotted filter names
          next();
          f->name += "." + expect_identifier();
        }
        f->args.push_back(std::move(e));
        if (is_op("(")) {
          std::vector<ExprPtr> args;
          parse_call_args(args, f->kwargs);
          for (auto& a : args) f->args.push_back(std::move(a));
        }
        e = std::move(f);
      } else if (is_name("is")) {
        next();
        auto t = make(Expr::Kind::kTest, at);
        if (is_name("not")) {
          next();
          t->negated = true;
        }
        // "none", "true", "false" are test names here, not literals.
        t->name = expect_identifier();
        t->args.push_back(std::move(e));
        if (is_op("(")) {
          std::vector<ExprPtr> args;
          parse_call_args(args, t->kwargs);
          for (auto& a : args) t->args.push_back(std::move(a));
        } else if (peek().kind == TokKind::kString || peek().kind == TokKind::kInt ||
                   peek().kind == TokKind::kFloat ||
                   (peek().kind == TokKind::kName && !is_name("and") && !is_name("or") &&
                    !is_name("else") && !is_name("if") && !is_name("in") && !is_name("not") &&
                    !is_name("is"))) {
          t->args.push_back(parse_postfix(parse_primary()));
        }
        e = std::move(t);
      } else {
        return e;
      }
    }
  }

  std::vector<Token> t_;
  std::size_t i_ = 0;
};

}  // namespace vkllm::chat::detail
