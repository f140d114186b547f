#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "engine/kernels/quant.h"
#include "host/cpu/linear.h"
#include "host/cpu/quantize.h"
#include "host/reference/layers.h"
#include "host/reference/matmul.h"
#include "host/reference/matvec.h"
#include "host/reference/quant.h"
#include "tests/harness/cases.h"

namespace vkllm::harness {

// A quantized weight [n, k] with random codes, scales and zeros, packed as the
// engine stores it (U32 words).
HostTensor random_quant_weight(std::mt19937& rng, const QuantFormat& f, size_t n, size_t k) {
  const size_t row = quant_row_bytes(f, k), groups = k / f.group;
  HostTensor out(DType::U32, n * row / 4);
  std::uniform_int_distribution<int> code(0, (1 << f.bits) - 1);
  std::uniform_real_distribution<float> scale(0.01f, 0.1f);
  // (at least one group: GCC 12 warns about zero-sized value-initialized vectors)
  std::vector<uint8_t> codes(k), zeros(std::max<size_t>(groups, 1));
  std::vector<float> scales(std::max<size_t>(groups, 1));
  for (size_t r = 0; r < n; ++r) {
    for (auto& c : codes) {
      c = uint8_t(code(rng));
      if (f.codes == QuantCodes::FP8E4M3 && (c & 0x7f) == 0x7f) c ^= 1;  // no NaN
    }
    for (auto& s : scales) s = scale(rng) * (code(rng) & 1 ? -1.0f : 1.0f);
    for (auto& z : zeros) z = uint8_t(code(rng));
    quant_pack_row(f, k, codes.data(), scales.data(), zeros.data(), out.bytes.data() + r * row);
  }
  return out;
}

namespace {

// An NMSE bound for a product whose x is written as two 8-bit parts per block of 32
// (matvec_quant_dot.comp: q1 = round(x / d1), d1 = max|x| / 127, q2 the same of the
// rest; |error| <= d2 / 2 a column): ten times the expected squared error of uniform
// rounding, sum_n sum_k w_nk^2 d2_k^2 / 12, over sum ref^2. A wrong code, scale, zero
// or column order costs errors of the size of the product itself.
// Per row of w, the expected squared error of x's rounding (see below).
std::vector<double> int8_x_row_errors(const HostTensor& w, const HostTensor& x, size_t n,
                                      size_t k) {
  std::vector<double> d2(k), err(n);
  for (size_t b = 0; b < k; b += 32) {
    const size_t e = std::min(k, b + 32);
    float amax = 0, amax2 = 0;
    for (size_t j = b; j < e; ++j) amax = std::max(amax, std::abs(x.get(j)));
    const float d1 = amax / 127, inv = amax > 0 ? 127 / amax : 0;
    for (size_t j = b; j < e; ++j)
      amax2 = std::max(amax2, std::abs(x.get(j) - d1 * std::nearbyint(x.get(j) * inv)));
    for (size_t j = b; j < e; ++j) d2[j] = double(amax2 / 127) * (amax2 / 127);
  }
  for (size_t r = 0; r < n; ++r)
    for (size_t j = 0; j < k; ++j)
      err[r] += double(w.get(r * k + j)) * w.get(r * k + j) * d2[j] / 12;
  return err;
}

// An NMSE bound for a product whose x is written as two 8-bit parts per block of 32
// (matvec_quant_dot.comp: q1 = round(x / d1), d1 = max|x| / 127, q2 the same of the
// rest; |error| <= d2 / 2 a column): ten times (forty for fewer than 8 rows) the
// expected squared error of uniform rounding, sum_n sum_k w_nk^2 d2_k^2 / 12, over sum
// ref^2. A wrong code, scale, zero or column order costs errors of the size of the
// product itself.
double int8_x_nmse_bound(const HostTensor& w, const HostTensor& x, const HostTensor& ref, size_t n,
                         size_t k) {
  const std::vector<double> err = int8_x_row_errors(w, x, n, k);
  double e = 0, sum = 0;
  for (size_t r = 0; r < n; ++r) {
    e += err[r];
    sum += double(ref.get(r)) * ref.get(r);
  }
  // Over few rows the squared error is a chi-square of few degrees: one row passes ten
  // times its expectation with probability about 0.2% (|Z| > 3.2, which a CI run met),
  // forty times with about 6e-10.
  const double times = n >= 8 ? 10 : 40;
  return times * e / std::max(sum, 1e-30);
}

}  // namespace

namespace {

std::string tuning_name(const std::optional<kernels::QuantMatvecTuning>& t) {
  return t ? fmt::format(" wg={} rows={} batches={}", t->workgroup, t->rows, t->batches) : "";
}

std::string norm_name(const std::optional<CaseNorm>& norm) {
  return norm ? fmt::format(" norm {}{}", dtype_name(norm->dtype), norm->add_one ? " 1+w" : "")
              : "";
}

constexpr float kNormEps = 1e-5f;

// What the product sees of x: x itself, or its RMSNorm with weight nw.
HostTensor product_input(const HostTensor& x, const HostTensor* nw,
                         const std::optional<CaseNorm>& norm, size_t k) {
  return norm ? host::ref::rmsnorm(x, *nw, 1, k, kNormEps, norm->add_one) : x;
}

kernels::MatvecNorm kernel_norm(const std::optional<CaseNorm>& norm, const vk::BufferRange& w) {
  return {.w = w, .dtype = norm->dtype, .add_one = norm->add_one, .eps = kNormEps};
}

}  // namespace

OpCase matvec_quant_case(std::mt19937& rng, const QuantFormat& f, size_t n, size_t k, bool residual,
                         kernels::MatmulPrecision precision,
                         std::optional<kernels::QuantMatvecTuning> tuning,
                         std::optional<CaseNorm> norm) {
  if (norm && residual) fail("matvec_quant_case: a folded norm takes no residual");
  OpCase c;
  c.op = residual ? "matvec_quant_residual" : "matvec_quant";
  c.shape = fmt::format("{} n={} k={}{}{}{}", quant_format_name(f), n, k,
                        precision == kernels::MatmulPrecision::F16 ? " f16" : "",
                        tuning_name(tuning), norm_name(norm));
  c.inputs.push_back(random_quant_weight(rng, f, n, k));
  c.inputs.push_back(random_tensor(rng, DType::F32, k, norm ? 3.0f : 1.0f));
  if (residual) c.inputs.push_back(random_tensor(rng, DType::F32, n));
  if (norm) c.inputs.push_back(random_tensor(rng, norm->dtype, k));
  c.outputs.push_back({DType::F32, n});
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    const kernels::MatvecNorm kn = norm ? kernel_norm(norm, in[2]) : kernels::MatvecNorm{};
    kernels::matvec_quant(s, f, in[0], in[1], residual ? &in[2] : nullptr, out[0], uint32_t(n),
                          uint32_t(k), precision, tuning ? &*tuning : nullptr,
                          norm ? &kn : nullptr);
  };
  if (!norm)
    c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
      host::cpu::linear(cpu, {in[0], DType::U32, f}, reinterpret_cast<const float*>(in[1]),
                        residual ? reinterpret_cast<const float*>(in[2]) : nullptr,
                        reinterpret_cast<float*>(out[0]), 1, n, k);
    };
  c.reference = [=](const std::vector<HostTensor>& in) {
    const HostTensor x = product_input(in[1], norm ? &in[2] : nullptr, norm, k);
    HostTensor y = host::ref::matvec(host::ref::dequantize(in[0], f, n, k), x, n, k);
    if (residual)
      for (size_t i = 0; i < n; ++i) y.set(i, y.get(i) + in[2].get(i));
    return std::vector<HostTensor>{y};
  };
  // fp32 sums of exact products, as the plain matvec: the kernel takes code - zero
  // exactly per weight (no s (sum(code x) - zero sum(x)), whose two sums cancel).
  c.max_nmse = 1e-9;
  if (precision == kernels::MatmulPrecision::F16) {
    // The int8 kernel's fp32 sums as the exact path's (1e-9), plus x's rounding
    // (whichever kernel the device runs).
    const HostTensor w = host::ref::dequantize(c.inputs[0], f, n, k);
    const HostTensor x = product_input(c.inputs[1], norm ? &c.inputs[2] : nullptr, norm, k);
    c.max_nmse = 1e-9 + int8_x_nmse_bound(w, x, host::ref::matvec(w, x, n, k), n, k);
  }
  c.bytes = double(n * quant_row_bytes(f, k) + k * 4 + n * 4);
  c.flops = 2.0 * double(n) * double(k);
  return c;
}

