#include <fmt/format.h>

#include "host/cpu/layers.h"
#include "host/reference/elementwise.h"
#include "tests/harness/cases.h"

namespace vkllm::harness {

namespace {
// Bounds on normalized error by output dtype. Conversions to f32 and bf16 and
// arithmetic in f32 and bf16 are bit-exact (our rounding is explicit); the
// hardware f32->f16 conversion may round differently, so f16 gets one ulp.
double bound_for(DType out) {
  return out == DType::F16 ? 1e-6 : 0.0;
}
}  // namespace

OpCase convert_case(std::mt19937& rng, DType from, DType to, size_t n) {
  OpCase c;
  c.op = "convert";
  c.shape = fmt::format("{}->{} n={}", dtype_name(from), dtype_name(to), n);
  c.inputs.push_back(random_tensor(rng, from, n, 4.0f));
  c.outputs.push_back({to, n});
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::convert(s, from, in[0], to, out[0], uint32_t(n));
  };
  c.reference = [to](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{host::ref::convert(in[0], to)};
  };
  c.max_nmse = bound_for(to);
  c.bytes = double(n) * double(dtype_size(from) + dtype_size(to));
  c.write_bound = true;
  return c;
}

OpCase binary_case(std::mt19937& rng, kernels::BinaryOp op, DType t, size_t n) {
  OpCase c;
  c.op = op == kernels::BinaryOp::Add ? "add" : "mul";
  c.shape = fmt::format("{} n={}", dtype_name(t), n);
  c.inputs.push_back(random_tensor(rng, t, n));
  c.inputs.push_back(random_tensor(rng, t, n));
  c.outputs.push_back({t, n});
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::binary(s, op, t, in[0], in[1], out[0], uint32_t(n));
  };
  if (op == kernels::BinaryOp::Add && t == DType::F32)  // the graph's residual adds
    c.cpu = [=](host::cpu::Cpu&, auto in, auto out) {
      host::cpu::add(reinterpret_cast<const float*>(in[0]), reinterpret_cast<const float*>(in[1]),
                     reinterpret_cast<float*>(out[0]), n);
    };
  c.reference = [op](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{op == kernels::BinaryOp::Add ? host::ref::add(in[0], in[1])
                                                                : host::ref::mul(in[0], in[1])};
  };
  c.max_nmse = bound_for(t);
  c.bytes = 3.0 * double(n) * double(dtype_size(t));
  c.flops = double(n);
  c.write_bound = true;
  return c;
}

}  // namespace vkllm::harness
