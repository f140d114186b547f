#include "loaders/chat/builtins.h"

#include <algorithm>
#include <cmath>

#include "loaders/chat/error.h"
#include "loaders/chat/interpreter.h"
#include "loaders/tokenizer/utf8.h"

namespace vkllm::chat {
namespace {

using tok::to_u32;
using tok::to_utf8;

// Python's str.isspace() characters.
bool py_space(char32_t c) {
  return tok::is_whitespace(c) || (c >= 0x1C && c <= 0x1F);
}

std::string strip(const std::string& s, const Value& chars, bool left, bool right) {
  const std::u32string u = to_u32(s);
  const std::u32string set = chars.is_string() ? to_u32(chars.as_string()) : std::u32string();
  auto strip_char = [&](char32_t c) {
    return chars.is_string() ? set.find(c) != std::u32string::npos : py_space(c);
  };
  std::size_t b = 0, e = u.size();
  if (left)
    while (b < e && strip_char(u[b])) ++b;
  if (right)
    while (e > b && strip_char(u[e - 1])) --e;
  return to_utf8(u.substr(b, e - b));
}

std::string reversed(const std::string& s) {
  std::u32string u = to_u32(s);
  std::reverse(u.begin(), u.end());
  return to_utf8(u);
}

// Python's str.split (from_right: str.rsplit).
List split(const std::string& s, const Value& sep, std::int64_t maxsplit, bool from_right) {
  if (from_right && maxsplit >= 0) {
    // rsplit is split of the reversed string, read backwards.
    List parts = split(reversed(s), sep.is_string() ? Value(reversed(sep.as_string())) : sep,
                       maxsplit, false);
    std::reverse(parts.begin(), parts.end());
    for (auto& p : parts) p = Value(reversed(p.as_string()));
    return parts;
  }
  List out;
  if (sep.is_undefined() || sep.is_none()) {  // runs of whitespace, no empty parts
    const std::u32string u = to_u32(s);
    std::size_t i = 0;
    while (i < u.size()) {
      while (i < u.size() && py_space(u[i])) ++i;
      if (i >= u.size()) break;
      if (maxsplit >= 0 && static_cast<std::int64_t>(out.size()) == maxsplit) {
        out.push_back(Value(to_utf8(u.substr(i))));  // the remainder, as Python keeps it
        return out;
      }
      std::size_t j = i;
      while (j < u.size() && !py_space(u[j])) ++j;
      out.push_back(Value(to_utf8(u.substr(i, j - i))));
      i = j;
    }
    return out;
  }
  const std::string& d = sep.as_string();
  if (d.empty()) fail("chat template: split(): empty separator");
  std::size_t last = 0;
  for (std::size_t p = s.find(d); p != std::string::npos; p = s.find(d, last)) {
    if (maxsplit >= 0 && static_cast<std::int64_t>(out.size()) == maxsplit) break;
    out.push_back(Value(s.substr(last, p - last)));
    last = p + d.size();
  }
  out.push_back(Value(s.substr(last)));
  return out;
}

std::string replace_all(const std::string& s, const std::string& from, const std::string& to,
                        std::int64_t count) {
  if (from.empty()) return s;
  std::string out;
  std::size_t last = 0;
  std::int64_t n = 0;
  for (std::size_t p = s.find(from); p != std::string::npos && (count < 0 || n < count);
       p = s.find(from, last), ++n) {
    out.append(s, last, p - last);
    out += to;
    last = p + from.size();
  }
  out.append(s, last);
  return out;
}

// Python's str.title() (only_first: str.capitalize()): a cased letter after an
// uncased character starts a word.
std::string title_case(const std::string& s, bool only_first) {
  std::string out;
  bool prev_cased = false, first = true;
  for (char32_t c : to_u32(s)) {
    const bool start = only_first ? first : !prev_cased;
    tok::append_utf8(out, start ? (only_first ? tok::simple_upper(c) : tok::simple_title(c))
                                : tok::simple_lower(c));
    prev_cased = tok::letter_case(c) != 0;
    first = false;
  }
  return out;
}

// Python's str.is*() predicates (false on an empty string).
bool str_predicate(const std::string& name, const std::string& s) {
  const std::u32string u = to_u32(s);
  if (u.empty()) return false;
  auto all = [&](auto pred) { return std::all_of(u.begin(), u.end(), pred); };
  if (name == "isdigit") return all([](char32_t c) { return c >= '0' && c <= '9'; });
  if (name == "isspace") return all(py_space);
  if (name == "isalpha") return all(tok::is_letter);
  if (name == "isalnum")
    return all([](char32_t c) { return tok::is_letter(c) || tok::is_numeric(c); });
  bool cased = false, upper = false, lower = false, title_ok = true, prev_cased = false;
  for (char32_t c : u) {
    const char k = tok::letter_case(c);
    cased = cased || k;
    upper = upper || k == 'u' || k == 't';
    lower = lower || k == 'l';
    // istitle: upper/titlecase only after an uncased character, lowercase only after a cased one.
    if (((k == 'u' || k == 't') && prev_cased) || (k == 'l' && !prev_cased)) title_ok = false;
    prev_cased = k != 0;
  }
  if (name == "islower") return cased && !upper;
  if (name == "isupper") return cased && !lower;
  return cased && title_ok;  // istitle
}

bool starts_or_ends(const std::string& s, const Value& what, bool start) {
  List options = what.is_list() ? what.as_list() : List{what};
  for (const auto& o : options) {
    if (!o.is_string())
      fail("chat template: startswith/endswith expects strings, found {}", o.type_name());
    const std::string& p = o.as_string();
    if (p.size() <= s.size() &&
        (start ? s.compare(0, p.size(), p) == 0 : s.compare(s.size() - p.size(), p.size(), p) == 0))
      return true;
  }
  return false;
}

std::int64_t int_arg(const Value& v, std::int64_t dflt) {
  if (v.is_undefined() || v.is_none()) return dflt;
  if (!v.is_int()) fail("chat template: expected an integer argument, found {}", v.type_name());
  return v.as_int();
}

Value string_method(const std::string& s, const std::string& name) {
  auto fn = [&](auto f) { return Value::function("str." + name, f); };
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const bool l = name != "rstrip", r = name != "lstrip";
    return fn([s, l, r](CallArgs& a) { return Value(strip(s, a.get(0, "chars"), l, r)); });
  }
  if (name == "split" || name == "rsplit") {
    const bool from_right = name == "rsplit";
    return fn([s, from_right](CallArgs& a) {
      return Value(split(s, a.get(0, "sep"), int_arg(a.get(1, "maxsplit"), -1), from_right));
    });
  }
  if (name == "startswith" || name == "endswith") {
    const bool st = name == "startswith";
    return fn([s, st](CallArgs& a) { return Value(starts_or_ends(s, a.get(0, "prefix"), st)); });
  }
  if (name == "upper") return fn([s](CallArgs&) { return Value(tok::to_upper(s)); });
  if (name == "lower") return fn([s](CallArgs&) { return Value(tok::to_lower(s)); });
  if (name == "title") return fn([s](CallArgs&) { return Value(title_case(s, false)); });
  if (name == "capitalize") return fn([s](CallArgs&) { return Value(title_case(s, true)); });
  if (name == "replace")
    return fn([s](CallArgs& a) {
      return Value(replace_all(s, a.get(0, "old").str(), a.get(1, "new").str(),
                               int_arg(a.get(2, "count"), -1)));
    });
  if (name == "find" || name == "count" || name == "index")
    return fn([s, name](CallArgs& a) -> Value {
      const std::string sub = a.get(0, "sub").str();
      if (name == "count") {
        std::int64_t n = 0;
        for (std::size_t p = s.find(sub); p != std::string::npos && !sub.empty();
             p = s.find(sub, p + sub.size()))
          ++n;
        return Value(n);
      }
      const auto p = s.find(sub);
      if (p == std::string::npos && name == "index")
        fail("chat template: str.index(): substring not found");
      return Value(p == std::string::npos
                       ? std::int64_t{-1}
                       : static_cast<std::int64_t>(to_u32(s.substr(0, p)).size()));
    });
  if (name == "join")
    return fn([s](CallArgs& a) {
      std::string out;
      const List items = iterate(a.get(0, "iterable"), nullptr);
      for (std::size_t k = 0; k < items.size(); ++k) out += (k ? s : "") + items[k].str();
      return Value(std::move(out));
    });
  if (name == "splitlines")
    return fn([s](CallArgs&) {
      List out;
      std::size_t last = 0;
      for (std::size_t p = 0; p < s.size(); ++p)
        if (s[p] == '\n') out.push_back(Value(s.substr(last, p - last))), last = p + 1;
      if (last < s.size()) out.push_back(Value(s.substr(last)));
      return Value(std::move(out));
    });
  if (name == "isdigit" || name == "isalpha" || name == "isspace" || name == "isalnum" ||
      name == "islower" || name == "isupper" || name == "istitle")
    return fn([s, name](CallArgs&) { return Value(str_predicate(name, s)); });
  if (name == "format")
    return fn([s](CallArgs& a) {
      std::string out;
      std::size_t k = 0;
      for (std::size_t p = 0; p < s.size(); ++p) {
        if (s[p] == '{' && p + 1 < s.size() && s[p + 1] == '}') {
          out += k < a.positional.size() ? a.positional[k++].str() : "";
          ++p;
        } else {
          out += s[p];
        }
      }
      return Value(std::move(out));
    });
  return Value();
}

Value dict_method(const Value& d, const std::string& name) {
  auto fn = [&](auto f) { return Value::function("dict." + name, f); };
  if (name == "items")
    return fn([d](CallArgs&) {
      List out;
      for (const auto& [k, v] : d.as_dict().items) out.push_back(Value::tuple({Value(k), v}));
      return Value(std::move(out));
    });
  if (name == "keys")
    return fn([d](CallArgs&) {
      List out;
      for (const auto& kv : d.as_dict().items) out.push_back(Value(kv.first));
      return Value(std::move(out));
    });
  if (name == "values")
    return fn([d](CallArgs&) {
      List out;
      for (const auto& kv : d.as_dict().items) out.push_back(kv.second);
      return Value(std::move(out));
    });
  if (name == "get")
    return fn([d](CallArgs& a) {
      const Value key = a.get(0, "key");
      const Value* v = key.is_string() ? d.as_dict().find(key.as_string()) : nullptr;
      if (v) return *v;
      const Value dflt = a.get(1, "default");
      return dflt.is_undefined() ? Value::none() : dflt;
    });
  // Mutating methods exist but transformers' immutable sandbox refuses them.
  if (name == "pop" || name == "popitem" || name == "update" || name == "clear" ||
      name == "setdefault" || name == "copy" || name == "fromkeys")
    return fn([name](CallArgs&) -> Value {
      fail("chat template: dict.{}() is not allowed (templates cannot modify values)", name);
    });
  return Value();
}

}  // namespace

