#include "loaders/chat/value.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/base/error.h"

namespace vkllm::chat {

const Value* Dict::find(const std::string& key) const {
  for (const auto& [k, v] : items)
    if (k == key) return &v;
  return nullptr;
}

void Dict::set(const std::string& key, Value v) {
  for (auto& [k, old] : items)
    if (k == key) {
      old = std::move(v);
      return;
    }
  items.emplace_back(key, std::move(v));
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}
Value::Value(bool b) : kind_(Kind::kBool), b_(b) {}
Value::Value(std::int64_t v) : kind_(Kind::kInt), i_(v) {}
Value::Value(double v) : kind_(Kind::kFloat), f_(v) {}
Value::Value(std::string s) : kind_(Kind::kString), s_(std::move(s)) {}
Value::Value(List l) : kind_(Kind::kList), list_(std::make_shared<List>(std::move(l))) {}
Value Value::tuple(List l) {
  Value v(std::move(l));
  v.b_ = true;
  return v;
}
Value Value::named_tuple(std::vector<std::pair<std::string, Value>> fields) {
  List items;
  std::vector<std::string> names;
  for (auto& [name, item] : fields) {
    names.push_back(std::move(name));
    items.push_back(std::move(item));
  }
  Value v = tuple(std::move(items));
  v.field_names_ = std::make_shared<const std::vector<std::string>>(std::move(names));
  return v;
}

const Value* Value::field(const std::string& name) const {
  if (!field_names_) return nullptr;
  for (std::size_t k = 0; k < field_names_->size(); ++k)
    if ((*field_names_)[k] == name) return &(*list_)[k];
  return nullptr;
}

Value::Value(Dict d) : kind_(Kind::kDict), dict_(std::make_shared<Dict>(std::move(d))) {}

Value Value::function(std::string name, NativeFn fn) {
  Value v;
  v.kind_ = Kind::kCallable;
  v.s_ = std::move(name);
  v.fn_ = std::make_shared<NativeFn>(std::move(fn));
  return v;
}

Value Value::undefined(std::string name) {
  Value v;
  v.s_ = std::move(name);
  return v;
}

Value Value::from_json(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null:
      return none();
    case nlohmann::ordered_json::value_t::boolean:
      return Value(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
    case nlohmann::ordered_json::value_t::number_unsigned:
      return Value(j.get<std::int64_t>());
    case nlohmann::ordered_json::value_t::number_float:
      return Value(j.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      List l;
      for (const auto& e : j) l.push_back(from_json(e));
      return Value(std::move(l));
    }
    case nlohmann::ordered_json::value_t::object: {
      Dict d;
      for (auto it = j.begin(); it != j.end(); ++it)
        d.items.emplace_back(it.key(), from_json(it.value()));
      return Value(std::move(d));
    }
    default:
      fail("chat template: unsupported JSON value {}", j.dump());
  }
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return b_;
    case Kind::kInt:
      return i_ != 0;
    case Kind::kFloat:
      return f_ != 0.0;
    case Kind::kString:
      return !s_.empty();
    case Kind::kList:
      return !list_->empty();
    case Kind::kDict:
      return !dict_->items.empty();
    case Kind::kCallable:
      return true;
  }
  return false;
}

std::string format_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string python_repr(const std::string& s) {
  const char q =
      (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c == q) out += '\\';
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\x{:02x}", c);
        else
          out += c;
    }
  }
  return out + q;
}

std::string Value::str() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "";
    case Kind::kString:
      return s_;
    default:
      return repr();
  }
}

std::string Value::repr() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "";
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return b_ ? "True" : "False";
    case Kind::kInt:
      return std::to_string(i_);
    case Kind::kFloat:
      return format_float(f_);
    case Kind::kString:
      return python_repr(s_);
    case Kind::kList: {
      std::string out = is_tuple() ? "(" : "[";
      for (std::size_t i = 0; i < list_->size(); ++i) out += (i ? ", " : "") + (*list_)[i].repr();
      if (is_tuple()) return out + (list_->size() == 1 ? ",)" : ")");
      return out + "]";
    }
    case Kind::kDict: {
      if (dict_->is_namespace) return "<Namespace>";
      std::string out = "{";
      for (std::size_t i = 0; i < dict_->items.size(); ++i)
        out += (i ? ", " : "") + python_repr(dict_->items[i].first) + ": " +
               dict_->items[i].second.repr();
      return out + "}";
    }
    case Kind::kCallable:
      return "<function " + s_ + ">";
  }
  return "";
}