OpCase matvec_quant_gated_case(std::mt19937& rng, const QuantFormat& f, kernels::Activation act,
                               size_t n, size_t k, std::optional<kernels::QuantMatvecTuning> tuning,
                               std::optional<CaseNorm> norm) {
  OpCase c;
  c.op = "matvec_quant_gated";
  c.shape = fmt::format("{} {} n={} k={}{}{}", quant_format_name(f),
                        act == kernels::Activation::SiLU ? "silu" : "gelu_tanh", n, k,
                        tuning_name(tuning), norm_name(norm));
  c.inputs.push_back(random_quant_weight(rng, f, n, k));  // gate
  c.inputs.push_back(random_quant_weight(rng, f, n, k));  // up
  c.inputs.push_back(random_tensor(rng, DType::F32, k, norm ? 3.0f : 1.0f));
  if (norm) c.inputs.push_back(random_tensor(rng, norm->dtype, k));
  c.outputs.push_back({DType::F32, n});
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    const kernels::MatvecNorm kn = norm ? kernel_norm(norm, in[3]) : kernels::MatvecNorm{};
    kernels::matvec_quant_gated(s, f, act, in[0], in[1], in[2], out[0], uint32_t(n), uint32_t(k),
                                tuning ? &*tuning : nullptr, norm ? &kn : nullptr);
  };
  const auto ref_act =
      act == kernels::Activation::SiLU ? host::ref::Act::SiLU : host::ref::Act::GeluTanh;
  c.reference = [=](const std::vector<HostTensor>& in) {
    const HostTensor x = product_input(in[2], norm ? &in[3] : nullptr, norm, k);
    const HostTensor g = host::ref::matvec(host::ref::dequantize(in[0], f, n, k), x, n, k),
                     u = host::ref::matvec(host::ref::dequantize(in[1], f, n, k), x, n, k);
    return std::vector<HostTensor>{host::ref::gated(ref_act, g, u, 1, n, n, 0)};
  };
  // x's rounding moves the gate and the up by their expected errors e_g, e_u; the
  // output by about |act'(g) u| e_g + |act(g)| e_u (act' <= 1.13 for both), bounded as
  // the single product's (ten times the expected squared error, plus 1e-9 for fp32).
  const HostTensor wg = host::ref::dequantize(c.inputs[0], f, n, k),
                   wu = host::ref::dequantize(c.inputs[1], f, n, k);
  const HostTensor x = product_input(c.inputs[2], norm ? &c.inputs[3] : nullptr, norm, k);
  const HostTensor g = host::ref::matvec(wg, x, n, k), u = host::ref::matvec(wu, x, n, k);
  const HostTensor y = host::ref::gated(ref_act, g, u, 1, n, n, 0);
  const std::vector<double> eg = int8_x_row_errors(wg, x, n, k),
                            eu = int8_x_row_errors(wu, x, n, k);
  double err = 0, sum = 0;
  for (size_t r = 0; r < n; ++r) {
    const double a = y.get(r) / (u.get(r) == 0 ? 1 : u.get(r));  // act(g)
    err += 2 * (1.13 * 1.13 * u.get(r) * u.get(r) * eg[r] + a * a * eu[r]);
    sum += double(y.get(r)) * y.get(r);
  }
  c.max_nmse = 1e-9 + 10 * err / std::max(sum, 1e-30);
  c.bytes = double(2 * n * quant_row_bytes(f, k) + k * 4 + n * 4);
  c.flops = 4.0 * double(n) * double(k);
  return c;
}

