// The options `run` and `chat` share: token limit, sampling, stop strings, seed;
// and the model folder's tokenizer when it has one.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/generator.h"

namespace vkllm::cli {

struct GenerationFlags {
  std::optional<uint32_t> n;
  std::optional<float> temp, top_p, min_p, repeat_penalty;
  std::optional<int32_t> top_k;
  float presence = 0, frequency = 0;
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
  bool special = false, ignore_eos = false;

  void add_to(CLI::App& sub);
  // Flags over the folder's generation_config.json; a seed is drawn when none was given.
  runtime::GenerateOptions resolve(const model::ModelFolder& folder,
                                   const tok::Tokenizer* tokenizer) const;
};

// DIR's tokenizer, or null when DIR has no tokenizer.json.
std::unique_ptr<tok::Tokenizer> load_tokenizer_if_any(const std::string& dir);

// Text to token ids as the engine takes them.
std::vector<uint32_t> encode_ids(const tok::Tokenizer& tokenizer, std::string_view text,
                                 bool add_special_tokens);

// "load 0.52 s | prompt 12 tok, 1200.0 tok/s | generated 64 tok, 128.0 tok/s | eos"
void print_summary(const runtime::GenerateResult& r, double load_seconds);

}  // namespace vkllm::cli
