// Quantized weights: the typed description of a quantized Linear weight's layout
// on the device, the one layout every quantized kernel reads. Checkpoint formats
// (GPTQ, AWQ, bitsandbytes, compressed-tensors, FP8) and quantize-at-load are all
// repacked into it at load time.
//
// A weight [n, k] is n self-contained rows (a block of rows of a fused weight is
// a range of the buffer), each row `row_bytes` long (a multiple of 16):
//   codes   k x bits/8 bytes; code j of a 32-bit word is bits [bits*j, bits*j+bits)
//   scales  k / group x (2 bytes f16 | 4 bytes f32)
//   zeros   k / group bytes (u8), when the format has per-group zeros
// and the weight is value(r, c) = scale[c / group] * decode(code(r, c)), where
// decode is code - zero for integer codes and a table for NF4, FP4 and FP8 e4m3.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

namespace vkllm {

enum class QuantCodes : uint8_t {
  Int,      // value = code - zero
  NF4,      // bitsandbytes NF4 table
  FP4,      // bitsandbytes FP4 table
  FP8E4M3,  // the OCP e4m3fn byte
};

struct QuantFormat {
  uint8_t bits = 4;  // 4 or 8
  QuantCodes codes = QuantCodes::Int;
  uint32_t group = 32;     // weights per scale along k: a multiple of 32 dividing k
  bool scale_f16 = false;  // f16 scales (the engine's own q4/q8), else f32 (exact for all others)
  bool zeros = false;      // a u8 zero per group; else every group's zero is `zero`
  uint8_t zero = 0;        // the implicit zero of a symmetric integer format (8 for 4-bit)
  bool operator==(const QuantFormat&) const = default;
};

// Quantize at load rounds halves to even, as the shader's roundEven does (GLSL's
// round leaves the direction of a half to the implementation, and bf16 weights
// divided by a scale land on halves often enough to matter).
inline float quant_round(float x) {
  const float r = std::round(x);  // halves away from zero
  return std::abs(x - std::trunc(x)) == 0.5f ? 2.0f * std::round(x * 0.5f) : r;
}

inline uint64_t quant_code_bytes(const QuantFormat& f, uint64_t k) {
  return k * f.bits / 8;
}
inline uint64_t quant_groups(const QuantFormat& f, uint64_t k) {
  return k / f.group;
}
// Where a row's scales and zeros start, and its length, in bytes.
inline uint64_t quant_scales_offset(const QuantFormat& f, uint64_t k) {
  return quant_code_bytes(f, k);
}
inline uint64_t quant_zeros_offset(const QuantFormat& f, uint64_t k) {
  return quant_scales_offset(f, k) + quant_groups(f, k) * (f.scale_f16 ? 2 : 4);
}
inline uint64_t quant_row_bytes(const QuantFormat& f, uint64_t k) {
  const uint64_t end = quant_zeros_offset(f, k) + (f.zeros ? quant_groups(f, k) : 0);
  return (end + 15) / 16 * 16;
}

// The format's name as inspect prints it: "q4 g32 f16 zeros", "nf4 g64".
std::string quant_format_name(const QuantFormat& f);

// Bits per weight the layout takes, overhead included.
inline double quant_bits_per_weight(const QuantFormat& f, uint64_t k) {
  return 8.0 * double(quant_row_bytes(f, k)) / double(k);
}

// Whether a weight [n, k] can take the format: k a multiple of the group and of 32.
inline bool quant_fits(const QuantFormat& f, uint64_t k) {
  return k % 32 == 0 && f.group % 32 == 0 && k % f.group == 0;
}

// The engine's own formats for --quant: q8 (symmetric, zero 128) and q4 (per-group
// zeros), 32 weights per f16 scale, as llama.cpp's Q8_0 and (with zeros) Q4_1 do.
inline QuantFormat quant_q8() {
  return {.bits = 8,
          .codes = QuantCodes::Int,
          .group = 32,
          .scale_f16 = true,
          .zeros = false,
          .zero = 128};
}
inline QuantFormat quant_q4() {
  return {.bits = 4,
          .codes = QuantCodes::Int,
          .group = 32,
          .scale_f16 = true,
          .zeros = true,
          .zero = 0};
}

// The code tables (bitsandbytes' NF4 and FP4, e4m3 decoding), shared with the shaders'.
float quant_decode(QuantCodes codes, uint32_t code, uint32_t zero);

// Writes one row of the layout from per-weight codes [k], per-group scales
// [k / group] and zeros [k / group] (ignored without `zeros`); `out` has
// quant_row_bytes(f, k) bytes. The loaders repack checkpoints through it.
void quant_pack_row(const QuantFormat& f, uint64_t k, const uint8_t* codes, const float* scales,
                    const uint8_t* zeros, std::byte* out);

// Quantize at load, one group of 32 weights v into q8 (bits 8: zero 128) or q4
// (bits 4): the scale rounded to f16, the zero and the codes, as quant/quantize.comp
// computes them (the host's quantizer and the reference share it).
void quant_group32(unsigned bits, const float* v, uint8_t* codes, float& scale, uint8_t& zero);

// Group g's scale and zero in a packed row.
float quant_scale(const QuantFormat& f, uint64_t k, const std::byte* row, uint64_t g);
uint32_t quant_zero(const QuantFormat& f, uint64_t k, const std::byte* row, uint64_t g);

// Weight c of a packed row, as the kernels compute it (scale x decoded code in f32).
float quant_value(const QuantFormat& f, uint64_t k, const std::byte* row, uint64_t c);

}  // namespace vkllm
