// The op cases: one builder per op (in cases_<family>.cpp), and the lists the
// correctness test and the perf mode run.
#pragma once

#include <random>
#include <vector>

#include "engine/kernels/activation.h"
#include "engine/kernels/elementwise.h"
#include "engine/kernels/matvec.h"
#include "tests/harness/harness.h"

namespace vkllm::harness {

OpCase convert_case(std::mt19937& rng, DType from, DType to, size_t n);
OpCase binary_case(std::mt19937& rng, kernels::BinaryOp op, DType t, size_t n);
OpCase matvec_case(std::mt19937& rng, DType w, size_t n, size_t k,
                   kernels::MatvecTuning tuning = {});

OpCase rmsnorm_case(std::mt19937& rng, DType w, size_t rows, size_t n, bool add_one);
OpCase rope_case(std::mt19937& rng, size_t tokens, size_t heads, size_t head_dim, size_t rot,
                 uint32_t first_pos);
OpCase gated_case(std::mt19937& rng, kernels::Activation act, size_t rows, size_t n, bool fused);
OpCase embed_case(std::mt19937& rng, DType table_type, size_t vocab, size_t hidden, size_t tokens,
                  float scale);
OpCase softcap_case(std::mt19937& rng, size_t n, float cap);
OpCase argmax_case(std::mt19937& rng, size_t rows, size_t n, bool ties);

// Awkward shapes (1, 7, 31, 33, 4097, ...) for every op, dtype and kernel variant.
std::vector<OpCase> correctness_cases(uint32_t seed);
// Large shapes for the perf mode (the decode shapes of an 8B model).
std::vector<OpCase> perf_cases(uint32_t seed);

}  // namespace vkllm::harness
