// generation_config.json: special tokens and sampling defaults a checkpoint ships.
// Fields the file leaves out stay empty; transformers' GenerationConfig defaults
// then apply (greedy; temperature 1.0, top_k 50, top_p 1.0 when sampling).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

namespace vkllm::model {

struct GenerationConfig {
  std::optional<std::int64_t> bos_token_id;
  std::vector<std::int64_t> eos_token_ids;  // an int or a list in the file
  std::optional<std::int64_t> pad_token_id;
  std::optional<bool> do_sample;
  std::optional<double> temperature;
  std::optional<std::int64_t> top_k;
  std::optional<double> top_p;
  std::optional<double> min_p;
  std::optional<double> repetition_penalty;
  std::optional<std::int64_t> max_length;
  std::optional<std::int64_t> max_new_tokens;
};

GenerationConfig parse_generation_config(std::string_view text,
                                         std::string_view file_name = "generation_config.json");

// MODEL_DIR/generation_config.json, or nullopt when the folder has none.
std::optional<GenerationConfig> load_generation_config(const std::filesystem::path& model_dir);

}  // namespace vkllm::model
