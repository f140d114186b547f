// Quantize at load on the CPU (--quant q8|q4 for layers the CPU computes): rows of
// a weight in f32, f16 or bf16 into the engine's q8 or q4 layout, byte for byte what
// quant/quantize.comp and host::ref::quantize write (per group of 32 an f16 scale,
// q8 max|w| / 127 with zero 128, q4 (max - min) / 15 over a range that holds 0 with
// zero round(-min / s); codes round(w / s) + zero, clamped), threads over rows.
#pragma once

#include <cstddef>

#include "engine/base/dtype.h"
#include "engine/base/quant.h"
#include "host/cpu/cpu.h"

namespace vkllm::host::cpu {

// dst (quant_row_bytes(f, k) bytes per row, n rows) = src [n, k] of `src_type`
// quantized into f (q8 or q4: 8 or 4 integer bits, groups of 32, f16 scales).
void quantize_rows(Cpu& cpu, DType src_type, const void* src, const QuantFormat& f, size_t n,
                   size_t k, std::byte* dst);

}  // namespace vkllm::host::cpu
