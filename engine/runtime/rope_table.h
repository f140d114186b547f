// The cos/sin table the rope kernel reads: [max_pos, rot/2] each, computed in
// double from the inverse frequencies (which carry every scaling type) and
// rounded once to f32, so no shader evaluates a trigonometric function.
#pragma once

#include <cstdint>
#include <vector>

namespace vkllm {

struct RopeTable {
  uint32_t max_pos = 0, half_rot = 0;
  std::vector<float> cos, sin;  // [max_pos, half_rot]
};

// cos(p * inv_freq[i]) * scale, sin(...) * scale for p < max_pos (scale: longrope's
// attention factor, else 1).
RopeTable make_rope_table(const std::vector<double>& inv_freq, uint32_t max_pos,
                          double scale = 1.0);

}  // namespace vkllm
