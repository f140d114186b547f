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
      float v[32];
      for (size_t j = 0; j < 32; ++j) v[j] = w.get(r * k + g * 32 + j);
      quant_group32(f.bits, v, codes.data() + g * 32, scales[g], zeros[g]);
    }
    quant_pack_row(f, k, codes.data(), scales.data(), zeros.data(), out.bytes.data() + r * row);
  }
  return out;
}

}  // namespace vkllm::host::ref