Value get_method(const Value& obj, const std::string& name) {
  if (obj.is_string()) return string_method(obj.as_string(), name);
  if (obj.is_dict()) return dict_method(obj, name);
  if (obj.is_list() && (name == "index" || name == "count"))
    return Value::function("list." + name, [obj, name](CallArgs& a) -> Value {
      const Value x = a.get(0, "value");
      const auto& l = obj.as_list();
      if (name == "count")
        return Value(static_cast<std::int64_t>(std::count(l.begin(), l.end(), x)));
      auto it = std::find(l.begin(), l.end(), x);
      if (it == l.end()) fail("chat template: list.index(): {} is not in list", x.repr());
      return Value(static_cast<std::int64_t>(it - l.begin()));
    });
  return Value();
}

List iterate(const Value& v, const Expr* at) {
  switch (v.kind()) {
    case Value::Kind::kList:
      return v.as_list();
    case Value::Kind::kDict: {
      List keys;
      for (const auto& kv : v.as_dict().items) keys.push_back(Value(kv.first));
      return keys;
    }
    case Value::Kind::kString: {
      List chars;
      for (char32_t c : to_u32(v.as_string()))
        chars.push_back(Value(to_utf8(std::u32string(1, c))));
      return chars;
    }
    case Value::Kind::kUndefined:
      return {};  // Jinja's Undefined iterates as empty
    default:
      runtime_error(at, "'" + std::string(v.type_name()) + "' object is not iterable");
  }
}

