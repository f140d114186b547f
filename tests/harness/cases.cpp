#include "tests/harness/cases.h"

namespace vkllm::harness {

namespace {
constexpr DType kTypes[] = {DType::F32, DType::F16, DType::BF16};
}

std::vector<OpCase> correctness_cases(uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<OpCase> cases;
  for (size_t n : {1, 7, 31, 33, 4097, 70001})
    for (DType from : kTypes) {
      for (DType to : kTypes)
        if (from != to) cases.push_back(convert_case(rng, from, to, n));
      cases.push_back(binary_case(rng, kernels::BinaryOp::Add, from, n));
      cases.push_back(binary_case(rng, kernels::BinaryOp::Mul, from, n));
    }
  // (n, k): scalar path (k not a multiple of 8), vector path (k multiple of 8),
  // and row counts that are not multiples of the rows per workgroup.
  const std::pair<size_t, size_t> shapes[] = {
      {1, 1},     {7, 31},     {31, 7},    {33, 4097}, {4097, 33}, {1, 8},    {5, 16},
      {33, 1032}, {129, 4104}, {300, 512}, {3, 14336}, {5, 4392},  {2, 16424}};
  for (DType w : kTypes)
    for (auto [n, k] : shapes) cases.push_back(matvec_case(rng, w, n, k));
  // Other tunings of the same kernel, as the perf sweep uses them.
  for (DType w : kTypes)
    for (kernels::MatvecTuning t :
         {kernels::MatvecTuning{64, 1, 1}, kernels::MatvecTuning{256, 8, 2},
          kernels::MatvecTuning{128, 2, 8}, kernels::MatvecTuning{32, 3, 3}}) {
      cases.push_back(matvec_case(rng, w, 37, 1048, t));
      cases.push_back(matvec_case(rng, w, 11, 333, t));
      cases.push_back(matvec_case(rng, w, 9, 8 * (t.workgroup * t.unroll * 2 + 5), t));
    }
  for (DType w : kTypes)
    for (auto [rows, n] : {std::pair<size_t, size_t>{1, 1}, {7, 33}, {3, 4097}, {33, 64}}) {
      cases.push_back(rmsnorm_case(rng, w, rows, n, false));
      cases.push_back(rmsnorm_case(rng, w, rows, n, true));
    }
  // head_dim 16, 64, 128 and partial rotation; positions up to ~33k.
  cases.push_back(rope_case(rng, 1, 1, 2, 2, 0));
  cases.push_back(rope_case(rng, 7, 3, 16, 16, 5));
  cases.push_back(rope_case(rng, 33, 5, 128, 128, 4000));
  cases.push_back(rope_case(rng, 3, 31, 64, 48, 33000));
  for (auto act : {kernels::Activation::SiLU, kernels::Activation::GeluTanh})
    for (bool fused : {false, true}) {
      cases.push_back(gated_case(rng, act, 1, 1, fused));
      cases.push_back(gated_case(rng, act, 7, 4097, fused));
      cases.push_back(gated_case(rng, act, 33, 31, fused));
    }
  for (DType t : kTypes) {
    cases.push_back(embed_case(rng, t, 1, 1, 1, 1.0f));
    cases.push_back(embed_case(rng, t, 509, 33, 7, 1.0f));
    cases.push_back(embed_case(rng, t, 4097, 31, 70, 5.656854f));
  }
  cases.push_back(softcap_case(rng, 1, 30.0f));
  cases.push_back(softcap_case(rng, 4097, 50.0f));
  for (auto [rows, n] : {std::pair<size_t, size_t>{1, 1}, {3, 509}, {7, 4097}, {2, 128256}}) {
    cases.push_back(argmax_case(rng, rows, n, false));
    cases.push_back(argmax_case(rng, rows, n, true));
  }
  return cases;
}

std::vector<OpCase> perf_cases(uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<OpCase> cases;
  const size_t n = 64ull << 20;  // 64 Mi elements
  cases.push_back(convert_case(rng, DType::F32, DType::BF16, n));
  cases.push_back(convert_case(rng, DType::BF16, DType::F32, n));
  cases.push_back(binary_case(rng, kernels::BinaryOp::Add, DType::F32, n));
  cases.push_back(binary_case(rng, kernels::BinaryOp::Mul, DType::BF16, n));
  for (DType w : kTypes) {
    cases.push_back(matvec_case(rng, w, 14336, 4096));
    cases.push_back(matvec_case(rng, w, 4096, 14336));
  }
  return cases;
}

}  // namespace vkllm::harness
