#include <fmt/format.h>

#include "engine/kernels/matmul.h"
#include "host/reference/matmul.h"
#include "tests/harness/cases.h"

namespace vkllm::harness {

OpCase matmul_case(std::mt19937& rng, DType w, size_t t, size_t n, size_t k,
                   kernels::MatmulPrecision precision) {
  const bool f16 = precision == kernels::MatmulPrecision::F16;
  OpCase c;
  c.op = "matmul";
  c.shape = fmt::format("{} t={} n={} k={}{}", dtype_name(w), t, n, k, f16 ? " coopmat" : "");
  c.inputs.push_back(random_tensor(rng, DType::F32, t * k));
  c.inputs.push_back(random_tensor(rng, w, n * k));
  c.outputs.push_back({DType::F32, t * n});
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    const kernels::MatmulKey key = kernels::matmul_key(s.device().info(), w, precision);
    kernels::matmul(s, key, in[0], in[1], out[0], uint32_t(t), uint32_t(n), uint32_t(k));
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{host::ref::matmul(in[0], in[1], t, n, k)};
  };
  // fp32: accumulation over k terms, as for matvec. f16 inputs: each input is off by
  // a relative <= 2^-11 (bf16 and f16 weights convert exactly, up to subnormals), so
  // each product by <= 2^-10; with random signs the errors add in quadrature to an
  // nmse of about 2 (2^-11)^2 / 3 = 1.6e-7 (f32 W), half that otherwise.
  c.max_nmse = f16 ? 1e-6 : 1e-9;
  c.bytes = double(t * k * 4 + n * k * dtype_size(w) + t * n * 4);
  c.flops = 2.0 * double(t) * double(n) * double(k);
  return c;
}

}  // namespace vkllm::harness
