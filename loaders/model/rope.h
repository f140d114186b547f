// Rotary position embedding settings, normalized from rope_scaling (classic) or
// rope_parameters (transformers 5), and the inverse frequencies they imply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loaders/model/raw_config.h"

namespace vkllm::model {

// Supported: default, linear, llama3, longrope (phi3 "su" is longrope). dynamic,
// yarn and the rest are refused by name.
enum class RopeType { Default, Linear, Llama3, LongRope };

std::string_view rope_type_name(RopeType t);

struct RopeConfig {
  RopeType type = RopeType::Default;
  double theta = 10000.0;
  double factor = 1.0;                                // linear, llama3
  double low_freq_factor = 1.0;                       // llama3
  double high_freq_factor = 4.0;                      // llama3
  std::int64_t original_max_position_embeddings = 0;  // llama3, longrope
  std::vector<double> short_factor;                   // longrope, [rotary_dim / 2]
  std::vector<double> long_factor;                    // longrope, [rotary_dim / 2]
  // cos and sin are multiplied by this (longrope; 1 otherwise).
  double attention_factor = 1.0;
  // Only the first rotary_dim = head_dim * partial_rotary_factor dims rotate.
  std::int64_t rotary_dim = 0;

  bool operator==(const RopeConfig&) const = default;
};

// Inputs to rope normalization gathered from the whole config.
struct RopeContext {
  std::string_view file;
  std::string_view field;  // "rope_scaling" / "rope_parameters.full_attention" ...
  std::int64_t head_dim = 0;
  std::int64_t max_position_embeddings = 0;
  std::int64_t original_max_position_embeddings = 0;  // top-level (phi3), 0 if absent
  double partial_rotary_factor = 1.0;
};

// Builds a RopeConfig from an optional scaling object and a base theta.
RopeConfig normalize_rope(const RawRope* scaling, double theta, const RopeContext& ctx);

// inv_freq[i] for i < rotary_dim / 2 at a sequence length (longrope picks its
// long factors past original_max_position_embeddings), as transformers computes it.
std::vector<double> rope_inv_freq(const RopeConfig& rope, std::int64_t seq_len = 0);

}  // namespace vkllm::model
