// Pre-tokenizers of tokenizer.json ("pre_tokenizer"): ByteLevel, Split,
// Metaspace, Digits, Whitespace, WhitespaceSplit, Punctuation and Sequence.
// They cut a normalized segment into the pieces the model encodes one by one.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

#include "loaders/tokenizer/json_fields.h"

namespace vkllm::tok {

struct Piece {
  std::string text;
  // True for the piece that begins the original input (Metaspace's "first" scheme).
  bool at_start = false;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(std::vector<Piece>& pieces) const = 0;
};

enum class PrependScheme { kAlways, kFirst, kNever };

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& spec, const JsonPath& path);
std::unique_ptr<PreTokenizer> make_metaspace(std::string replacement, PrependScheme scheme,
                                             bool split);

// The regex GPT-2 splits words with (ByteLevel with use_regex).
extern const char* const kGpt2Pattern;

}  // namespace vkllm::tok
