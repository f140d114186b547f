// Strict UTF-8 validation (no overlong forms, no surrogates, at most U+10FFFF),
// as Rust's str::from_utf8 applies it to safetensors headers.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

namespace vkllm::st {

// Offset of the first byte that starts an invalid sequence, or nullopt if valid.
std::optional<std::size_t> find_invalid_utf8(std::span<const std::byte> bytes);

}  // namespace vkllm::st
