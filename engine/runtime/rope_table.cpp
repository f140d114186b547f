#include "engine/runtime/rope_table.h"

#include <cmath>

namespace vkllm {

RopeTable make_rope_table(const std::vector<double>& inv_freq, uint32_t max_pos, double scale) {
  RopeTable t;
  t.max_pos = max_pos;
  t.half_rot = uint32_t(inv_freq.size());
  t.cos.resize(size_t(max_pos) * t.half_rot);
  t.sin.resize(t.cos.size());
  for (uint32_t p = 0; p < max_pos; ++p)
    for (uint32_t i = 0; i < t.half_rot; ++i) {
      double a = double(p) * inv_freq[i];
      t.cos[size_t(p) * t.half_rot + i] = float(std::cos(a) * scale);
      t.sin[size_t(p) * t.half_rot + i] = float(std::sin(a) * scale);
    }
  return t;
}

}  // namespace vkllm
