#include "host/cpu/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/base/error.h"
#include "engine/base/half.h"
#include "host/cpu/dot.h"

namespace vkllm::host::cpu {

void quantize_rows(Cpu& cpu, DType src_type, const void* src, const QuantFormat& f, size_t n,
                   size_t k, std::byte* dst) {
  if (f.codes != QuantCodes::Int || (f.bits != 8 && f.bits != 4) || f.group != 32 || !f.scale_f16 ||
      k % 32 != 0)
    fail("quantize: {} is not a load-time format (q8 or q4, groups of 32, k a multiple of 32)",
         quant_format_name(f));
  const size_t row_bytes = quant_row_bytes(f, k), groups = k / 32;
  const size_t src_row = k * dtype_size(src_type);
  // At least 64K weights per block: a thread's share of a small weight is not worth a wake-up.
  const size_t grain = std::max<size_t>(1, (size_t(1) << 16) / std::max<size_t>(k, 1));
  cpu.pool().parallel_for(n, grain, [&](size_t begin, size_t end) {
    std::vector<float> w(k), scales(groups);
    std::vector<uint8_t> codes(k), zeros(groups);
    for (size_t r = begin; r < end; ++r) {
      widen_row(src_type, static_cast<const std::byte*>(src) + r * src_row, k, w.data());
      for (size_t g = 0; g < groups; ++g)
        quant_group32(f.bits, w.data() + g * 32, codes.data() + g * 32, scales[g], zeros[g]);
      quant_pack_row(f, k, codes.data(), scales.data(), zeros.data(), dst + r * row_bytes);
    }
  });
}

}  // namespace vkllm::host::cpu
