#include "loaders/model/json_fields.h"

#include <cmath>

namespace vkllm::model::json_fields {

json parse(std::string_view text, std::string_view file_name) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    fail("{}: not valid JSON: {}", file_name, e.what());
  }
}

const json* Reader::find(const char* key) const {
  auto it = obj_.find(key);
  return it == obj_.end() ? nullptr : &*it;
}

void Reader::type_error(std::string_view key, const char* expected, const json& v) const {
  std::string found = v.dump();
  if (found.size() > 60) found = found.substr(0, 57) + "...";
  fail("{}: {} is {} ({}), expected {}", file_, path(key), found, v.type_name(), expected);
}

template <typename T>
const json* Reader::presence(const char* key, Field<T>& out) const {
  const json* v = find(key);
  if (!v) {
    out.state = Field<T>::State::Absent;
    return nullptr;
  }
  if (v->is_null()) {
    out.state = Field<T>::State::Null;
    return nullptr;
  }
  return v;
}

namespace {
// Integers written as 4096.0 are accepted, as Python would keep them usable.
bool as_int(const json& v, std::int64_t& out) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX) return false;
    out = v.get<std::int64_t>();
    return true;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
      out = static_cast<std::int64_t>(d);
      return true;
    }
  }
  return false;
}
}  // namespace

void Reader::get(const char* key, Field<std::int64_t>& out) const {
  if (const json* v = presence(key, out)) {
    std::int64_t i = 0;
    if (!as_int(*v, i)) type_error(key, "an integer", *v);
    out.assign(i);
  }
}

void Reader::get(const char* key, Field<double>& out) const {
  if (const json* v = presence(key, out)) {
    if (!v->is_number()) type_error(key, "a number", *v);
    out.assign(v->get<double>());
  }
}

void Reader::get(const char* key, Field<bool>& out) const {
  if (const json* v = presence(key, out)) {
    if (!v->is_boolean()) type_error(key, "true or false", *v);
    out.assign(v->get<bool>());
  }
}

void Reader::get(const char* key, Field<std::string>& out) const {
  if (const json* v = presence(key, out)) {
    if (!v->is_string()) type_error(key, "a string", *v);
    out.assign(v->get<std::string>());
  }
}

void Reader::get(const char* key, Field<std::vector<std::string>>& out) const {
  if (const json* v = presence(key, out)) {
    if (!v->is_array()) type_error(key, "a list of strings", *v);
    std::vector<std::string> r;
    for (const auto& e : *v) {
      if (!e.is_string()) type_error(key, "a list of strings", *v);
      r.push_back(e.get<std::string>());
    }
    out.assign(std::move(r));
  }
}

void Reader::get(const char* key, Field<std::vector<double>>& out) const {
  if (const json* v = presence(key, out)) {
    if (!v->is_array()) type_error(key, "a list of numbers", *v);
    std::vector<double> r;
    for (const auto& e : *v) {
      if (!e.is_number()) type_error(key, "a list of numbers", *v);
      r.push_back(e.get<double>());
    }
    out.assign(std::move(r));
  }
}

void Reader::get(const char* key, Field<std::vector<std::int64_t>>& out) const {
  if (const json* v = presence(key, out)) {
    std::vector<std::int64_t> r;
    std::int64_t i = 0;
    if (as_int(*v, i)) {
      r.push_back(i);
    } else if (v->is_array()) {
      for (const auto& e : *v) {
        if (!as_int(e, i)) type_error(key, "an integer or a list of integers", *v);
        r.push_back(i);
      }
    } else {
      type_error(key, "an integer or a list of integers", *v);
    }
    out.assign(std::move(r));
  }
}

}  // namespace vkllm::model::json_fields
