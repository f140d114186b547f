// The fuzz entry points, shared by the libFuzzer targets and by the unit test
// that replays kept crash inputs (tests/loaders/fuzz_regressions_test.cpp).
// A parser may reject any input with vkllm::Error; anything else is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "loaders/model/config.h"
#include "loaders/safetensors/header.h"

namespace vkllm::fuzz {

// Invariants a header that parsed must hold; a violation aborts.
inline void safetensors_header(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    const st::Header h = st::parse_header(bytes, "fuzz.safetensors");
    std::uint64_t at = h.data_start;
    for (const auto& t : h.tensors) {
      if (t.begin != at || t.end < t.begin || t.end > size) __builtin_trap();
      at = t.end;
    }
    if (at != size) __builtin_trap();
  } catch (const Error&) {
  }
}

inline void config(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const model::ModelConfig c = model::parse_model_config(text, "fuzz.json");
    if (static_cast<std::int64_t>(c.layers.size()) != c.num_layers) __builtin_trap();
    for (const auto& l : c.layers)
      if (l.rope < 0 || static_cast<std::size_t>(l.rope) >= c.ropes.size()) __builtin_trap();
    for (const auto& r : c.ropes)
      if (r.rotary_dim <= 0 || r.rotary_dim > c.head_dim) __builtin_trap();
  } catch (const Error&) {
  }
}

}  // namespace vkllm::fuzz
