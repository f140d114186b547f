// Jinja's built-in filters and tests (the ones chat templates use), plus
// transformers' tojson (json.dumps with ensure_ascii=False).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "loaders/chat/builtins.h"
#include "loaders/chat/error.h"
#include "loaders/chat/interpreter.h"
#include "loaders/chat/text_filters.h"
#include "loaders/tokenizer/utf8.h"

namespace vkllm::chat {
namespace {

// An attribute path "a.b" (or an index "0") of an item, for map/sort/selectattr.
Value attribute_of(const Value& item, const Value& attr, const Expr* at) {
  if (attr.is_int()) {
    if (item.is_list() && attr.as_int() >= 0 &&
        attr.as_int() < static_cast<std::int64_t>(item.as_list().size()))
      return item.as_list()[static_cast<std::size_t>(attr.as_int())];
    return Value();
  }
  Value cur = item;
  std::string path = attr.str();
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto dot = path.find('.', start);
    const std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (cur.is_dict()) {
      const Value* v = cur.as_dict().find(part);
      cur = v ? *v : Value::undefined(part);
    } else if (const Value* field = cur.field(part)) {
      cur = *field;
    } else if (cur.is_list() && !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit)) {
      const auto i = std::stoul(part);
      cur = i < cur.as_list().size() ? cur.as_list()[i] : Value();
    } else {
      Value m = get_method(cur, part);
      if (m.is_undefined() && cur.is_undefined())
        runtime_error(at, "'" + cur.as_string() + "' is undefined");
      cur = m;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

Value select_items(Interpreter& in, const Value& input, CallArgs& args, bool by_attr, bool keep,
                   const Expr* at) {
  List out;
  const std::size_t first = by_attr ? 1 : 0;
  const Value attr = by_attr ? args.get(0, "attribute") : Value();
  const Value test = args.positional.size() > first ? args.positional[first] : Value();
  CallArgs test_args;
  for (std::size_t k = first + 1; k < args.positional.size(); ++k)
    test_args.positional.push_back(args.positional[k]);
  for (const auto& item : iterate(input, at)) {
    const Value v = by_attr ? attribute_of(item, attr, at) : item;
    const bool pass = test.is_undefined() ? v.truthy() : in.call_test(test.str(), v, test_args, at);
    if (pass == keep) out.push_back(item);
  }
  return Value(std::move(out));
}

int compare_for_sort(const Value& a, const Value& b, bool case_sensitive) {
  if (!case_sensitive && a.is_string() && b.is_string()) {
    const std::string la = tok::to_lower(a.as_string()), lb = tok::to_lower(b.as_string());
    return la < lb ? -1 : lb < la ? 1 : 0;
  }
  return a.less(b) ? -1 : b.less(a) ? 1 : 0;
}

// An integer argument of a filter; `dflt` when absent or none.
std::int64_t int_param(const CallArgs& args, std::size_t index, const char* name, std::int64_t dflt,
                       const std::string& filter, const Expr* at) {
  const Value v = args.get(index, name);
  if (v.is_undefined() || v.is_none()) return dflt;
  if (!v.is_int())
    runtime_error(at, filter + ": " + name + " must be an integer, found " + v.type_name());
  return v.as_int();
}

// A string argument of a filter; `dflt` when absent or none.
std::string string_param(const CallArgs& args, std::size_t index, const char* name,
                         const std::string& dflt, const std::string& filter, const Expr* at) {
  const Value v = args.get(index, name);
  if (v.is_undefined() || v.is_none()) return dflt;
  if (!v.is_string())
    runtime_error(at, filter + ": " + name + " must be a string, found " + v.type_name());
  return v.as_string();
}

// Jinja's attribute getter with a default: the default replaces an undefined
// value after each part of a dotted path; a none attribute is the item itself.
Value group_key(const Value& item, const Value& attr, const Value& dflt, const Expr* at) {
  if (attr.is_none()) return item;
  const bool has_default = !dflt.is_undefined() && !dflt.is_none();
  if (attr.is_int() || !has_default) {
    const Value v = attribute_of(item, attr, at);
    return v.is_undefined() && has_default ? dflt : v;
  }
  Value cur = item;
  const std::string path = attr.str();
  for (std::size_t start = 0;;) {
    const auto dot = path.find('.', start);
    cur = attribute_of(cur, Value(path.substr(start, dot - start)), at);
    if (cur.is_undefined()) cur = dflt;
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

// Jinja's groupby: items sorted by an attribute (lower-cased strings unless
// case_sensitive), one (grouper, list) named tuple per run of equal keys; the
// grouper is the first item's value.
Value group_by(const Value& input, const CallArgs& args, const Expr* at) {
  const Value attr = args.get(0, "attribute");
  if (attr.is_undefined())
    runtime_error(at, "groupby: missing the attribute to group by, as in groupby('role')");
  const Value dflt = args.get(1, "default");
  const bool case_sensitive = args.get(2, "case_sensitive").truthy();
  const List items = iterate(input, at);
  std::vector<Value> keys, sort_keys;
  for (std::size_t k = 0; k < items.size(); ++k) {
    keys.push_back(group_key(items[k], attr, dflt, at));
    if (keys.back().is_undefined() && items.size() > 1)
      runtime_error(at, "groupby: item " + std::to_string(k) + " has no attribute " + attr.repr() +
                            " (give a default=...)");
    const Value& key = keys.back();
    sort_keys.push_back(case_sensitive || !key.is_string() ? key
                                                           : Value(tok::to_lower(key.as_string())));
  }
  std::vector<std::size_t> order(items.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  try {
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return sort_keys[a].less(sort_keys[b]); });
  } catch (const TemplateError&) {
    throw;
  } catch (const Error& e) {
    std::string why = e.what();
    if (why.rfind("chat template: ", 0) == 0) why.erase(0, 15);
    runtime_error(at, "groupby: cannot sort by " + attr.repr() + ": " + why);
  }
  List groups;
  for (std::size_t i = 0; i < order.size();) {
    List members;
    std::size_t j = i;
    for (; j < order.size() && sort_keys[order[j]] == sort_keys[order[i]]; ++j)
      members.push_back(items[order[j]]);
    groups.push_back(
        Value::named_tuple({{"grouper", keys[order[i]]}, {"list", Value(std::move(members))}}));
    i = j;
  }
  return Value(std::move(groups));
}

std::string indent_text(const std::string& s, const Value& width_v, bool first, bool blank) {
  const std::string pad = width_v.is_string()
                              ? width_v.as_string()
                              : std::string(width_v.is_int() ? width_v.as_int() : 4, ' ');
  std::string out;
  std::size_t start = 0;
  bool is_first = true;
  while (true) {
    const auto nl = s.find('\n', start);
    const std::string line =
        s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if ((!is_first || first) && (blank || !line.empty())) out += pad;
    out += line;
    if (nl == std::string::npos) break;
    out += '\n';
    start = nl + 1;
    is_first = false;
  }
  return out;
}

}  // namespace

Value apply_filter(Interpreter& in, const std::string& name, const Value& input, CallArgs& args,
                   const Expr* at) {
  if (name == "default" || name == "d") {
    const bool boolean = args.get(1, "boolean").truthy();
    if (input.is_undefined() || (boolean && !input.truthy())) {
      const Value d = args.get(0, "default_value");
      return d.is_undefined() ? Value("") : d;
    }
    return input;
  }
  // Like Jinja's Undefined: prints as "", iterates as empty, has length 0.
  if (input.is_undefined() &&
      (name == "tojson" || name == "items" || name == "dictsort" || name == "int" ||
       name == "float" || name == "abs" || name == "round" || name == "wordwrap"))
    runtime_error(at, "'" + input.as_string() + "' is undefined (filter '" + name + "')");
  if (name == "trim") return get_method(Value(input.str()), "strip").as_function()(args);
  if (name == "length" || name == "count")
    return Value(static_cast<std::int64_t>(length(input, at)));
  if (name == "tojson") {
    const Value indent = args.get(1, "indent");
    const Value indent_v =
        args.keyword.empty() && args.positional.size() == 1 ? args.positional[0] : indent;
    return Value(input.to_json(indent_v.is_int() ? static_cast<int>(indent_v.as_int()) : -1,
                               args.get(3, "sort_keys").truthy()));
  }
  if (name == "string") return Value(input.str());
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize") {
    CallArgs none;
    return get_method(Value(input.str()), name).as_function()(none);
  }
  if (name == "replace") {
    CallArgs a{{args.get(0, "old"), args.get(1, "new")}, {}};
    if (Value c = args.get(2, "count"); !c.is_undefined()) a.positional.push_back(c);
    return get_method(Value(input.str()), "replace").as_function()(a);
  }
  if (name == "first" || name == "last") {
    const List items = iterate(input, at);
    if (items.empty()) return Value::undefined(name);
    return name == "first" ? items.front() : items.back();
  }
  if (name == "join") {
    const Value sep = args.get(0, "d");
    const Value attr = args.get(1, "attribute");
    std::string out;
    const List items = iterate(input, at);
    for (std::size_t k = 0; k < items.size(); ++k)
      out += (k ? sep.str() : "") +
             (attr.is_undefined() ? items[k] : attribute_of(items[k], attr, at)).str();
    return Value(std::move(out));
  }
  if (name == "list") return Value(iterate(input, at));
  if (name == "int") {
    if (input.is_int()) return input;
    if (input.is_float()) return Value(static_cast<std::int64_t>(input.as_double()));
    if (input.is_bool()) return Value(std::int64_t{input.as_bool()});
    try {
      return Value(static_cast<std::int64_t>(std::stoll(input.str())));
    } catch (const std::exception&) {
      const Value d = args.get(0, "default");
      return d.is_undefined() ? Value(std::int64_t{0}) : d;
    }
  }
  if (name == "float") {
    if (input.is_number()) return Value(input.as_double());
    try {
      return Value(std::stod(input.str()));
    } catch (const std::exception&) {
      return Value(0.0);
    }
  }
  if (name == "abs") {
    if (input.is_int()) return Value(input.as_int() < 0 ? -input.as_int() : input.as_int());
    return Value(std::fabs(input.as_double()));
  }
  if (name == "round") {
    const std::int64_t prec =
        args.get(0, "precision").is_int() ? args.get(0, "precision").as_int() : 0;
    const double scale = std::pow(10.0, static_cast<double>(prec));
    return Value(std::nearbyint(input.as_double() * scale) / scale);
  }
  if (name == "items") {
    if (!input.is_dict())
      runtime_error(at, "items expects a dict, found " + std::string(input.type_name()));
    return get_method(input, "items").as_function()(args);
  }
  if (name == "dictsort") {
    if (!input.is_dict()) runtime_error(at, "dictsort expects a dict");
    auto items = input.as_dict().items;
    const bool by_value = args.get(1, "by").str() == "value";
    const bool reverse = args.get(2, "reverse").truthy();
    std::stable_sort(items.begin(), items.end(), [&](const auto& a, const auto& b) {
      const int c = by_value ? compare_for_sort(a.second, b.second, false)
                             : compare_for_sort(Value(a.first), Value(b.first), false);
      return reverse ? c > 0 : c < 0;
    });
    List out;
    for (auto& [k, v] : items) out.push_back(Value::tuple({Value(k), v}));
    return Value(std::move(out));
  }
  if (name == "map") {
    List out;
    const Value attr = args.get(99, "attribute");
    const Value dflt = args.get(99, "default");
    CallArgs fargs;
    for (std::size_t k = 1; k < args.positional.size(); ++k)
      fargs.positional.push_back(args.positional[k]);
    for (const auto& item : iterate(input, at)) {
      if (!attr.is_undefined()) {
        Value v = attribute_of(item, attr, at);
        out.push_back(v.is_undefined() && !dflt.is_undefined() ? dflt : v);
      } else if (!args.positional.empty()) {
        out.push_back(in.call_filter(args.positional[0].str(), item, fargs, at));
      } else {
        out.push_back(item);
      }
    }
    return Value(std::move(out));
  }
  if (name == "select" || name == "reject")
    return select_items(in, input, args, false, name == "select", at);
  if (name == "selectattr" || name == "rejectattr")
    return select_items(in, input, args, true, name == "selectattr", at);
  if (name == "unique") {
    List out;
    for (const auto& item : iterate(input, at))
      if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
    return Value(std::move(out));
  }
  if (name == "sort") {
    List items = iterate(input, at);
    const bool reverse = args.get(0, "reverse").truthy();
    const bool cs = args.get(1, "case_sensitive").truthy();
    const Value attr = args.get(2, "attribute");
    std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
      const Value& ka = attr.is_undefined() ? a : attribute_of(a, attr, at);
      const Value& kb = attr.is_undefined() ? b : attribute_of(b, attr, at);
      const int c = compare_for_sort(ka, kb, cs);
      return reverse ? c > 0 : c < 0;
    });
    return Value(std::move(items));
  }
  if (name == "reverse") {
    if (input.is_string()) return slice(input, Value(), Value(), Value(std::int64_t{-1}), at);
    List items = iterate(input, at);
    std::reverse(items.begin(), items.end());
    return Value(std::move(items));
  }
  if (name == "sum" || name == "min" || name == "max") {
    const List items = iterate(input, at);
    if (name == "sum") {
      Value acc =
          args.get(1, "start").is_undefined() ? Value(std::int64_t{0}) : args.get(1, "start");
      for (const auto& v : items)
        acc = acc.is_int() && v.is_int() ? Value(acc.as_int() + v.as_int())
                                         : Value(acc.as_double() + v.as_double());
      return acc;
    }
    if (items.empty()) return Value::undefined(name);
    Value best = items[0];
    for (const auto& v : items)
      if (name == "min" ? compare_for_sort(v, best, false) < 0
                        : compare_for_sort(v, best, false) > 0)
        best = v;
    return best;
  }
  if (name == "indent")
    return Value(indent_text(input.str(), args.get(0, "width"), args.get(1, "first").truthy(),
                             args.get(2, "blank").truthy()));
  if (name == "wordcount") {
    CallArgs none;
    return Value(static_cast<std::int64_t>(
        get_method(Value(input.str()), "split").as_function()(none).as_list().size()));
  }
  if (name == "safe") return input;
  if (name == "escape" || name == "e" || name == "forceescape") {
    std::string out;
    for (char c : input.str()) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&#34;";
          break;
        case '\'':
          out += "&#39;";
          break;
        default:
          out += c;
      }
    }
    return Value(std::move(out));
  }
  if (name == "format") {
    std::string f = input.str(), out;
    std::size_t k = 0;
    for (std::size_t p = 0; p < f.size(); ++p) {
      if (f[p] == '%' && p + 1 < f.size()) {
        const char c = f[++p];
        if (c == '%')
          out += '%';
        else if (k < args.positional.size())
          out += args.positional[k++].str();
        continue;
      }
      out += f[p];
    }
    return Value(std::move(out));
  }
  if (name == "attr") {  // attributes only (methods), never items
    Value m = get_method(input, args.get(0, "name").str());
    return m.is_undefined() ? Value::undefined(args.get(0, "name").str()) : m;
  }
  if (name == "batch") {
    const std::int64_t size =
        args.get(0, "linecount").is_int() ? args.get(0, "linecount").as_int() : 1;
    List out, cur;
    for (const auto& v : iterate(input, at)) {
      cur.push_back(v);
      if (static_cast<std::int64_t>(cur.size()) == size)
        out.push_back(Value(std::move(cur))), cur.clear();
    }
    if (!cur.empty()) out.push_back(Value(std::move(cur)));
    return Value(std::move(out));
  }
  if (name == "center") {
    const std::string s = input.str();
    const std::int64_t w = args.get(0, "width").is_int() ? args.get(0, "width").as_int() : 80;
    const std::int64_t pad =
        std::max<std::int64_t>(0, w - static_cast<std::int64_t>(length(Value(s), at)));
    return Value(std::string(pad / 2, ' ') + s + std::string(pad - pad / 2, ' '));
  }
  if (name == "truncate") {
    if (input.is_undefined()) return input;
    if (!input.is_string())
      runtime_error(at, "truncate: expected a string, found " + std::string(input.type_name()));
    const std::int64_t len = int_param(args, 0, "length", 255, name, at);
    const std::string end = string_param(args, 2, "end", "...", name, at);
    const std::int64_t leeway = int_param(args, 3, "leeway", 5, name, at);
    const auto end_len = static_cast<std::int64_t>(code_points(end));
    if (len < end_len)
      runtime_error(at, "truncate: expected length >= " + std::to_string(end_len) + ", got " +
                            std::to_string(len));
    if (leeway < 0)
      runtime_error(at, "truncate: expected leeway >= 0, got " + std::to_string(leeway));
    return Value(truncate(input.as_string(), static_cast<std::size_t>(len),
                          args.get(1, "killwords").truthy(), end,
                          static_cast<std::size_t>(leeway)));
  }
  if (name == "wordwrap") {
    if (!input.is_string())
      runtime_error(at, "wordwrap: expected a string, found " + std::string(input.type_name()));
    const std::int64_t width = int_param(args, 0, "width", 79, name, at);
    // Like textwrap, which refuses the width only when there is a line to wrap.
    if (width <= 0 && !input.as_string().empty())
      runtime_error(at, "wordwrap: invalid width " + std::to_string(width) + " (must be > 0)");
    WrapOptions o;
    o.width = static_cast<std::size_t>(std::max<std::int64_t>(width, 1));
    const Value long_words = args.get(1, "break_long_words");
    o.break_long_words = long_words.is_undefined() || long_words.truthy();
    o.wrapstring = string_param(args, 2, "wrapstring", "\n", name, at);
    const Value hyphens = args.get(3, "break_on_hyphens");
    o.break_on_hyphens = hyphens.is_undefined() || hyphens.truthy();
    return Value(wordwrap(input.as_string(), o));
  }
  if (name == "groupby") return group_by(input, args, at);
  runtime_error(at, "unknown filter '" + name + "'");
}

