// Slow, obviously-correct references for the elementwise kernels.
#pragma once

#include "host/reference/host_tensor.h"

namespace vkllm::host::ref {

HostTensor convert(const HostTensor& a, DType to);
HostTensor add(const HostTensor& a, const HostTensor& b);
HostTensor mul(const HostTensor& a, const HostTensor& b);

}  // namespace vkllm::host::ref
