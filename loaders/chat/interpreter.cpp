#include "loaders/chat/interpreter.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include "loaders/chat/builtins.h"
#include "loaders/chat/error.h"

namespace vkllm::chat {

void runtime_error(const Expr* at, const std::string& msg) {
  throw TemplateError(msg, at ? at->line : 0, at ? at->col : 0);
}

Interpreter::Interpreter(std::unordered_map<std::string, Value> globals) {
  frames_.push_back(std::move(globals));
}

std::string Interpreter::render(const Body& body) {
  std::string out;
  exec(body, out);
  return out;
}

Value Interpreter::lookup(const std::string& name) const {
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it)
    if (auto f = it->find(name); f != it->end()) return f->second;
  return Value::undefined(name);
}

void Interpreter::assign(const std::string& name, Value v) {
  frames_.back()[name] = std::move(v);
}

Interpreter::Flow Interpreter::exec(const Body& body, std::string& out) {
  for (const auto& s : body) {
    const Flow f = exec(*s, out);
    if (f != Flow::kNormal) return f;
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::exec(const Stmt& s, std::string& out) {
  switch (s.kind) {
    case Stmt::Kind::kText:
      out += s.text;
      break;
    case Stmt::Kind::kOutput:
      out += eval(*s.expr).str();
      break;
    case Stmt::Kind::kIf:
      for (const auto& [cond, body] : s.branches)
        if (eval(*cond).truthy()) return exec(body, out);
      return exec(s.else_body, out);
    case Stmt::Kind::kFor:
      exec_for(s, out);
      break;
    case Stmt::Kind::kSet:
      exec_set(s);
      break;
    case Stmt::Kind::kSetBlock: {
      std::string captured;
      exec(s.body, captured);
      assign(s.targets[0], Value(std::move(captured)));
      break;
    }
    case Stmt::Kind::kMacro:
      assign(s.text, make_macro(s));
      break;
    case Stmt::Kind::kCallBlock:
      out += eval_call(*s.expr, make_caller(s)).str();
      break;
    case Stmt::Kind::kBreak:
      return Flow::kBreak;
    case Stmt::Kind::kContinue:
      return Flow::kContinue;
    case Stmt::Kind::kFilterBlock: {
      std::string captured;
      const Flow f = exec(s.body, captured);
      CallArgs args;
      for (const auto& a : s.filter_args) args.positional.push_back(eval(*a));
      for (const auto& [k, v] : s.params) args.keyword.emplace_back(k, eval(*v));
      out += call_filter(s.text, Value(std::move(captured)), args, s.expr.get()).str();
      return f;
    }
    case Stmt::Kind::kGeneration:
      return exec(s.body, out);
  }
  return Flow::kNormal;
}

void Interpreter::exec_for(const Stmt& s, std::string& out) {
  List items = iterate(eval(*s.expr), s.expr.get());
  auto bind = [&](const Value& item) {
    if (s.targets.size() == 1) {
      assign(s.targets[0], item);
      return;
    }
    List parts = iterate(item, s.expr.get());
    if (parts.size() != s.targets.size())
      runtime_error(s.expr.get(), "cannot unpack " + std::to_string(parts.size()) +
                                      " values into " + std::to_string(s.targets.size()) +
                                      " loop variables");
    for (std::size_t k = 0; k < parts.size(); ++k) assign(s.targets[k], parts[k]);
  };
  if (s.loop_filter) {
    List kept;
    for (const auto& item : items) {
      frames_.emplace_back();
      bind(item);
      const bool keep = eval(*s.loop_filter).truthy();
      frames_.pop_back();
      if (keep) kept.push_back(item);
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    exec(s.else_body, out);
    return;
  }
  const auto n = static_cast<std::int64_t>(items.size());
  for (std::int64_t i = 0; i < n; ++i) {
    frames_.emplace_back();
    Dict loop;
    loop.set("index0", Value(i));
    loop.set("index", Value(i + 1));
    loop.set("revindex0", Value(n - i - 1));
    loop.set("revindex", Value(n - i));
    loop.set("first", Value(i == 0));
    loop.set("last", Value(i == n - 1));
    loop.set("length", Value(n));
    loop.set("previtem", i > 0 ? items[i - 1] : Value::undefined("loop.previtem"));
    loop.set("nextitem", i + 1 < n ? items[i + 1] : Value::undefined("loop.nextitem"));
    loop.set("cycle", Value::function("loop.cycle", [i](CallArgs& a) -> Value {
               if (a.positional.empty()) return Value::none();
               return a.positional[static_cast<std::size_t>(i) % a.positional.size()];
             }));
    assign("loop", Value(std::move(loop)));
    bind(items[i]);
    const Flow f = exec(s.body, out);
    frames_.pop_back();
    if (f == Flow::kBreak) break;
  }
}

void Interpreter::exec_set(const Stmt& s) {
  Value v = eval(*s.expr);
  if (s.target_obj) {
    Value obj = lookup(s.target_obj->name);
    if (!obj.is_dict() || !obj.as_dict().is_namespace)
      runtime_error(s.target_obj.get(), "cannot assign attribute '" + s.text + "' of '" +
                                            s.target_obj->name + "': it is not a namespace()");
    obj.mutable_dict().set(s.text, std::move(v));
    return;
  }
  if (s.targets.size() == 1) {
    assign(s.targets[0], std::move(v));
    return;
  }
  List parts = iterate(v, s.expr.get());
  if (parts.size() != s.targets.size())
    runtime_error(s.expr.get(), "cannot unpack " + std::to_string(parts.size()) + " values into " +
                                    std::to_string(s.targets.size()) + " names");
  for (std::size_t k = 0; k < parts.size(); ++k) assign(s.targets[k], parts[k]);
}

Interpreter::Frame Interpreter::bind_params(const Stmt& def, CallArgs& args) {
  Frame frame;
  for (std::size_t k = 0; k < def.params.size(); ++k) {
    const auto& [name, dflt] = def.params[k];
    Value v = args.get(k, name);
    if (v.is_undefined() && dflt) v = eval(*dflt);
    frame[name] = v;
  }
  return frame;
}

Value Interpreter::make_macro(const Stmt& s) {
  const Stmt* def = &s;
  return Value::function(s.text, [this, def](CallArgs& args) -> Value {
    Frame frame = bind_params(*def, args);
    // Only a {% call %} block passes caller; otherwise it is undefined, not an outer macro's.
    if (!frame.contains("caller")) {
      const Value caller = args.get(SIZE_MAX, "caller");
      frame["caller"] = caller.is_undefined() ? Value::undefined("caller") : caller;
    }
    frames_.push_back(std::move(frame));
    std::string out;
    exec(def->body, out);
    frames_.pop_back();
    return Value(std::move(out));
  });
}

Value Interpreter::make_caller(const Stmt& s) {
  const Stmt* def = &s;
  // Like Jinja, the body sees the variables of the call site, not the macro's.
  auto scope = std::make_shared<const std::vector<Frame>>(frames_);
  return Value::function("caller", [this, def, scope](CallArgs& args) -> Value {
    if (args.positional.size() > def->params.size())
      fail("caller() takes {} argument(s), {} given", def->params.size(), args.positional.size());
    std::vector<Frame> macro_frames = std::exchange(frames_, *scope);
    frames_.push_back(bind_params(*def, args));
    std::string out;
    exec(def->body, out);
    frames_ = std::move(macro_frames);
    return Value(std::move(out));
  });
}

CallArgs Interpreter::eval_args(const Expr& e, std::size_t first) {
  CallArgs a;
  for (std::size_t k = first; k < e.args.size(); ++k) a.positional.push_back(eval(*e.args[k]));
  for (const auto& [name, v] : e.kwargs) a.keyword.emplace_back(name, eval(*v));
  return a;
}

Value Interpreter::call_filter(const std::string& name, const Value& input, CallArgs& args,
                               const Expr* at) {
  return apply_filter(*this, name, input, args, at);
}

bool Interpreter::call_test(const std::string& name, const Value& input, CallArgs& args,
                            const Expr* at) {
  return apply_test(*this, name, input, args, at);
}

Value Interpreter::get_attr(const Value& obj, const std::string& name, const Expr& at) {
  if (obj.is_undefined())
    runtime_error(&at, "'" + obj.as_string() + "' is undefined (reading attribute '" + name + "')");
  if (obj.is_dict()) {
    // Jinja's getattr tries Python attributes first: d.items is the method, not d["items"].
    if (!obj.as_dict().is_namespace)
      if (Value m = get_method(obj, name); !m.is_undefined()) return m;
    if (const Value* v = obj.as_dict().find(name)) return *v;
    return Value::undefined(name);
  }
  if (const Value* field = obj.field(name)) return *field;  // groupby's grouper and list
  if (Value m = get_method(obj, name); !m.is_undefined()) return m;
  return Value::undefined(name);
}

Value Interpreter::get_item(const Value& obj, const Value& key, const Expr& at) {
  if (obj.is_undefined())
    runtime_error(&at, "'" + obj.as_string() + "' is undefined (reading item " + key.repr() + ")");
  if (obj.is_dict()) {
    if (key.is_string()) {
      if (const Value* v = obj.as_dict().find(key.as_string())) return *v;
      if (Value m = get_method(obj, key.as_string()); !m.is_undefined()) return m;
      return Value::undefined(key.as_string());
    }
    return Value::undefined(key.repr());
  }
  if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    const auto n = static_cast<std::int64_t>(length(obj, &at));
    std::int64_t i = key.is_bool() ? key.as_bool() : key.as_int();
    if (i < 0) i += n;
    if (i < 0 || i >= n) return Value::undefined(obj.type_name() + std::string(" index"));
    if (obj.is_list()) return obj.as_list()[static_cast<std::size_t>(i)];
    return slice(obj, Value(i), Value(i + 1), Value(), &at);
  }
  if (key.is_string()) return get_attr(obj, key.as_string(), at);
  return Value::undefined(key.repr());
}

Value Interpreter::eval(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kLiteral:
      return e.literal;
    case Expr::Kind::kName:
      return lookup(e.name);
    case Expr::Kind::kList:
    case Expr::Kind::kTuple: {
      List l;
      for (const auto& a : e.args) l.push_back(eval(*a));
      return e.kind == Expr::Kind::kTuple ? Value::tuple(std::move(l)) : Value(std::move(l));
    }
    case Expr::Kind::kDict: {
      Dict d;
      for (std::size_t k = 0; k + 1 < e.args.size(); k += 2) {
        Value key = eval(*e.args[k]);
        if (!key.is_string()) runtime_error(&e, "dict keys must be strings, found " + key.repr());
        d.set(key.as_string(), eval(*e.args[k + 1]));
      }
      return Value(std::move(d));
    }
    case Expr::Kind::kAttr:
      return get_attr(eval(*e.args[0]), e.name, e);
    case Expr::Kind::kIndex:
      return get_item(eval(*e.args[0]), eval(*e.args[1]), e);
    case Expr::Kind::kSlice: {
      auto part = [&](int k) { return e.args[k] ? eval(*e.args[k]) : Value(); };
      return slice(eval(*e.args[0]), part(1), part(2), part(3), &e);
    }
    case Expr::Kind::kCall:
      return eval_call(e);
    case Expr::Kind::kFilter: {
      // `default` must see undefined values without failing on them.
      Value input = eval(*e.args[0]);
      CallArgs args = eval_args(e, 1);
      return call_filter(e.name, input, args, &e);
    }
    case Expr::Kind::kTest: {
      Value input = eval(*e.args[0]);
      CallArgs args = eval_args(e, 1);
      return Value(call_test(e.name, input, args, &e) != e.negated);
    }
    case Expr::Kind::kUnary: {
      Value v = eval(*e.args[0]);
      if (e.name == "not") return Value(!v.truthy());
      if (!v.is_number() && !v.is_bool())
        runtime_error(&e, "bad operand type for unary " + e.name + ": '" + v.type_name() + "'");
      if (e.name == "+") return v;
      if (v.is_float()) return Value(-v.as_double());
      return Value(-(v.is_bool() ? std::int64_t{v.as_bool()} : v.as_int()));
    }
    case Expr::Kind::kBinary:
      return eval_binary(e);
    case Expr::Kind::kCompare:
      return eval_compare(e);
    case Expr::Kind::kCondition:
      if (eval(*e.args[1]).truthy()) return eval(*e.args[0]);
      return e.args[2] ? eval(*e.args[2]) : Value::undefined("if-expression");
  }
  return Value();
}

Value Interpreter::eval_call(const Expr& e, const Value& caller) {
  Value fn = eval(*e.args[0]);
  if (!fn.is_callable()) {
    const std::string what = e.args[0]->kind == Expr::Kind::kName   ? e.args[0]->name
                             : e.args[0]->kind == Expr::Kind::kAttr ? e.args[0]->name
                                                                    : fn.repr();
    std::string msg = fn.is_undefined() ? what + "' is undefined"
                                        : std::string(fn.type_name()) + "' object is not callable";
    runtime_error(&e, msg.insert(0, 1, '\''));
  }
  CallArgs args = eval_args(e, 1);
  if (!caller.is_undefined()) args.keyword.emplace_back("caller", caller);
  try {
    return fn.as_function()(args);
  } catch (const TemplateError&) {
    throw;
  } catch (const RaisedError&) {
    throw;
  } catch (const Error& err) {
    runtime_error(&e, err.what());
  }
}

static Value arith(const Expr& e, const Value& a, const Value& b) {
  const std::string& op = e.name;
  auto num = [](const Value& v) { return v.is_bool() ? double(v.as_bool()) : v.as_double(); };
  const bool an = a.is_number() || a.is_bool(), bn = b.is_number() || b.is_bool();
  if (op == "+") {
    if (a.is_string() && b.is_string()) return Value(a.as_string() + b.as_string());
    if (a.is_list() && b.is_list()) {
      List l = a.as_list();
      l.insert(l.end(), b.as_list().begin(), b.as_list().end());
      return Value(std::move(l));
    }
  } else if (op == "*") {
    if ((a.is_string() || a.is_list()) && b.is_int()) {
      if (a.is_string()) {
        std::string s;
        for (std::int64_t k = 0; k < b.as_int(); ++k) s += a.as_string();
        return Value(std::move(s));
      }
      List l;
      for (std::int64_t k = 0; k < b.as_int(); ++k)
        l.insert(l.end(), a.as_list().begin(), a.as_list().end());
      return Value(std::move(l));
    }
  } else if (op == "%" && a.is_string()) {
    // printf-style formatting: %s and %d with one value or a list of values.
    List vals = b.is_list() ? b.as_list() : List{b};
    std::string out;
    std::size_t k = 0;
    const std::string& f = a.as_string();
    for (std::size_t p = 0; p < f.size(); ++p) {
      if (f[p] != '%' || p + 1 >= f.size()) {
        out += f[p];
        continue;
      }
      const char c = f[++p];
      if (c == '%') {
        out += '%';
      } else if (k < vals.size()) {
        const Value& v = vals[k++];
        out += (c == 'd' || c == 'i') && v.is_float() ? std::to_string(std::int64_t(v.as_double()))
                                                      : v.str();
      } else {
        runtime_error(&e, "not enough arguments for format string");
      }
    }
    return Value(std::move(out));
  }
  if (!an || !bn)
    runtime_error(&e, "unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" +
                          b.type_name() + "'");
  const bool ints = !a.is_float() && !b.is_float();
  const std::int64_t ai = a.is_bool() ? a.as_bool() : a.as_int();
  const std::int64_t bi = b.is_bool() ? b.as_bool() : b.as_int();
  if (op == "+") return ints ? Value(ai + bi) : Value(num(a) + num(b));
  if (op == "-") return ints ? Value(ai - bi) : Value(num(a) - num(b));
  if (op == "*") return ints ? Value(ai * bi) : Value(num(a) * num(b));
  if (op == "/") {
    if (num(b) == 0) runtime_error(&e, "division by zero");
    return Value(num(a) / num(b));
  }
  if (op == "//" || op == "%") {
    if (num(b) == 0) runtime_error(&e, "integer division or modulo by zero");
    if (ints) {
      std::int64_t q = ai / bi, r = ai % bi;
      if (r != 0 && ((r < 0) != (bi < 0))) --q, r += bi;  // Python floors
      return op == "//" ? Value(q) : Value(r);
    }
    const double q = std::floor(num(a) / num(b));
    return op == "//" ? Value(q) : Value(num(a) - q * num(b));
  }
  if (op == "**") {
    if (ints && bi >= 0) {
      std::int64_t r = 1;
      for (std::int64_t k = 0; k < bi; ++k) r *= ai;
      return Value(r);
    }
    return Value(std::pow(num(a), num(b)));
  }
  runtime_error(&e, "unknown operator " + op);
}

Value Interpreter::eval_binary(const Expr& e) {
  if (e.name == "and") {
    Value a = eval(*e.args[0]);
    return a.truthy() ? eval(*e.args[1]) : a;
  }
  if (e.name == "or") {
    Value a = eval(*e.args[0]);
    return a.truthy() ? a : eval(*e.args[1]);
  }
  Value a = eval(*e.args[0]);
  Value b = eval(*e.args[1]);
  if (e.name == "~") return Value(a.str() + b.str());
  if (a.is_undefined() || b.is_undefined())
    runtime_error(&e, "'" + (a.is_undefined() ? a : b).as_string() + "' is undefined");
  return arith(e, a, b);
}

Value Interpreter::eval_compare(const Expr& e) {
  Value left = eval(*e.args[0]);
  for (std::size_t k = 0; k < e.ops.size(); ++k) {
    Value right = eval(*e.args[k + 1]);
    const std::string& op = e.ops[k];
    bool r = false;
    if (op == "==")
      r = left == right;
    else if (op == "!=")
      r = !(left == right);
    else if (op == "<")
      r = left.less(right);
    else if (op == ">")
      r = right.less(left);
    else if (op == "<=")
      r = !right.less(left);
    else if (op == ">=")
      r = !left.less(right);
    else if (op == "in")
      r = contains(right, left, &e);
    else if (op == "not in")
      r = !contains(right, left, &e);
    if (!r) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

}  // namespace vkllm::chat
