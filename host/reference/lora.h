// Slow, obviously-correct references for the LoRA kernels (engine/kernels/lora.h),
// in double.
#pragma once

#include "host/reference/host_tensor.h"

namespace vkllm::host::ref {

// V = W + B A for W [rows, cols], A [rank, cols], B [rows, rank]. mode 0: V in
// `out` dtype; 1: m / ||V||_row * V in `out` dtype; 2: f = m / ||V||_row (f32 [rows]).
HostTensor lora_merge(const HostTensor& w, const HostTensor& a, const HostTensor& b,
                      const HostTensor& m, int mode, size_t rows, size_t cols, size_t rank,
                      DType out);

// y + u, or f[col] * (y + u) with `dora`; y, u [rows, n], f [n].
HostTensor lora_combine(const HostTensor& y, const HostTensor& u, const HostTensor& f, bool dora,
                        size_t n);

}  // namespace vkllm::host::ref
