// Normalizers of tokenizer.json ("normalizer"): NFC/NFD/NFKC/NFKD, Lowercase,
// Strip, Replace, Prepend and Sequence of them.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>

#include "loaders/tokenizer/json_fields.h"

namespace vkllm::tok {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& s) const = 0;
};

// Null JSON gives nullptr (no normalizer).
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& spec, const JsonPath& path);

}  // namespace vkllm::tok
