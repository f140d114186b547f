// Element types of engine tensors: F32, F16 and BF16 (weights as stored, and
// activations) and U32 (token ids, positions, argmax results).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vkllm {

enum class DType : uint8_t { F32, F16, BF16, U32 };

constexpr size_t dtype_size(DType t) {
  return t == DType::F16 || t == DType::BF16 ? 2 : 4;
}

constexpr std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::F32:
      return "f32";
    case DType::F16:
      return "f16";
    case DType::BF16:
      return "bf16";
    case DType::U32:
      return "u32";
  }
  return "?";
}

inline std::optional<DType> parse_dtype(std::string_view s) {
  if (s == "f32" || s == "F32" || s == "float32") return DType::F32;
  if (s == "f16" || s == "F16" || s == "float16") return DType::F16;
  if (s == "bf16" || s == "BF16" || s == "bfloat16") return DType::BF16;
  return std::nullopt;
}

}  // namespace vkllm
