#include "loaders/tokenizer/decoder.h"

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "loaders/tokenizer/byte_level.h"
#include "loaders/tokenizer/pattern.h"
#include "loaders/tokenizer/utf8.h"

namespace vkllm::tok {
namespace {

class ByteLevel final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const auto& t : tokens) {
      // A token with a character outside the byte table is kept as raw text.
      std::string mapped;
      bool ok = true;
      for (std::size_t i = 0; i < t.size() && ok;) {
        const int b = unicode_to_byte(next_codepoint(t, i));
        if (b < 0)
          ok = false;
        else
          mapped.push_back(static_cast<char>(b));
      }
      bytes += ok ? mapped : t;
    }
    tokens.assign(1, from_utf8_lossy(bytes));
  }
};

class Metaspace final : public Decoder {
 public:
  Metaspace(std::string replacement, PrependScheme scheme)
      : replacement_(std::move(replacement)), scheme_(scheme) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    const Pattern rep = Pattern::literal(replacement_);
    // As Hugging Face does: in the first token every replacement character is
    // dropped (the prefix the pre-tokenizer added), elsewhere each is a space.
    for (std::size_t i = 0; i < tokens.size(); ++i)
      tokens[i] = rep.replace_all(tokens[i], i == 0 && scheme_ != PrependScheme::kNever ? "" : " ");
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
};

class Replace final : public Decoder {
 public:
  Replace(Pattern p, std::string content) : pattern_(std::move(p)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (auto& t : tokens) t = pattern_.replace_all(t, content_);
  }

 private:
  Pattern pattern_;
  std::string content_;
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "<0xAB>" tokens become bytes; a run of them that is not valid UTF-8 gives one
// U+FFFD per byte.
class ByteFallback final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    std::size_t pending_count = 0;
    auto flush = [&] {
      if (pending_count == 0) return;
      if (is_valid_utf8(pending)) {
        out.push_back(pending);
      } else {
        for (std::size_t i = 0; i < pending_count; ++i) out.emplace_back("\xEF\xBF\xBD");
      }
      pending.clear();
      pending_count = 0;
    };
    for (auto& t : tokens) {
      int byte = -1;
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
        const int hi = hex_digit(t[3]), lo = hex_digit(t[4]);
        if (hi >= 0 && lo >= 0) byte = hi * 16 + lo;
      }
      if (byte >= 0) {
        pending.push_back(static_cast<char>(byte));
        ++pending_count;
      } else {
        flush();
        out.push_back(std::move(t));
      }
    }
    flush();
    tokens = std::move(out);
  }
};

class Fuse final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const auto& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

// Removes up to `start` leading and `stop` trailing copies of `content` from each token.
class Strip final : public Decoder {
 public:
  Strip(std::string content, int start, int stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    const std::size_t n = content_.size();
    for (auto& t : tokens) {
      for (int i = 0; i < start_ && t.compare(0, n, content_) == 0; ++i) t.erase(0, n);
      for (int i = 0; i < stop_ && t.size() >= n && t.compare(t.size() - n, n, content_) == 0; ++i)
        t.erase(t.size() - n);
    }
  }

 private:
  std::string content_;
  int start_, stop_;
};

class Sequence final : public Decoder {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& p : parts_) p->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

int optional_int(const nlohmann::json& spec, const JsonPath& path, const char* key) {
  if (!spec.contains(key)) return 0;
  const auto& v = spec[key];
  if (!v.is_number_integer() || v.get<int>() < 0)
    fail("{}: expected a non-negative integer, found {}", (path / key).where, describe(v));
  return v.get<int>();
}

}  // namespace

std::unique_ptr<Decoder> make_replace_decoder(std::string from, std::string to) {
  return std::make_unique<Replace>(Pattern::literal(std::move(from)), std::move(to));
}
std::unique_ptr<Decoder> make_byte_fallback_decoder() {
  return std::make_unique<ByteFallback>();
}
std::unique_ptr<Decoder> make_fuse_decoder() {
  return std::make_unique<Fuse>();
}
std::unique_ptr<Decoder> make_strip_decoder(std::string content, int start, int stop) {
  return std::make_unique<Strip>(std::move(content), start, stop);
}
std::unique_ptr<Decoder> make_sequence_decoder(std::vector<std::unique_ptr<Decoder>> parts) {
  return std::make_unique<Sequence>(std::move(parts));
}

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& spec, const JsonPath& path) {
  if (spec.is_null()) return nullptr;
  const std::string type = component_type(spec, path);
  if (type == "ByteLevel") return std::make_unique<ByteLevel>();
  if (type == "Metaspace") {
    PrependScheme scheme = optional_bool(spec, path, "add_prefix_space", true)
                               ? PrependScheme::kAlways
                               : PrependScheme::kNever;
    const std::string s = optional_string(spec, path, "prepend_scheme", "");
    if (s == "first")
      scheme = PrependScheme::kFirst;
    else if (s == "never")
      scheme = PrependScheme::kNever;
    else if (s == "always")
      scheme = PrependScheme::kAlways;
    else if (!s.empty())
      fail("{}: unknown prepend_scheme '{}' (expected always, first or never)",
           (path / "prepend_scheme").where, s);
    return std::make_unique<Metaspace>(optional_string(spec, path, "replacement", "\u2581"),
                                       scheme);
  }
  if (type == "Replace")
    return std::make_unique<Replace>(Pattern(require(spec, path, "pattern"), path / "pattern"),
                                     require_string(spec, path, "content"));
  if (type == "ByteFallback") return make_byte_fallback_decoder();
  if (type == "Fuse") return make_fuse_decoder();
  if (type == "Strip")
    return make_strip_decoder(require_string(spec, path, "content"),
                              optional_int(spec, path, "start"), optional_int(spec, path, "stop"));
  if (type == "Sequence") {
    const auto& list = require(spec, path, "decoders");
    if (!list.is_array())
      fail("{}: expected an array, found {}", (path / "decoders").where, describe(list));
    std::vector<std::unique_ptr<Decoder>> parts;
    for (std::size_t i = 0; i < list.size(); ++i)
      if (auto d = make_decoder(list[i], (path / "decoders").at(i))) parts.push_back(std::move(d));
    return make_sequence_decoder(std::move(parts));
  }
  fail_unsupported(path, "decoder", type,
                   "ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence");
}

std::string run_decoder(const Decoder* decoder, std::vector<std::string> tokens) {
  std::string out;
  if (!decoder) {
    for (std::size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return out;
  }
  decoder->decode_chain(tokens);
  for (const auto& t : tokens) out += t;
  return out;
}

}  // namespace vkllm::tok
