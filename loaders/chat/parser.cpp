#include "loaders/chat/parser.h"

#include "loaders/chat/expression_parser.h"

namespace vkllm::chat {
namespace {

// Statements ({% if %}, {% for %}, {% set %}, {% macro %} ...) over the expression parser.
class Parser : public detail::ExpressionParser {
 public:
  using ExpressionParser::ExpressionParser;

  Body parse_all() {
    Body body = parse_body({});
    if (peek().kind != TokKind::kEof) error(peek(), "unexpected tag");
    return body;
  }

 private:
  // ---- statements ----
  // Parses until a block whose first name is in `ends` (left unconsumed, after its "{%").
  Body parse_body(std::initializer_list<const char*> ends) {
    Body body;
    while (true) {
      const Token& t = peek();
      if (t.kind == TokKind::kEof) {
        if (ends.size() == 0) return body;
        std::string want;
        for (const char* e : ends) want += (want.empty() ? "'" : " or '") + std::string(e) + "'";
        error(t, "unexpected end of template: expected " + want);
      }
      if (t.kind == TokKind::kText) {
        auto s = stmt(Stmt::Kind::kText, t);
        s->text = next().text;
        body.push_back(std::move(s));
      } else if (t.kind == TokKind::kVarBegin) {
        next();
        auto s = stmt(Stmt::Kind::kOutput, t);
        s->expr = parse_expression();
        if (peek().kind != TokKind::kVarEnd) error(peek(), "expected '}}'");
        next();
        body.push_back(std::move(s));
      } else if (t.kind == TokKind::kBlockBegin) {
        for (const char* e : ends)
          if (is_name(e, 1)) {
            next();  // consume "{%"; the caller reads the name
            return body;
          }
        next();
        body.push_back(parse_statement());
      } else {
        error(t, "unexpected token");
      }
    }
  }

  StmtPtr stmt(Stmt::Kind k, const Token& at) {
    auto s = std::make_unique<Stmt>();
    s->kind = k;
    s->line = at.line;
    s->col = at.col;
    return s;
  }

  StmtPtr parse_statement() {
    const Token& t = peek();
    if (t.kind != TokKind::kName) error(t, "expected a tag name");
    const std::string name = next().text;
    if (name == "if") return parse_if(t);
    if (name == "for") return parse_for(t);
    if (name == "set") return parse_set(t);
    if (name == "macro") return parse_macro(t);
    if (name == "call") return parse_call_block(t);
    if (name == "break" || name == "continue") {
      auto s = stmt(name == "break" ? Stmt::Kind::kBreak : Stmt::Kind::kContinue, t);
      expect_block_end();
      return s;
    }
    if (name == "filter") {
      auto s = stmt(Stmt::Kind::kFilterBlock, t);
      s->text = expect_identifier();
      if (is_op("(")) parse_call_args(s->filter_args, s->params);
      expect_block_end();
      s->body = parse_body({"endfilter"});
      next();
      expect_block_end();
      return s;
    }
    if (name == "generation") {
      auto s = stmt(Stmt::Kind::kGeneration, t);
      expect_block_end();
      s->body = parse_body({"endgeneration"});
      next();
      expect_block_end();
      return s;
    }
    throw TemplateError("unknown tag '" + name + "'", t.line, t.col);
  }

  StmtPtr parse_if(const Token& at) {
    auto s = stmt(Stmt::Kind::kIf, at);
    ExprPtr cond = parse_expression();
    expect_block_end();
    while (true) {
      Body body = parse_body({"elif", "else", "endif"});
      s->branches.emplace_back(std::move(cond), std::move(body));
      const std::string kw = next().text;
      if (kw == "elif") {
        cond = parse_expression();
        expect_block_end();
        continue;
      }
      expect_block_end();
      if (kw == "else") {
        s->else_body = parse_body({"endif"});
        next();
        expect_block_end();
      }
      return s;
    }
  }

  StmtPtr parse_for(const Token& at) {
    auto s = stmt(Stmt::Kind::kFor, at);
    const bool paren = is_op("(");
    if (paren) next();
    s->targets.push_back(expect_identifier());
    while (is_op(",")) {
      next();
      s->targets.push_back(expect_identifier());
    }
    if (paren) expect_op(")");
    expect_name("in");
    s->expr = parse_tuple(/*with_condition=*/false);
    if (is_name("if")) {
      next();
      s->loop_filter = parse_expression();
    }
    if (is_name("recursive")) error(peek(), "recursive loops are not supported");
    expect_block_end();
    s->body = parse_body({"else", "endfor"});
    if (next().text == "else") {
      expect_block_end();
      s->else_body = parse_body({"endfor"});
      next();
    }
    expect_block_end();
    return s;
  }

  StmtPtr parse_set(const Token& at) {
    const Token& first = peek();
    std::string name = expect_identifier();
    if (is_op(".")) {
      next();
      auto s = stmt(Stmt::Kind::kSet, at);
      s->target_obj = make(Expr::Kind::kName, first);
      s->target_obj->name = name;
      s->text = expect_identifier();
      expect_op("=");
      s->expr = parse_tuple(true);
      expect_block_end();
      return s;
    }
    std::vector<std::string> targets{name};
    while (is_op(",")) {
      next();
      targets.push_back(expect_identifier());
    }
    if (peek().kind == TokKind::kBlockEnd && targets.size() == 1) {
      next();
      auto s = stmt(Stmt::Kind::kSetBlock, at);
      s->targets = std::move(targets);
      s->body = parse_body({"endset"});
      next();
      expect_block_end();
      return s;
    }
    auto s = stmt(Stmt::Kind::kSet, at);
    s->targets = std::move(targets);
    expect_op("=");
    s->expr = parse_tuple(true);
    expect_block_end();
    return s;
  }

  // (name, name=default, ...) of a macro or a call block.
  void parse_params(std::vector<std::pair<std::string, ExprPtr>>& params) {
    expect_op("(");
    while (!is_op(")")) {
      std::string p = expect_identifier();
      ExprPtr dflt;
      if (is_op("=")) {
        next();
        dflt = parse_expression();
      }
      params.emplace_back(std::move(p), std::move(dflt));
      if (!is_op(")")) expect_op(",");
    }
    next();
  }

  StmtPtr parse_macro(const Token& at) {
    auto s = stmt(Stmt::Kind::kMacro, at);
    s->text = expect_identifier();
    parse_params(s->params);
    expect_block_end();
    s->body = parse_body({"endmacro"});
    next();
    if (peek().kind == TokKind::kName) next();  // {% endmacro name %}
    expect_block_end();
    return s;
  }

  // {% call [(params)] m(args) %} body {% endcall %}: m gets the body as caller().
  StmtPtr parse_call_block(const Token& at) {
    auto s = stmt(Stmt::Kind::kCallBlock, at);
    if (is_op("(")) parse_params(s->params);
    const Token& call_at = peek();
    s->expr = parse_expression();
    if (s->expr->kind != Expr::Kind::kCall)
      throw TemplateError("expected a macro call after 'call', as in {% call m() %}", call_at.line,
                          call_at.col);
    expect_block_end();
    s->body = parse_body({"endcall"});
    next();
    expect_block_end();
    return s;
  }
};

}  // namespace

Body parse_template(std::string_view source) {
  return Parser(lex(source)).parse_all();
}

}  // namespace vkllm::chat
