#include <fmt/format.h>

#include <cstring>
#include "engine/kernels/lora.h"
#include "host/cpu/layers.h"
#include "host/reference/lora.h"
#include "tests/harness/cases.h"

namespace vkllm::harness {

// f32 sums of rank products against double: a few ulps, or one ulp of a rounded
// f16/bf16 output where the sum lands near a rounding boundary.
namespace {
double merge_bound(DType out) {
  switch (out) {
    case DType::F16:
      return 1e-7;
    case DType::BF16:
      return 1e-5;
    default:
      return 1e-11;
  }
}
}  // namespace

OpCase lora_merge_case(std::mt19937& rng, DType w, DType out, kernels::LoraMergeMode mode,
                       size_t rows, size_t cols, size_t rank) {
  static constexpr const char* kModes[] = {"merge", "dora merge", "dora factor"};
  const bool in_place = mode != kernels::LoraMergeMode::DoraFactor && out == w;
  OpCase c;
  c.op = "lora_merge";
  c.shape = fmt::format("{}->{} {} rows={} cols={} rank={}{}", dtype_name(w), dtype_name(out),
                        kModes[uint32_t(mode)], rows, cols, rank, in_place ? " in place" : "");
  c.inputs.push_back(random_tensor(rng, w, rows * cols));
  c.inputs.push_back(random_tensor(rng, DType::F32, rank * cols, 0.5f));
  c.inputs.push_back(random_tensor(rng, DType::F32, rows * rank, 0.5f));
  c.inputs.push_back(random_tensor(rng, DType::F32, rows, 2.0f));
  const bool factor = mode == kernels::LoraMergeMode::DoraFactor;
  c.outputs.push_back(factor ? std::pair{DType::F32, rows} : std::pair{out, rows * cols});
  const kernels::LoraMergeKey key{w, out, mode};
  c.launch = [=](vk::Stream& s, auto in, auto o) {
    const auto r = uint32_t(rows), k = uint32_t(cols), n = uint32_t(rank);
    if (factor) {
      kernels::lora_merge(s, key, in[0], in[1], in[2], in[3], in[2], o[0], r, k, n);
    } else if (in_place) {
      // The engine merges into the uploaded weight itself: out aliases W.
      s.copy_range(in[0], o[0], rows * cols * dtype_size(w));
      s.barrier();
      kernels::lora_merge(s, key, o[0], in[1], in[2], in[3], o[0], in[2], r, k, n);
    } else {
      kernels::lora_merge(s, key, in[0], in[1], in[2], in[3], o[0], in[2], r, k, n);
    }
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{
        host::ref::lora_merge(in[0], in[1], in[2], in[3], int(mode), rows, cols, rank, out)};
  };
  c.max_nmse = factor ? 1e-11 : merge_bound(out);
  c.bytes = double(rows * cols) * double(dtype_size(w) + (factor ? 0 : dtype_size(out)));
  c.flops = 2.0 * double(rows * cols * rank);
  c.write_bound = !factor;
  return c;
}

OpCase lora_combine_case(std::mt19937& rng, bool dora, size_t rows, size_t n) {
  OpCase c;
  c.op = "lora_combine";
  c.shape = fmt::format("{} rows={} n={}", dora ? "dora" : "add", rows, n);
  c.inputs.push_back(random_tensor(rng, DType::F32, rows * n));
  c.inputs.push_back(random_tensor(rng, DType::F32, rows * n));
  c.inputs.push_back(random_tensor(rng, DType::F32, n, 2.0f));
  c.outputs.push_back({DType::F32, rows * n});
  c.launch = [=](vk::Stream& s, auto in, auto o) {
    s.copy_range(in[0], o[0], rows * n * 4);  // in place over y
    s.barrier();
    kernels::lora_combine(s, dora, o[0], in[1], in[2], uint32_t(rows), uint32_t(n));
  };
  c.cpu = [=](host::cpu::Cpu&, auto in, auto out) {
    std::memcpy(out[0], in[0], rows * n * 4);
    host::cpu::lora_combine(reinterpret_cast<float*>(out[0]), reinterpret_cast<const float*>(in[1]),
                            dora ? reinterpret_cast<const float*>(in[2]) : nullptr, rows, n);
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{host::ref::lora_combine(in[0], in[1], in[2], dora, n)};
  };
  c.max_nmse = 1e-13;
  c.bytes = 3.0 * double(rows * n) * 4;
  c.write_bound = true;
  return c;
}

}  // namespace vkllm::harness