const char* Value::type_name() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "NoneType";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kList:
      return "list";
    case Kind::kDict:
      return "dict";
    case Kind::kCallable:
      return "function";
  }
  return "?";
}

static void json_string(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += c;
    }
  }
  out += '"';
}

// "\n" plus the indentation of a nesting depth; empty without indent.
static std::string newline_indent(int indent, int depth) {
  if (indent < 0) return {};
  std::string s(1 + static_cast<std::size_t>(indent) * static_cast<std::size_t>(depth), ' ');
  s[0] = '\n';
  return s;
}

static void json_dump(std::string& out, const Value& v, int indent, bool sort_keys, int depth) {
  const std::string nl = newline_indent(indent, depth + 1);
  const std::string nl_end = newline_indent(indent, depth);
  const char* item_sep = indent >= 0 ? "," : ", ";
  switch (v.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      out += "null";
      return;
    case Value::Kind::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Value::Kind::kInt:
      out += std::to_string(v.as_int());
      return;
    case Value::Kind::kFloat: {
      const double f = v.as_double();
      out += std::isnan(f)   ? "NaN"
             : std::isinf(f) ? (f > 0 ? "Infinity" : "-Infinity")
                             : format_float(f);
      return;
    }
    case Value::Kind::kString:
      json_string(out, v.as_string());
      return;
    case Value::Kind::kList: {
      const auto& l = v.as_list();
      if (l.empty()) {
        out += "[]";
        return;
      }
      out += "[";
      for (std::size_t i = 0; i < l.size(); ++i) {
        out += (i ? item_sep : "") + nl;
        json_dump(out, l[i], indent, sort_keys, depth + 1);
      }
      out += nl_end + "]";
      return;
    }
    case Value::Kind::kDict: {
      auto items = v.as_dict().items;
      if (items.empty()) {
        out += "{}";
        return;
      }
      if (sort_keys)
        std::stable_sort(items.begin(), items.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
      out += "{";
      for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i ? item_sep : "") + nl;
        json_string(out, items[i].first);
        out += ": ";
        json_dump(out, items[i].second, indent, sort_keys, depth + 1);
      }
      out += nl_end + "}";
      return;
    }
    case Value::Kind::kCallable:
      fail("chat template: tojson: a function is not JSON serializable");
  }
}

std::string Value::to_json(int indent, bool sort_keys) const {
  std::string out;
  json_dump(out, *this, indent, sort_keys, 0);
  return out;
}

bool Value::operator==(const Value& o) const {
  if (is_number() && o.is_number()) {
    if (is_int() && o.is_int()) return i_ == o.i_;
    return as_double() == o.as_double();
  }
  // Python: True == 1; bools compare with numbers as 0/1.
  if ((is_bool() && o.is_number()) || (is_number() && o.is_bool())) {
    const double a = is_bool() ? (b_ ? 1.0 : 0.0) : as_double();
    const double b = o.is_bool() ? (o.b_ ? 1.0 : 0.0) : o.as_double();
    return a == b;
  }
  if (kind_ != o.kind_) return false;
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kBool:
      return b_ == o.b_;
    case Kind::kString:
      return s_ == o.s_;
    case Kind::kList:
      return *list_ == *o.list_;
    case Kind::kDict: {
      if (dict_->items.size() != o.dict_->items.size()) return false;
      for (const auto& [k, val] : dict_->items) {
        const Value* other = o.dict_->find(k);
        if (!other || !(*other == val)) return false;
      }
      return true;
    }
    case Kind::kCallable:
      return fn_ == o.fn_;
    default:
      return false;
  }
}

bool Value::less(const Value& o) const {
  if ((is_number() || is_bool()) && (o.is_number() || o.is_bool())) {
    const double a = is_bool() ? b_ : as_double();
    const double b = o.is_bool() ? o.b_ : o.as_double();
    return a < b;
  }
  if (is_string() && o.is_string()) return s_ < o.s_;
  if (is_list() && o.is_list())
    return std::lexicographical_compare(list_->begin(), list_->end(), o.list_->begin(),
                                        o.list_->end(),
                                        [](const Value& a, const Value& b) { return a.less(b); });
  fail("chat template: '<' not supported between instances of '{}' and '{}'", type_name(),
       o.type_name());
}

Value CallArgs::get(std::size_t index, const std::string& name) const {
  for (const auto& [k, v] : keyword)
    if (k == name) return v;
  return index < positional.size() ? positional[index] : Value();
}

}  // namespace vkllm::chat
