// Reference matrix-matrix product, accumulated in double.
#pragma once

#include "host/reference/host_tensor.h"

namespace vkllm::host::ref {

// y[i, r] = sum_c x[i, c] * w[r, c]: x [t, k] f32, w [n, k] any dtype; y [t, n] f32.
HostTensor matmul(const HostTensor& x, const HostTensor& w, size_t t, size_t n, size_t k);

}  // namespace vkllm::host::ref
