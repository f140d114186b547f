// tokenizer_config.json (and special_tokens_map.json): the transformers-side
// settings around tokenizer.json: which class transformers builds, BOS/EOS
// insertion, special token strings and the chat template(s).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vkllm::tok {

struct TokenizerConfig {
  std::string tokenizer_class;  // e.g. "LlamaTokenizer"; empty when absent
  std::optional<bool> add_bos_token, add_eos_token, legacy, add_prefix_space;
  // Parsed but not applied: transformers 5 ignores it for BPE tokenizers.
  bool clean_up_tokenization_spaces = false;
  std::optional<std::string> bos_token, eos_token, unk_token, pad_token;
  // (name, source) pairs; a single string template is named "default".
  std::vector<std::pair<std::string, std::string>> chat_templates;
};

// Parses a tokenizer_config.json object; `where` names the file for errors.
TokenizerConfig parse_tokenizer_config(const nlohmann::json& j, const std::string& where);

// Reads DIR/tokenizer_config.json (if present), special_tokens_map.json for
// special tokens it lacks, and DIR/chat_template.jinja (which wins when present).
TokenizerConfig load_tokenizer_config(const std::filesystem::path& dir);

}  // namespace vkllm::tok
