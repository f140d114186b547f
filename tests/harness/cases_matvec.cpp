#include <fmt/format.h>

#include "host/cpu/layers.h"
#include "host/cpu/linear.h"
#include "host/reference/elementwise.h"
#include "host/reference/layers.h"
#include "host/reference/matvec.h"
#include "tests/harness/cases.h"

namespace vkllm::harness {

OpCase matvec_case(std::mt19937& rng, DType w, size_t n, size_t k, kernels::MatvecTuning tuning) {
  OpCase c;
  c.op = "matvec";
  c.shape = fmt::format("{} n={} k={} wg={} rows={} unroll={}", dtype_name(w), n, k,
                        tuning.workgroup, tuning.rows, tuning.unroll);
  c.inputs.push_back(random_tensor(rng, w, n * k));
  c.inputs.push_back(random_tensor(rng, DType::F32, k));
  c.outputs.push_back({DType::F32, n});
  kernels::MatvecKey key = kernels::matvec_key(w, uint32_t(k), tuning);
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::matvec(s, key, in[0], in[1], out[0], uint32_t(n), uint32_t(k));
  };
  c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
    host::cpu::linear(cpu, {in[0], w, {}}, reinterpret_cast<const float*>(in[1]), nullptr,
                      reinterpret_cast<float*>(out[0]), 1, n, k);
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{host::ref::matvec(in[0], in[1], n, k)};
  };
  // fp32 accumulation of k products against a double reference: the error grows
  // about like sqrt(k) * 2^-24; dropping or doubling one term of 4097 gives ~2e-4.
  c.max_nmse = 1e-9;
  c.bytes = double(n * k * dtype_size(w) + k * 4 + n * 4);
  c.flops = 2.0 * double(n) * double(k);
  return c;
}

OpCase matvec_batch_case(std::mt19937& rng, DType w, size_t n, size_t k, uint32_t cols) {
  OpCase c;
  c.op = "matvec";
  c.shape = fmt::format("{} n={} k={} cols={}", dtype_name(w), n, k, cols);
  c.inputs.push_back(random_tensor(rng, w, n * k));
  c.inputs.push_back(random_tensor(rng, DType::F32, cols * k));
  c.outputs.push_back({DType::F32, cols * n});
  const kernels::MatvecKey key = kernels::matvec_key(w, uint32_t(k), {}, cols);
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::matvec(s, key, in[0], in[1], out[0], uint32_t(n), uint32_t(k));
  };
  c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
    host::cpu::linear(cpu, {in[0], w, {}}, reinterpret_cast<const float*>(in[1]), nullptr,
                      reinterpret_cast<float*>(out[0]), cols, n, k);
  };
  // Column by column: y[c] = W x[c].
  c.reference = [=](const std::vector<HostTensor>& in) {
    HostTensor y(DType::F32, cols * n);
    for (uint32_t col = 0; col < cols; ++col) {
      HostTensor xc(DType::F32, k);
      for (size_t i = 0; i < k; ++i) xc.set(i, in[1].get(col * k + i));
      const HostTensor yc = host::ref::matvec(in[0], xc, n, k);
      for (size_t i = 0; i < n; ++i) y.set(col * n + i, yc.get(i));
    }
    return std::vector<HostTensor>{y};
  };
  c.max_nmse = 1e-9;
  c.bytes = double(n * k * dtype_size(w) + cols * (k + n) * 4);
  c.flops = 2.0 * double(cols) * double(n) * double(k);
  return c;
}

OpCase matvec_gated_case(std::mt19937& rng, DType w, kernels::Activation act, size_t n, size_t k,
                         uint32_t cols) {
  OpCase c;
  c.op = "matvec_gated";
  c.shape = fmt::format("{} {} n={} k={} cols={}", dtype_name(w),
                        act == kernels::Activation::SiLU ? "silu" : "gelu_tanh", n, k, cols);
  c.inputs.push_back(random_tensor(rng, w, n * k));  // gate
  c.inputs.push_back(random_tensor(rng, w, n * k));  // up
  c.inputs.push_back(random_tensor(rng, DType::F32, cols * k));
  c.outputs.push_back({DType::F32, cols * n});
  const kernels::MatvecKey key = kernels::matvec_gated_key(w, uint32_t(k), act, cols);
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::matvec_gated(s, key, in[0], in[1], in[2], out[0], uint32_t(n), uint32_t(k));
  };
  // The CPU backend's steps as graph::ops::gated_linear runs them.
  c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
    const auto* x = reinterpret_cast<const float*>(in[2]);
    std::vector<float> g(cols * n), u(cols * n);
    host::cpu::linear(cpu, {in[0], w, {}}, x, nullptr, g.data(), cols, n, k);
    host::cpu::linear(cpu, {in[1], w, {}}, x, nullptr, u.data(), cols, n, k);
    host::cpu::gated(
        cpu, act == kernels::Activation::SiLU ? host::cpu::Gate::SiLU : host::cpu::Gate::GeluTanh,
        g.data(), u.data(), reinterpret_cast<float*>(out[0]), cols, n);
  };
  // Column by column: act(W x[c]) * (U x[c]) in double.
  c.reference = [=](const std::vector<HostTensor>& in) {
    HostTensor g(DType::F32, cols * n), u(DType::F32, cols * n);
    for (uint32_t col = 0; col < cols; ++col) {
      HostTensor xc(DType::F32, k);
      for (size_t i = 0; i < k; ++i) xc.set(i, in[2].get(col * k + i));
      const HostTensor gc = host::ref::matvec(in[0], xc, n, k),
                       uc = host::ref::matvec(in[1], xc, n, k);
      for (size_t i = 0; i < n; ++i) {
        g.set(col * n + i, gc.get(i));
        u.set(col * n + i, uc.get(i));
      }
    }
    const auto a =
        act == kernels::Activation::SiLU ? host::ref::Act::SiLU : host::ref::Act::GeluTanh;
    return std::vector<HostTensor>{host::ref::gated(a, g, u, cols, n, n, 0)};
  };
  c.max_nmse = 1e-9;
  c.bytes = double(2 * n * k * dtype_size(w) + cols * (k + n) * 4);
  c.flops = 4.0 * double(cols) * double(n) * double(k);
  return c;
}

OpCase matvec_residual_case(std::mt19937& rng, DType w, size_t n, size_t k) {
  OpCase c = matvec_case(rng, w, n, k);
  c.op = "matvec_residual";
  c.inputs.push_back(random_tensor(rng, DType::F32, n));
  kernels::MatvecKey key = kernels::matvec_key(w, uint32_t(k));
  key.residual = true;
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::matvec_residual(s, key, in[0], in[1], in[2], out[0], uint32_t(n), uint32_t(k));
  };
  c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
    host::cpu::linear(cpu, {in[0], w, {}}, reinterpret_cast<const float*>(in[1]),
                      reinterpret_cast<const float*>(in[2]), reinterpret_cast<float*>(out[0]), 1, n,
                      k);
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{host::ref::add(host::ref::matvec(in[0], in[1], n, k), in[2])};
  };
  c.bytes += double(n * 4);
  return c;
}

}  // namespace vkllm::harness
