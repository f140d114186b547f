#include "loaders/tokenizer/normalizer.h"

#include <utf8proc.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <vector>

#include "engine/base/error.h"
#include "loaders/tokenizer/pattern.h"
#include "loaders/tokenizer/utf8.h"

namespace vkllm::tok {
namespace {

class UnicodeForm final : public Normalizer {
 public:
  explicit UnicodeForm(int options) : options_(options) {}
  void normalize(std::string& s) const override {
    if (s.empty()) return;
    // Pure ASCII is invariant under every normalization form.
    bool ascii = true;
    for (char c : s) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii) return;
    utf8proc_uint8_t* out = nullptr;
    const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                static_cast<utf8proc_ssize_t>(s.size()), &out,
                                static_cast<utf8proc_option_t>(options_ | UTF8PROC_STABLE));
    if (n < 0) fail("tokenizer normalizer: utf8proc failed: {}", utf8proc_errmsg(n));
    s.assign(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
    std::free(out);
  }

 private:
  int options_;
};

class Lowercase final : public Normalizer {
 public:
  void normalize(std::string& s) const override {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
      const char32_t c = next_codepoint(s, i);
      // Rust's char::to_lowercase: U+0130 is the one character that becomes two.
      if (c == 0x130) {
        out += "i\u0307";
        continue;
      }
      append_utf8(out, simple_lower(c));
    }
    s = std::move(out);
  }
};

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& s) const override {
    std::size_t b = 0, e = s.size();
    if (left_) {
      std::size_t i = 0;
      while (i < s.size()) {
        std::size_t j = i;
        if (!is_whitespace(next_codepoint(s, j))) break;
        i = j;
      }
      b = i;
    }
    if (right_) {
      std::size_t last_non_ws = b;
      for (std::size_t i = b; i < s.size();)
        if (!is_whitespace(next_codepoint(s, i))) last_non_ws = i;
      e = last_non_ws;
    }
    s = s.substr(b, e - b);
  }

 private:
  bool left_, right_;
};

class Replace final : public Normalizer {
 public:
  Replace(Pattern p, std::string content) : pattern_(std::move(p)), content_(std::move(content)) {}
  void normalize(std::string& s) const override { s = pattern_.replace_all(s, content_); }

 private:
  Pattern pattern_;
  std::string content_;
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string p) : prepend_(std::move(p)) {}
  void normalize(std::string& s) const override {
    if (!s.empty()) s = prepend_ + s;
  }

 private:
  std::string prepend_;
};

class Sequence final : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
  void normalize(std::string& s) const override {
    for (const auto& p : parts_) p->normalize(s);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& spec, const JsonPath& path) {
  if (spec.is_null()) return nullptr;
  const std::string type = component_type(spec, path);
  if (type == "NFC") return std::make_unique<UnicodeForm>(UTF8PROC_COMPOSE);
  if (type == "NFD") return std::make_unique<UnicodeForm>(UTF8PROC_DECOMPOSE);
  if (type == "NFKC") return std::make_unique<UnicodeForm>(UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
  if (type == "NFKD") return std::make_unique<UnicodeForm>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "Strip")
    return std::make_unique<Strip>(optional_bool(spec, path, "strip_left", true),
                                   optional_bool(spec, path, "strip_right", true));
  if (type == "Replace")
    return std::make_unique<Replace>(Pattern(require(spec, path, "pattern"), path / "pattern"),
                                     require_string(spec, path, "content"));
  if (type == "Prepend") return std::make_unique<Prepend>(require_string(spec, path, "prepend"));
  if (type == "Sequence") {
    const auto& list = require(spec, path, "normalizers");
    if (!list.is_array())
      fail("{}: expected an array, found {}", (path / "normalizers").where, describe(list));
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (std::size_t i = 0; i < list.size(); ++i)
      if (auto n = make_normalizer(list[i], (path / "normalizers").at(i)))
        parts.push_back(std::move(n));
    return std::make_unique<Sequence>(std::move(parts));
  }
  fail_unsupported(path, "normalizer", type,
                   "NFC, NFD, NFKC, NFKD, Lowercase, Strip, Replace, Prepend, Sequence");
}

}  // namespace vkllm::tok