std::size_t length(const Value& v, const Expr* at) {
  if (v.is_undefined()) return 0;
  if (v.is_string()) return to_u32(v.as_string()).size();
  if (v.is_list()) return v.as_list().size();
  if (v.is_dict()) return v.as_dict().items.size();
  runtime_error(at, "object of type '" + std::string(v.type_name()) + "' has no len()");
}

bool contains(const Value& c, const Value& item, const Expr* at) {
  if (c.is_string()) {
    if (!item.is_string())
      runtime_error(at, "'in <string>' requires string as left operand, not " +
                            std::string(item.type_name()));
    return c.as_string().find(item.as_string()) != std::string::npos;
  }
  if (c.is_list())
    return std::find(c.as_list().begin(), c.as_list().end(), item) != c.as_list().end();
  if (c.is_dict()) return item.is_string() && c.as_dict().find(item.as_string()) != nullptr;
  if (c.is_undefined()) return false;  // iterates as empty
  runtime_error(at, "argument of type '" + std::string(c.type_name()) + "' is not iterable");
}

Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step,
            const Expr* at) {
  if (!obj.is_list() && !obj.is_string())
    runtime_error(at, "'" + std::string(obj.type_name()) + "' object is not subscriptable");
  const std::u32string u = obj.is_string() ? to_u32(obj.as_string()) : std::u32string();
  const auto n = static_cast<std::int64_t>(obj.is_string() ? u.size() : obj.as_list().size());
  const std::int64_t st = int_arg(step, 1);
  if (st == 0) runtime_error(at, "slice step cannot be zero");
  auto clamp = [&](const Value& v, std::int64_t dflt) {
    if (v.is_undefined() || v.is_none()) return dflt;
    std::int64_t i = int_arg(v, 0);
    if (i < 0) i += n;
    if (st > 0) return std::clamp<std::int64_t>(i, 0, n);
    return std::clamp<std::int64_t>(i, -1, n - 1);
  };
  const std::int64_t b = clamp(start, st > 0 ? 0 : n - 1), e = clamp(stop, st > 0 ? n : -1);
  List items;
  std::u32string chars;
  for (std::int64_t i = b; st > 0 ? i < e : i > e; i += st) {
    if (obj.is_string())
      chars.push_back(u[static_cast<std::size_t>(i)]);
    else
      items.push_back(obj.as_list()[static_cast<std::size_t>(i)]);
  }
  return obj.is_string() ? Value(to_utf8(chars)) : Value(std::move(items));
}

}  // namespace vkllm::chat
