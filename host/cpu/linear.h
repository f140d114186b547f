// The CPU backend's Linear: y [t, n] = x [t, k] W^T (+ r) for a weight W [n, k] in
// f32, f16, bf16 or a quantized layout (engine/base/quant.h). Threads take blocks
// of W's rows; each row is read once per block of tokens and dotted with up to
// kMaxDotInputs inputs at a time.
#pragma once

#include <cstddef>
#include <optional>

#include "engine/base/dtype.h"
#include "engine/base/quant.h"
#include "host/cpu/cpu.h"

namespace vkllm::host::cpu {

struct LinearWeight {
  const void* data = nullptr;
  DType dtype = DType::F32;          // with `quant`: the packed rows (U32 words)
  std::optional<QuantFormat> quant;  // a quantized layout
};

// y = x W^T, plus r [t, n] where r is given (the residual of a projection).
void linear(Cpu& cpu, const LinearWeight& w, const float* x, const float* r, float* y, size_t t,
            size_t n, size_t k);

// One row of a quantized layout as f32 (scale x decoded code), out [k].
void dequantize_row(const QuantFormat& f, size_t k, const std::byte* row, float* out);

}  // namespace vkllm::host::cpu
