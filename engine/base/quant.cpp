#include "engine/base/quant.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/base/half.h"

namespace vkllm {

namespace {

// bitsandbytes' get_4bit_type("nf4") and ("fp4"), as float32.
constexpr float kNF4[16] = {-1.0f,
                            -0.6961928009986877f,
                            -0.5250730514526367f,
                            -0.39491748809814453f,
                            -0.28444138169288635f,
                            -0.18477343022823334f,
                            -0.09105003625154495f,
                            0.0f,
                            0.07958029955625534f,
                            0.16093020141124725f,
                            0.24611230194568634f,
                            0.33791524171829224f,
                            0.44070982933044434f,
                            0.5626170039176941f,
                            0.7229568362236023f,
                            1.0f};
// FP4 in bit-pattern order, divided by its largest magnitude (12) in f32 as bitsandbytes does.
constexpr float kFP4[16] = {0.0f,          0.0625f / 12.0f,  8.0f / 12.0f,  12.0f / 12.0f,
                            4.0f / 12.0f,  6.0f / 12.0f,     2.0f / 12.0f,  3.0f / 12.0f,
                            -0.0f,         -0.0625f / 12.0f, -8.0f / 12.0f, -12.0f / 12.0f,
                            -4.0f / 12.0f, -6.0f / 12.0f,    -2.0f / 12.0f, -3.0f / 12.0f};

}  // namespace

float quant_decode(QuantCodes codes, uint32_t code, uint32_t zero) {
  switch (codes) {
    case QuantCodes::Int:
      return float(code) - float(zero);
    case QuantCodes::NF4:
      return kNF4[code & 15];
    case QuantCodes::FP4:
      return kFP4[code & 15];
    case QuantCodes::FP8E4M3: {
      const uint32_t s = code >> 7, e = (code >> 3) & 15, m = code & 7;
      if (e == 15 && m == 7) return NAN;
      const float v =
          e == 0 ? std::ldexp(float(m) / 8.0f, -6) : std::ldexp(1.0f + float(m) / 8.0f, int(e) - 7);
      return s ? -v : v;
    }
  }
  return 0;
}

void quant_group32(unsigned bits, const float* v, uint8_t* codes, float& scale, uint8_t& zero) {
  float mn = v[0], mx = v[0], amax = 0;
  for (size_t j = 0; j < 32; ++j) {
    mn = std::min(mn, v[j]);
    mx = std::max(mx, v[j]);
    amax = std::max(amax, std::abs(v[j]));
  }
  mn = std::min(mn, 0.0f);  // the q4 range holds 0: its zero is a code
  mx = std::max(mx, 0.0f);
  const float s = f16_to_f32(f32_to_f16(bits == 8 ? amax / 127.0f : (mx - mn) / 15.0f));
  const uint32_t z =
      bits == 8 ? 128u : (s > 0 ? uint32_t(std::clamp(quant_round(-mn / s), 0.0f, 15.0f)) : 0u);
  const float inv = s > 0 ? 1.0f / s : 0.0f, top = bits == 8 ? 255.0f : 15.0f;
  for (size_t j = 0; j < 32; ++j)
    codes[j] = uint8_t(std::clamp(quant_round(v[j] * inv) + float(z), 0.0f, top));
  scale = s;
  zero = uint8_t(z);
}

void quant_pack_row(const QuantFormat& f, uint64_t k, const uint8_t* codes, const float* scales,
                    const uint8_t* zeros, std::byte* out) {
  std::memset(out, 0, quant_row_bytes(f, k));
  auto* bytes = reinterpret_cast<uint8_t*>(out);
  for (uint64_t c = 0; c < k; ++c) {
    if (f.bits == 8)
      bytes[c] = codes[c];
    else
      bytes[c / 2] |= uint8_t((codes[c] & 15) << (4 * (c & 1)));
  }
  const uint64_t groups = quant_groups(f, k);
  for (uint64_t g = 0; g < groups; ++g) {
    if (f.scale_f16) {
      const uint16_t h = f32_to_f16(scales[g]);
      std::memcpy(bytes + quant_scales_offset(f, k) + 2 * g, &h, 2);
    } else {
      std::memcpy(bytes + quant_scales_offset(f, k) + 4 * g, &scales[g], 4);
    }
    if (f.zeros) bytes[quant_zeros_offset(f, k) + g] = zeros[g];
  }
}

float quant_scale(const QuantFormat& f, uint64_t k, const std::byte* row, uint64_t g) {
  const auto* at = row + quant_scales_offset(f, k);
  if (f.scale_f16) {
    uint16_t h;
    std::memcpy(&h, at + 2 * g, 2);
    return f16_to_f32(h);
  }
  float scale;
  std::memcpy(&scale, at + 4 * g, 4);
  return scale;
}

uint32_t quant_zero(const QuantFormat& f, uint64_t k, const std::byte* row, uint64_t g) {
  return f.zeros ? uint32_t(row[quant_zeros_offset(f, k) + g]) : f.zero;
}

float quant_value(const QuantFormat& f, uint64_t k, const std::byte* row, uint64_t c) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(row);
  const uint32_t code = f.bits == 8 ? bytes[c] : (bytes[c / 2] >> (4 * (c & 1))) & 15;
  const uint64_t g = c / f.group;
  return quant_scale(f, k, row, g) * quant_decode(f.codes, code, quant_zero(f, k, row, g));
}

std::string quant_format_name(const QuantFormat& f) {
  const char* codes = f.codes == QuantCodes::NF4       ? "nf4"
                      : f.codes == QuantCodes::FP4     ? "fp4"
                      : f.codes == QuantCodes::FP8E4M3 ? "fp8-e4m3"
                                                       : (f.bits == 8 ? "int8" : "int4");
  return fmt::format(
      "{} g{} {} scales{}", codes, f.group, f.scale_f16 ? "f16" : "f32",
      f.zeros ? " + zeros" : (f.codes == QuantCodes::Int ? fmt::format(" zero {}", f.zero) : ""));
}

}  // namespace vkllm
