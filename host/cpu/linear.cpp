#include "host/cpu/linear.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "host/cpu/dot.h"

namespace vkllm::host::cpu {

namespace {

// Tokens whose inputs are dotted against a row while it is hot in the cache: their
// rows of x (64 x 16 KB at k = 4096) stay in L2 across the thread's block of rows.
constexpr size_t kTokenBlock = 64;

}  // namespace

void dequantize_row(const QuantFormat& f, size_t k, const std::byte* row, float* out) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(row);
  std::array<float, 256> table{};
  const bool int_codes = f.codes == QuantCodes::Int;
  if (!int_codes)
    for (uint32_t c = 0; c < (1u << f.bits); ++c) table[c] = quant_decode(f.codes, c, 0);
  const size_t groups = k / f.group;
  for (size_t g = 0; g < groups; ++g) {
    const float scale = quant_scale(f, k, row, g);
    const float zero = float(quant_zero(f, k, row, g));
    float* o = out + g * f.group;
    const size_t c0 = g * f.group;
    if (f.bits == 8) {
      const uint8_t* codes = bytes + c0;
      if (int_codes)
        for (size_t j = 0; j < f.group; ++j) o[j] = scale * (float(codes[j]) - zero);
      else
        for (size_t j = 0; j < f.group; ++j) o[j] = scale * table[codes[j]];
    } else {
      const uint8_t* codes = bytes + c0 / 2;
      for (size_t j = 0; j < f.group; j += 2) {
        const uint8_t b = codes[j / 2];
        const uint32_t lo = b & 15u, hi = b >> 4;
        o[j] = scale * (int_codes ? float(lo) - zero : table[lo]);
        o[j + 1] = scale * (int_codes ? float(hi) - zero : table[hi]);
      }
    }
  }
}

void linear(Cpu& cpu, const LinearWeight& w, const float* x, const float* r, float* y, size_t t,
            size_t n, size_t k) {
  const size_t row_bytes = w.quant ? quant_row_bytes(*w.quant, k) : k * dtype_size(w.dtype);
  const auto* base = static_cast<const std::byte*>(w.data);
  cpu.pool().parallel_for(n, 8, [&](size_t r0, size_t r1) {
    std::vector<float> wide;
    for (size_t tb = 0; tb < t; tb += kTokenBlock) {
      const size_t te = std::min(t, tb + kTokenBlock);
      // A few tokens dot the stored row as it is (integer codes decoded in registers);
      // more, or a table format, share one f32 copy of it.
      const bool few = te - tb <= kMaxDotInputs;
      const bool fused = w.quant && w.quant->codes == QuantCodes::Int && few;
      const bool widen = (w.quant && !fused) || (!few && w.dtype != DType::F32);
      if (widen) wide.resize(k);
      for (size_t i = r0; i < r1; ++i) {
        const std::byte* row = base + i * row_bytes;
        const void* src = row;
        DType dtype = w.dtype;
        if (fused) {
          float out[kMaxDotInputs];
          dot_quant_rows(*w.quant, row, x + tb * k, k, te - tb, k, out);
          for (size_t q = 0; q < te - tb; ++q)
            y[(tb + q) * n + i] = r ? out[q] + r[(tb + q) * n + i] : out[q];
          continue;
        }
        if (w.quant) {
          dequantize_row(*w.quant, k, row, wide.data());
          src = wide.data();
          dtype = DType::F32;
        } else if (widen) {
          widen_row(w.dtype, row, k, wide.data());
          src = wide.data();
          dtype = DType::F32;
        }
        for (size_t j = tb; j < te; j += kMaxDotInputs) {
          const size_t m = std::min(kMaxDotInputs, te - j);
          float out[kMaxDotInputs];
          dot_rows(dtype, src, x + j * k, k, m, k, out);
          for (size_t q = 0; q < m; ++q)
            y[(j + q) * n + i] = r ? out[q] + r[(j + q) * n + i] : out[q];
        }
      }
    }
  });
}

}  // namespace vkllm::host::cpu
