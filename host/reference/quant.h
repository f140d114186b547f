// References for the quantized-weight kernels (engine/kernels/quant.h): the
// layout dequantized on the host, and quantize-at-load written plainly.
#pragma once

#include "engine/base/quant.h"
#include "host/reference/host_tensor.h"

namespace vkllm::host::ref {

// W [n, k] f32 from its packed rows (a U32 tensor of the layout's words).
HostTensor dequantize(const HostTensor& packed, const QuantFormat& f, size_t n, size_t k);

// The packed rows of w [n, k] (f32/f16/bf16) in q8 or q4, as quant/quantize.comp
// computes them: per group of 32 an f16 scale (q8 max|w| / 127; q4 (max - min) / 15
// over a range that holds 0, with zero round(-min / s)), codes round(w / s) + zero
// clamped to the code range.
HostTensor quantize(const HostTensor& w, const QuantFormat& f, size_t n, size_t k);

}  // namespace vkllm::host::ref