OpCase matmul_quant_case(std::mt19937& rng, const QuantFormat& f, size_t t, size_t n, size_t k,
                         kernels::MatmulPath path) {
  OpCase c;
  c.op = "matmul_quant";
  c.shape = fmt::format("{} {} t={} n={} k={}", kernels::matmul_path_name(path),
                        quant_format_name(f), t, n, k);
  c.inputs.push_back(random_tensor(rng, DType::F32, t * k));
  c.inputs.push_back(random_quant_weight(rng, f, n, k));
  c.outputs.push_back({DType::F32, t * n});
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    // Where the device has no tensor cores the engine runs the tiled path.
    const auto p = path == kernels::MatmulPath::Coopmat &&
                           !kernels::matmul_coopmat_supported(s.device().info())
                       ? kernels::MatmulPath::Tiled
                       : path;
    kernels::matmul_quant(s, f, p, in[0], in[1], out[0], uint32_t(t), uint32_t(n), uint32_t(k));
  };
  c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
    host::cpu::linear(cpu, {in[1], DType::U32, f}, reinterpret_cast<const float*>(in[0]), nullptr,
                      reinterpret_cast<float*>(out[0]), t, n, k);
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{
        host::ref::matmul(in[0], host::ref::dequantize(in[1], f, n, k), t, n, k)};
  };
  // The tensor-core path rounds X and the dequantized W to f16.
  c.max_nmse = path == kernels::MatmulPath::Coopmat ? 2e-6 : 1e-9;
  c.bytes = double(t * k * 4 + n * quant_row_bytes(f, k) + t * n * 4);
  c.flops = 2.0 * double(t) * double(n) * double(k);
  return c;
}

