// Reference matrix-vector product, accumulated in double.
#pragma once

#include <vector>

#include "host/reference/host_tensor.h"

namespace vkllm::host::ref {

// y[r] = sum_c w[r, c] * x[c], w [n, k] row-major of any dtype, x f32; y f32.
HostTensor matvec(const HostTensor& w, const HostTensor& x, size_t n, size_t k);

}  // namespace vkllm::host::ref
