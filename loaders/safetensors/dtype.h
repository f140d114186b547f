// Element types of safetensors files: every dtype of the format's spec, with its
// name and bit size. The engine computes in the subset vkllm::DType
// (engine/base/dtype.h); to_engine_dtype maps between the two.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/base/dtype.h"

namespace vkllm::st {

enum class DType : std::uint8_t {
  BOOL,
  F4,  // packed, two per byte
  F6_E2M3,
  F6_E3M2,
  U8,
  I8,
  F8_E5M2,
  F8_E4M3,
  F8_E8M0,
  F8_E4M3FNUZ,
  F8_E5M2FNUZ,
  I16,
  U16,
  F16,
  BF16,
  I32,
  U32,
  F32,
  C64,
  F64,
  I64,
  U64,
};

// Bits per element (4 and 6 for the sub-byte float formats).
std::uint32_t dtype_bits(DType t);

// Bytes per element, rounded up for sub-byte types; use dtype_bits for exact sizes.
inline std::uint32_t dtype_size(DType t) {
  return (dtype_bits(t) + 7) / 8;
}

// The safetensors spelling: "BF16", "F8_E4M3", ...
std::string_view dtype_name(DType t);

// Parses a safetensors dtype string; nullopt when it is not one of the spec's.
std::optional<DType> parse_dtype(std::string_view name);

// Parses a torch floating-point dtype as config.json writes it ("bfloat16", "float16",
// "float32", "float64" or the aliases half, float, double; with or without a "torch."
// prefix); nullopt for anything else.
std::optional<DType> parse_torch_dtype(std::string_view name);

// F32, F16 and BF16, the weight types kernels read as stored; nullopt otherwise.
inline std::optional<vkllm::DType> to_engine_dtype(DType t) {
  switch (t) {
    case DType::F32:
      return vkllm::DType::F32;
    case DType::F16:
      return vkllm::DType::F16;
    case DType::BF16:
      return vkllm::DType::BF16;
    default:
      return std::nullopt;
  }
}

}  // namespace vkllm::st
