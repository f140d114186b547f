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
  auto store = [&](size_t token, size_t row, float v) {
    y[token * n + row] = r ? v + r[token * n + row] : v;
  };
  // 4-bit integer codes read x in split_pairs order: made once for all rows.
  std::vector<float> pairs;
  const bool split = w.quant && w.quant->codes == QuantCodes::Int && w.quant->bits == 4;
  if (split) {
    pairs.resize(t * k);
    for (size_t j = 0; j < t; ++j) split_pairs(x + j * k, k, pairs.data() + j * k);
  }
  // At least 64K weights per block (waking a thread costs microseconds).
  const size_t grain = std::max<size_t>(8, (size_t(1) << 16) / std::max<size_t>(k * t, 1));
  cpu.pool().parallel_for(n, grain, [&](size_t r0, size_t r1) {
    std::vector<float> wide;
    for (size_t tb = 0; tb < t; tb += kTokenBlock) {
      const size_t te = std::min(t, tb + kTokenBlock), m = te - tb;
      float out[16];
      if (m <= kMaxDotInputs) {
        // Decode and small batches: each row read once as stored, integer codes
        // decoded in registers; a table format's row dequantized first.
        for (size_t i = r0; i < r1; ++i) {
          const std::byte* row = base + i * row_bytes;
          if (w.quant && w.quant->codes == QuantCodes::Int) {
            dot_quant_rows(*w.quant, row, (split ? pairs.data() : x) + tb * k, k, m, k, out);
          } else if (w.quant) {
            wide.resize(k);
            dequantize_row(*w.quant, k, row, wide.data());
            dot_rows(DType::F32, wide.data(), x + tb * k, k, m, k, out);
          } else if (m == 1 && i + 1 < r1 && k >= 8192) {
            // Rows too long for x to stay in L1: two rows per pass over x.
            dot_pair(w.dtype, row, x + tb * k, k, out);
            store(tb, i, out[0]);
            store(tb, ++i, out[1]);
            continue;
          } else {
            dot_rows(w.dtype, row, x + tb * k, k, m, k, out);
          }
          for (size_t q = 0; q < m; ++q) store(tb + q, i, out[q]);
        }
        continue;
      }
      // Prefill: four rows at a time as f32, in tiles of 4 tokens x 4 rows.
      wide.resize(4 * k);
      for (size_t i = r0; i < r1; i += 4) {
        const size_t rows = std::min<size_t>(4, r1 - i);
        const float* wr = wide.data();
        if (!w.quant && w.dtype == DType::F32) {
          wr = reinterpret_cast<const float*>(base + i * row_bytes);
        } else {
          for (size_t q = 0; q < rows; ++q) {
            const std::byte* row = base + (i + q) * row_bytes;
            if (w.quant && w.quant->codes == QuantCodes::Int)
              dequantize_int_row(*w.quant, row, k, wide.data() + q * k);  // split order
            else if (w.quant)
              dequantize_row(*w.quant, k, row, wide.data() + q * k);
            else
              widen_row(w.dtype, row, k, wide.data() + q * k);
          }
        }
        // 4-bit integer rows came out in split_pairs order: so do their inputs.
        const float* xs = split ? pairs.data() : x;
        for (size_t j = tb; j < te; j += 4) {
          const size_t tokens = std::min<size_t>(4, te - j);
          if (rows == 4 && tokens == 4) {
            dot_tile4(wr, xs + j * k, k, k, out);
            for (size_t a = 0; a < 4; ++a)
              for (size_t b = 0; b < 4; ++b) store(j + a, i + b, out[a * 4 + b]);
            continue;
          }
          for (size_t b = 0; b < rows; ++b) {
            dot_rows(DType::F32, wr + b * k, xs + j * k, k, tokens, k, out);
            for (size_t a = 0; a < tokens; ++a) store(j + a, i + b, out[a]);
          }
        }
      }
    }
  });
}

}  // namespace vkllm::host::cpu
