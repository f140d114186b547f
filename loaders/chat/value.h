// Values of the Jinja interpreter, with Python's semantics (what transformers'
// Jinja environment gives templates): truthiness, str(), ==, ordering and
// json.dumps-compatible serialization.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vkllm::chat {

class Value;
using List = std::vector<Value>;

struct CallArgs;
using NativeFn = std::function<Value(CallArgs&)>;

// Insertion-ordered string-keyed map (Python dicts keep insertion order).
struct Dict {
  std::vector<std::pair<std::string, Value>> items;
  bool is_namespace = false;  // namespace() objects accept `set ns.attr = ...`
  const Value* find(const std::string& key) const;
  void set(const std::string& key, Value v);
};

class Value {
 public:
  enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kCallable };

  Value() = default;  // undefined
  static Value none();
  Value(bool b);
  Value(int v) : Value(static_cast<std::int64_t>(v)) {}
  Value(std::int64_t v);
  Value(double v);
  Value(std::string s);
  Value(const char* s) : Value(std::string(s)) {}
  Value(List l);
  // A Python tuple: a list that prints as (a, b).
  static Value tuple(List l);
  // A named tuple (what groupby yields): a tuple whose items are also attributes.
  static Value named_tuple(std::vector<std::pair<std::string, Value>> fields);
  Value(Dict d);
  static Value function(std::string name, NativeFn fn);
  // For an undefined value: the expression it came from, for error messages.
  static Value undefined(std::string name);
  static Value from_json(const nlohmann::ordered_json& j);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_number() const { return is_int() || is_float(); }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_tuple() const { return kind_ == Kind::kList && b_; }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_callable() const { return kind_ == Kind::kCallable; }

  bool as_bool() const { return b_; }
  std::int64_t as_int() const { return i_; }
  double as_double() const { return is_int() ? static_cast<double>(i_) : f_; }
  const std::string& as_string() const { return s_; }  // also the undefined's name
  const List& as_list() const { return *list_; }
  const Dict& as_dict() const { return *dict_; }
  Dict& mutable_dict() const { return *dict_; }
  const NativeFn& as_function() const { return *fn_; }
  // A named tuple's item called `name`, or null.
  const Value* field(const std::string& name) const;

  bool truthy() const;
  // Python's str(); undefined prints as "".
  std::string str() const;
  // Python's repr() (used by str() inside containers).
  std::string repr() const;
  // json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sort_keys);
  // indent < 0 means none.
  std::string to_json(int indent = -1, bool sort_keys = false) const;
  // Python's type name, for errors ("str", "int", "list", "dict" ...).
  const char* type_name() const;

  bool operator==(const Value& o) const;
  // Python's <; throws for unorderable types.
  bool less(const Value& o) const;

 private:
  Kind kind_ = Kind::kUndefined;
  bool b_ = false;
  std::int64_t i_ = 0;
  double f_ = 0;
  std::string s_;
  std::shared_ptr<List> list_;
  std::shared_ptr<Dict> dict_;
  std::shared_ptr<NativeFn> fn_;
  std::shared_ptr<const std::vector<std::string>> field_names_;  // named tuples only
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
  // Argument by position or keyword; undefined when absent.
  Value get(std::size_t index, const std::string& name) const;
};

// Python's str of a float (shortest round-trip, always with '.0' or exponent).
std::string format_float(double v);
// Python's repr of a string.
std::string python_repr(const std::string& s);

}  // namespace vkllm::chat