OpCase dequantize_case(std::mt19937& rng, const QuantFormat& f, size_t n, size_t k, DType out) {
  OpCase c;
  c.op = "dequantize";
  c.shape = fmt::format("{} -> {} n={} k={}", quant_format_name(f), dtype_name(out), n, k);
  c.inputs.push_back(random_quant_weight(rng, f, n, k));
  c.outputs.push_back({out, n * k});
  c.launch = [=](vk::Stream& s, auto in, auto o) {
    kernels::dequantize(s, f, in[0], o[0], out, uint32_t(n), uint32_t(k));
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{host::ref::dequantize(in[0], f, n, k)};
  };
  // f32: one rounding of scale x code, as the reference's (a table code's product
  // may land an ulp away); f16: one more rounding, about 2^-11 relative.
  c.max_nmse = out == DType::F32 ? 1e-13 : 2e-7;
  c.bytes = double(n * quant_row_bytes(f, k) + n * k * dtype_size(out));
  c.write_bound = true;
  return c;
}

OpCase quantize_case(std::mt19937& rng, DType src, const QuantFormat& f, size_t n, size_t k,
                     bool against_input) {
  OpCase c;
  c.op = "quantize";
  c.shape = fmt::format("{} -> {} n={} k={}{}", dtype_name(src), quant_format_name(f), n, k,
                        against_input ? " vs the input" : "");
  HostTensor w = random_tensor(rng, src, n * k);
  // Groups of one sign (all positive, all negative) besides mixed ones.
  for (size_t j = 0; j < 32 && j < k; ++j) {
    w.set(j, std::abs(w.get(j)) + 0.5f);
    if (n > 1) w.set(k + j, -std::abs(w.get(k + j)) - 0.5f);
  }
  c.inputs.push_back(w);
  HostTensor eye(DType::F32, k * k);
  for (size_t i = 0; i < k; ++i) eye.set(i * k + i, 1.0f);
  c.inputs.push_back(eye);
  c.inputs.push_back(HostTensor(DType::U32, n * quant_row_bytes(f, k) / 4));  // scratch
  c.outputs.push_back({DType::F32, k * n});
  // The packed weight is checked through its values: quantize, then W^T = I W^T on
  // the exact tiled path (a division or a tie rounding differently moves one code).
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::quantize(s, src, f, in[0], in[2], uint32_t(n), uint32_t(k));
    s.barrier();
    kernels::matmul_quant(s, f, kernels::MatmulPath::Tiled, in[1], in[2], out[0], uint32_t(k),
                          uint32_t(n), uint32_t(k));
  };
  // The CPU quantizer (layers the CPU computes), checked through its values the same way.
  c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
    host::cpu::quantize_rows(cpu, src, in[0], f, n, k, in[2]);
    const size_t row = quant_row_bytes(f, k);
    std::vector<float> w(k);
    auto* wt = reinterpret_cast<float*>(out[0]);
    for (size_t r = 0; r < n; ++r) {
      host::cpu::dequantize_row(f, k, in[2] + r * row, w.data());
      for (size_t j = 0; j < k; ++j) wt[j * n + r] = w[j];
    }
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    const HostTensor w =
        against_input ? in[0] : host::ref::dequantize(host::ref::quantize(in[0], f, n, k), f, n, k);
    HostTensor wt(DType::F32, k * n);
    for (size_t r = 0; r < n; ++r)
      for (size_t j = 0; j < k; ++j) wt.set(j * n + r, w.get(r * k + j));
    return std::vector<HostTensor>{wt};
  };
  // Against the reference quantizer: a division or a tie may round one code (or a
  // group's zero) the other way. Against the input: the quantization error of
  // uniform data (q4 ~ (range / 15)^2 / 12, q8 ~ (range / 255)^2 / 12 relative to
  // its variance), which a wrong scale, zero or clamp exceeds by far.
  c.max_nmse = against_input ? (f.bits == 4 ? 1e-2 : 1e-4) : (f.bits == 4 ? 1e-3 : 1e-4);
  c.bytes = double(n * k * dtype_size(src) + n * quant_row_bytes(f, k));
  c.write_bound = true;
  return c;
}

std::vector<QuantFormat> quant_test_formats() {
  using C = QuantCodes;
  return {
      quant_q8(),
      quant_q4(),
      {.bits = 4, .codes = C::Int, .group = 64, .scale_f16 = false, .zeros = true},  // GPTQ asym
      {.bits = 4, .codes = C::Int, .group = 128, .scale_f16 = false, .zero = 8},     // GPTQ sym
      {.bits = 8, .codes = C::Int, .group = 64, .scale_f16 = false, .zeros = true},  // GPTQ 8-bit
      {.bits = 4, .codes = C::NF4, .group = 64, .scale_f16 = false},                 // bnb NF4
      {.bits = 4, .codes = C::FP4, .group = 64, .scale_f16 = false},                 // bnb FP4
      {.bits = 8, .codes = C::FP8E4M3, .group = 128, .scale_f16 = false},            // FP8 blocks
  };
}

}  // namespace vkllm::harness