bool apply_test(Interpreter&, const std::string& name, const Value& v, CallArgs& args,
                const Expr* at) {
  const Value arg = args.get(0, "other");
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "string") return v.is_string();
  if (name == "number") return v.is_number() || v.is_bool();
  if (name == "integer") return v.is_int();
  if (name == "float") return v.is_float();
  if (name == "boolean") return v.is_bool();
  if (name == "true") return v.is_bool() && v.as_bool();
  if (name == "false") return v.is_bool() && !v.as_bool();
  if (name == "mapping") return v.is_dict();
  if (name == "iterable" || name == "sequence") return v.is_list() || v.is_dict() || v.is_string();
  if (name == "callable") return v.is_callable() || v.is_undefined();  // Undefined has __call__
  if (name == "odd" || name == "even") {
    if (!v.is_int()) runtime_error(at, "test '" + name + "' expects an integer");
    return (v.as_int() % 2 != 0) == (name == "odd");
  }
  if (name == "divisibleby") {
    if (!v.is_int() || !arg.is_int() || arg.as_int() == 0)
      runtime_error(at, "test 'divisibleby' expects integers");
    return v.as_int() % arg.as_int() == 0;
  }
  if (name == "eq" || name == "equalto" || name == "==" || name == "sameas") return v == arg;
  if (name == "ne" || name == "!=") return !(v == arg);
  if (name == "lt" || name == "lessthan" || name == "<") return v.less(arg);
  if (name == "gt" || name == "greaterthan" || name == ">") return arg.less(v);
  if (name == "le" || name == "<=") return !arg.less(v);
  if (name == "ge" || name == ">=") return !v.less(arg);
  if (name == "in") return contains(arg, v, at);
  if (name == "lower" || name == "upper") {  // Jinja: str(value).islower() / isupper()
    CallArgs none;
    return get_method(Value(v.str()), "is" + name).as_function()(none).truthy();
  }
  runtime_error(at, "unknown test '" + name + "'");
}

}  // namespace vkllm::chat
