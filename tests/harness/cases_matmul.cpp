#include <fmt/format.h>

#include "engine/kernels/matmul.h"
#include "host/reference/matmul.h"
#include "tests/harness/cases.h"

namespace vkllm::harness {

OpCase matmul_case(std::mt19937& rng, DType w, size_t t, size_t n, size_t k) {
  OpCase c;
  c.op = "matmul";
  c.shape = fmt::format("{} t={} n={} k={}", dtype_name(w), t, n, k);
  c.inputs.push_back(random_tensor(rng, DType::F32, t * k));
  c.inputs.push_back(random_tensor(rng, w, n * k));
  c.outputs.push_back({DType::F32, t * n});
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::matmul(s, w, in[0], in[1], out[0], uint32_t(t), uint32_t(n), uint32_t(k));
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{host::ref::matmul(in[0], in[1], t, n, k)};
  };
  c.max_nmse = 1e-9;  // fp32 accumulation over k terms, as for matvec
  c.bytes = double(t * k * 4 + n * k * dtype_size(w) + t * n * 4);
  c.flops = 2.0 * double(t) * double(n) * double(k);
  return c;
}

}  // namespace vkllm::harness
