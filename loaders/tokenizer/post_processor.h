// Post-processors of tokenizer.json ("post_processor"): where special tokens go
// around a single sequence when add_special_tokens is set. TemplateProcessing,
// ByteLevel (ids unchanged), RobertaProcessing/BertProcessing and Sequence.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <vector>

#include "loaders/tokenizer/bpe.h"
#include "loaders/tokenizer/json_fields.h"

namespace vkllm::tok {

// The ids put before and after the sequence.
struct SpecialTemplate {
  std::vector<TokenId> prefix, suffix;
  void apply(std::vector<TokenId>& ids) const;
};

SpecialTemplate make_post_processor(const nlohmann::json& spec, const JsonPath& path);

}  // namespace vkllm::tok
