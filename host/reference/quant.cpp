#include "host/reference/quant.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vkllm::host::ref {

HostTensor dequantize(const HostTensor& packed, const QuantFormat& f, size_t n, size_t k) {
  HostTensor out(DType::F32, n * k);
  const size_t row = quant_row_bytes(f, k);
  for (size_t r = 0; r < n; ++r)
    for (size_t c = 0; c < k; ++c)
      out.set(r * k + c, quant_value(f, k, packed.bytes.data() + r * row, c));
  return out;
}

HostTensor quantize(const HostTensor& w, const QuantFormat& f, size_t n, size_t k) {
  const size_t row = quant_row_bytes(f, k), groups = k / 32;
  HostTensor out(DType::U32, n * row / 4);
  // (at least one group: GCC 12 warns about zero-sized value-initialized vectors)
  std::vector<uint8_t> codes(k), zeros(std::max<size_t>(groups, 1));
  std::vector<float> scales(std::max<size_t>(groups, 1));
  for (size_t r = 0; r < n; ++r) {
    for (size_t g = 0; g < groups; ++g) {
      float mn = 0, mx = 0, amax = 0;
      for (size_t j = 0; j < 32; ++j) {
        const float v = w.get(r * k + g * 32 + j);
        mn = j ? std::min(mn, v) : v;
        mx = j ? std::max(mx, v) : v;
        amax = std::max(amax, std::abs(v));
      }
      mn = std::min(mn, 0.0f);  // the q4 range holds 0: its zero is a code
      mx = std::max(mx, 0.0f);
      const float s = f16_to_f32(f32_to_f16(f.bits == 8 ? amax / 127.0f : (mx - mn) / 15.0f));
      const uint32_t zero =
          f.bits == 8 ? 128u
                      : (s > 0 ? uint32_t(std::clamp(std::round(-mn / s), 0.0f, 15.0f)) : 0u);
      const float inv = s > 0 ? 1.0f / s : 0.0f, top = f.bits == 8 ? 255.0f : 15.0f;
      for (size_t j = 0; j < 32; ++j)
        codes[g * 32 + j] = uint8_t(
            std::clamp(std::round(w.get(r * k + g * 32 + j) * inv) + float(zero), 0.0f, top));
      scales[g] = s;
      zeros[g] = uint8_t(zero);
    }
    quant_pack_row(f, k, codes.data(), scales.data(), zeros.data(), out.bytes.data() + r * row);
  }
  return out;
}

}  // namespace vkllm::host::ref
