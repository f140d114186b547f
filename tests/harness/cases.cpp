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
  for (DType w : kTypes)
    for (uint32_t cols : {2u, 3u, 8u}) {
      cases.push_back(matvec_batch_case(rng, w, 37, 1048, cols));     // vectorized
      cases.push_back(matvec_batch_case(rng, w, 9, 333, cols));       // scalar
      cases.push_back(matvec_batch_case(rng, w, 6, 4104 + 8, cols));  // several rounds, a tail
    }
  for (DType w : kTypes)
    for (auto [n, k] : {std::pair<size_t, size_t>{1, 7}, {33, 4097}, {4097, 64}})
      cases.push_back(matvec_residual_case(rng, w, n, k));
  for (DType w : kTypes)
    for (auto act : {kernels::Activation::SiLU, kernels::Activation::GeluTanh})
      for (uint32_t cols : {1u, 3u}) {
        cases.push_back(matvec_gated_case(rng, w, act, 1, 7, cols));
        cases.push_back(matvec_gated_case(rng, w, act, 33, 4097, cols));      // scalar
        cases.push_back(matvec_gated_case(rng, w, act, 37, 4104 + 8, cols));  // vectorized, a tail
      }
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
    for (auto [rows, n] :
         {std::pair<size_t, size_t>{1, 1}, {7, 33}, {3, 4097}, {33, 64}, {1, 1500}}) {
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
  for (DType t : kTypes) {
    cases.push_back(bias_case(rng, t, 1, 1));
    cases.push_back(bias_case(rng, t, 7, 33));
    cases.push_back(bias_case(rng, t, 3, 4097));
  }
  cases.push_back(softcap_case(rng, 1, 30.0f));
  cases.push_back(softcap_case(rng, 4097, 50.0f));
  for (auto [rows, n] :
       {std::pair<size_t, size_t>{1, 1}, {3, 509}, {7, 4097}, {13, 1000}, {2, 128256}}) {
    cases.push_back(argmax_case(rng, rows, n, false));
    cases.push_back(argmax_case(rng, rows, n, true));
  }
  for (auto& c : matmul_cases(rng)) cases.push_back(std::move(c));
  using M = kernels::LoraMergeMode;
  for (DType w : kTypes)
    for (DType out : kTypes)
      for (M mode : {M::Merge, M::DoraMerge, M::DoraFactor}) {
        // In place, or widened to f32; DoRA's factors are f32 whatever the weight.
        if ((out != w && out != DType::F32) || (out != w && mode == M::DoraFactor)) continue;
        // Ranks 1..65 and rows/columns that divide no workgroup.
        cases.push_back(lora_merge_case(rng, w, out, mode, 1, 1, 1));
        cases.push_back(lora_merge_case(rng, w, out, mode, 33, 257, 8));
        cases.push_back(lora_merge_case(rng, w, out, mode, 7, 1031, 65));
        cases.push_back(lora_merge_case(rng, w, out, mode, 70, 4099, 3));
      }
  for (const QuantFormat& f : quant_test_formats()) {
    // k: one group, several, and a k that is not a multiple of 128; rows past a workgroup.
    for (size_t k : {size_t(f.group), 3 * size_t(f.group), 11 * size_t(f.group)})
      for (size_t n : {1, 7, 33}) {
        if (k % 32) continue;
        cases.push_back(matvec_quant_case(rng, f, n, k, false));
        if (n == 7) cases.push_back(matvec_quant_case(rng, f, n, k, true));
        // The int8 kernel: x in 8 bits where the device has the dot products.
        cases.push_back(matvec_quant_case(rng, f, n, k, n == 7, kernels::MatmulPrecision::F16,
                                          kernels::quant_matvec_int8_tuning(f, n, k)));
      }
    // Blocks past two workgroups' worth (263 blocks of 32, 256 threads).
    if (f.group <= 64)
      cases.push_back(matvec_quant_case(
          rng, f, 9, 263 * 32 / f.group * f.group, false, kernels::MatmulPrecision::F16,
          kernels::quant_matvec_int8_tuning(f, 9, 263 * 32 / f.group * f.group)));
    // Gate and up in one pass, where the codes are integers (the int8 kernel's).
    if (f.codes == QuantCodes::Int)
      for (auto act : {kernels::Activation::SiLU, kernels::Activation::GeluTanh}) {
        cases.push_back(matvec_quant_gated_case(rng, f, act, 7, 3 * f.group));
        cases.push_back(matvec_quant_gated_case(rng, f, act, 37, 263 * 32 / f.group * f.group));
      }
    // The int8 kernel's batches of rows: 3 batches of 4 rows a workgroup, the second
    // workgroup's last batch partial (29 rows), fewer threads than blocks.
    if (f.codes == QuantCodes::Int && f.group % 32 == 0) {
      const kernels::QuantMatvecTuning batched{
          .workgroup = 64, .rows = 4, .unroll = 1, .vec = 4, .batches = 3, .int8 = true};
      const size_t k = 263 * 32 / f.group * f.group;
      cases.push_back(
          matvec_quant_case(rng, f, 29, k, true, kernels::MatmulPrecision::F16, batched));
      cases.push_back(matvec_quant_gated_case(rng, f, kernels::Activation::SiLU, 29, k, batched));
      // With the RMSNorm of x folded in, each norm weight type, Gemma's 1 + w once.
      for (DType nw : {DType::F32, DType::F16, DType::BF16}) {
        const CaseNorm norm{nw, nw == DType::BF16};
        cases.push_back(
            matvec_quant_case(rng, f, 29, k, false, kernels::MatmulPrecision::F16, batched, norm));
        cases.push_back(matvec_quant_gated_case(rng, f, kernels::Activation::GeluTanh, 7,
                                                5 * f.group, std::nullopt, norm));
      }
    }
    for (auto path : {kernels::MatmulPath::Tiled, kernels::MatmulPath::Coopmat})
      for (auto [t, n] : {std::pair<size_t, size_t>{1, 7}, {33, 65}, {130, 129}})
        cases.push_back(matmul_quant_case(rng, f, t, n, 3 * f.group, path));
    for (DType out : {DType::F32, DType::F16}) {
      cases.push_back(dequantize_case(rng, f, 1, f.group, out));
      cases.push_back(dequantize_case(rng, f, 37, 3 * f.group, out));
    }
  }
  for (DType t : kTypes)
    for (const QuantFormat& f : {quant_q8(), quant_q4()})
      for (auto [n, k] : {std::pair<size_t, size_t>{1, 128}, {7, 384}, {33, 256}})
        for (bool against_input : {false, true})
          cases.push_back(quantize_case(rng, t, f, n, k, against_input));
  for (bool dora : {false, true}) {
    cases.push_back(lora_combine_case(rng, dora, 1, 1));
    cases.push_back(lora_combine_case(rng, dora, 7, 4097));
    cases.push_back(lora_combine_case(rng, dora, 33, 31));
  }
  for (DType c : {DType::F16, DType::F32}) {
    cases.push_back(kv_append_case(rng, c, 1, 1, 1, 0));
    cases.push_back(kv_append_case(rng, c, 13, 3, 64, 7));
    cases.push_back(kv_append_case(rng, c, 14, 2, 128, 0));
    cases.push_back(kv_append_case(rng, c, 11, 2, 24, 30, 3));  // a batched step
    cases.push_back(rope_append_case(rng, c, 1, 1, 1, 2, 2, 0));
    cases.push_back(rope_append_case(rng, c, 7, 8, 2, 64, 64, 40));
    cases.push_back(rope_append_case(rng, c, 13, 6, 3, 96, 48, 5));      // partial rotation
    cases.push_back(rope_append_case(rng, c, 5, 4, 1, 128, 128, 9, 3));  // a batched step
  }
  using A = AttentionCaseShape;
  const A attention[] = {
      {.tokens = 1, .heads = 1, .kv_heads = 1, .head_dim = 1},
      {.tokens = 7, .heads = 4, .kv_heads = 4, .head_dim = 64},
      {.tokens = 33, .heads = 8, .kv_heads = 2, .head_dim = 128, .first_pos = 5},  // GQA
      {.tokens = 31, .heads = 6, .kv_heads = 1, .head_dim = 96, .first_pos = 17},  // MQA
      {.tokens = 40, .heads = 4, .kv_heads = 2, .head_dim = 32, .first_pos = 3, .window = 9},
      {.tokens = 17,
       .heads = 2,
       .kv_heads = 1,
       .head_dim = 256,
       .first_pos = 20,
       .softcap = 50.0f,
       .scale = 0.0625f},
  };
  for (DType c : {DType::F16, DType::F32})
    for (A a : attention) {
      a.cache = c;
      cases.push_back(attention_prefill_case(rng, a, false));
      cases.push_back(attention_prefill_case(rng, a, true));
    }
  // The fp32 prefill kernel where the device would take tensor cores; and query tiles
  // of the tensor-core kernel (64) with a partial last one, deep into the cache, over
  // many key tiles, with keys that grow with position so that later tiles raise the
  // running maximum past the kernel's lazy threshold (its rescaling path).
  for (A a : attention) {
    a.tensor_cores = false;
    cases.push_back(attention_prefill_case(rng, a, false));
  }
  cases.push_back(attention_prefill_case(
      rng, {.tokens = 150, .heads = 4, .kv_heads = 2, .head_dim = 128, .first_pos = 70}, true));
  cases.push_back(attention_prefill_case(
      rng,
      {.tokens = 100, .heads = 2, .kv_heads = 1, .head_dim = 80, .first_pos = 33, .window = 45},
      false));
  for (DType c : {DType::F16, DType::F32})
    cases.push_back(attention_prefill_case(rng,
                                           {.cache = c,
                                            .tokens = 130,
                                            .heads = 4,
                                            .kv_heads = 1,
                                            .head_dim = 64,
                                            .first_pos = 300,
                                            .key_ramp = 6.0f},
                                           false));
  // Queries of several sequences in one launch (tiles mix sequences).
  for (DType c : {DType::F16, DType::F32}) {
    cases.push_back(attention_prefill_case(rng,
                                           {.cache = c,
                                            .tokens = 37,
                                            .heads = 4,
                                            .kv_heads = 2,
                                            .head_dim = 64,
                                            .sequences = 3,
                                            .padded = 2,
                                            .first_pos = 9,
                                            .window = 20},
                                           false));
    cases.push_back(attention_prefill_case(
        rng, {.cache = c, .tokens = 5, .heads = 2, .kv_heads = 1, .head_dim = 40, .sequences = 5},
        false));
    // Few (token, kv head) pairs deep into the cache: the CPU cuts the keys into
    // chunks and merges their softmaxes (host/cpu/attention.cpp); more query heads per
    // kv head than one dot takes; a padded row among sequences.
    cases.push_back(attention_prefill_case(
        rng,
        {.cache = c, .tokens = 1, .heads = 8, .kv_heads = 2, .head_dim = 128, .first_pos = 1300},
        false));
    cases.push_back(attention_prefill_case(rng,
                                           {.cache = c,
                                            .tokens = 1,
                                            .heads = 12,
                                            .kv_heads = 1,
                                            .head_dim = 64,
                                            .first_pos = 1100,
                                            .window = 1000,
                                            .softcap = 30.0f},
                                           false));
    cases.push_back(attention_prefill_case(rng,
                                           {.cache = c,
                                            .tokens = 3,
                                            .heads = 4,
                                            .kv_heads = 1,
                                            .head_dim = 32,
                                            .sequences = 3,
                                            .padded = 1,
                                            .first_pos = 600},
                                           false));
  }
  // Decode: one query deep into the cache, with default and awkward splits.
  const A decode[] = {
      {.tokens = 1, .heads = 1, .kv_heads = 1, .head_dim = 1},
      {.tokens = 1, .heads = 8, .kv_heads = 2, .head_dim = 128, .first_pos = 300},
      {.tokens = 1, .heads = 4, .kv_heads = 4, .head_dim = 64, .first_pos = 1000, .window = 129},
      {.tokens = 3, .heads = 6, .kv_heads = 3, .head_dim = 256, .first_pos = 77, .softcap = 30.0f},
      // More query heads per kv head than one workgroup takes (two groups of 8 and 4).
      {.tokens = 2, .heads = 12, .kv_heads = 1, .head_dim = 64, .first_pos = 50},
      // A batched decode step: one query of each of 6 sequences, at different depths.
      {.tokens = 6,
       .heads = 8,
       .kv_heads = 2,
       .head_dim = 64,
       .sequences = 6,
       .padded = 1,
       .first_pos = 150},
      {.tokens = 9,
       .heads = 4,
       .kv_heads = 4,
       .head_dim = 32,
       .sequences = 4,
       .first_pos = 40,
       .window = 17},
  };
  for (DType c : {DType::F16, DType::F32})
    for (A a : decode) {
      a.cache = c;
      cases.push_back(attention_decode_case(rng, a, 0));
      cases.push_back(attention_decode_case(rng, a, 7));
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
    cases.push_back(matvec_gated_case(rng, w, kernels::Activation::SiLU, 14336, 4096, 1));
    for (uint32_t cols : {2u, 4u, 8u})
      cases.push_back(matvec_batch_case(rng, w, 14336, 4096, cols));
  }
  // A batched decode step through the 8B projections, by split count (1: none).
  for (size_t t : {16, 64})
    for (uint32_t splits : {1u, 2u, 4u, 8u, 16u}) {
      cases.push_back(matmul_split_case(rng, DType::BF16, t, 14336, 4096, splits));
      cases.push_back(matmul_split_case(rng, DType::BF16, t, 4096, 14336, splits));
    }
  // Quantized weights at the same shapes: bytes count the packed layout read.
  for (const QuantFormat& f : {quant_q8(), quant_q4()}) {
    // The fp32 kernel (the engine's for one product), then the int8 one (its tuning).
    for (auto [n, k] : {std::pair<size_t, size_t>{14336, 4096}, {4096, 14336}}) {
      cases.push_back(matvec_quant_case(rng, f, n, k, false));
      cases.push_back(matvec_quant_case(rng, f, n, k, false, kernels::MatmulPrecision::F16,
                                        kernels::quant_matvec_int8_tuning(f, n, k)));
    }
    cases.push_back(matvec_quant_gated_case(rng, f, kernels::Activation::SiLU, 14336, 4096));
    // The same with the ffn norm folded in (what a decode step runs): its cost.
    cases.push_back(matvec_quant_gated_case(rng, f, kernels::Activation::SiLU, 14336, 4096,
                                            std::nullopt, CaseNorm{DType::BF16, false}));
    cases.push_back(matmul_quant_case(rng, f, 512, 14336, 4096, kernels::MatmulPath::Coopmat));
    // A prompt's product on the float matmul: the weight dequantized first.
    cases.push_back(dequantize_case(rng, f, 14336, 4096, DType::F16));
  }
  // Prefill of 512 tokens through the 8B projections, and its attention.
  for (auto& c : matmul_perf_cases(rng)) cases.push_back(std::move(c));
  // Prefill attention of 512 and 4096 tokens on tensor cores (where the device has
  // them) and on the fp32 kernel.
  for (size_t tokens : {512, 4096})
    for (bool tc : {true, false})
      cases.push_back(attention_prefill_case(
          rng, {.tokens = tokens, .heads = 32, .kv_heads = 8, .head_dim = 128, .tensor_cores = tc},
          false));
  cases.push_back(attention_decode_case(
      rng, {.tokens = 1, .heads = 32, .kv_heads = 8, .head_dim = 128, .first_pos = 4095}, 0));
  return cases;
}

}  // namespace vkllm::harness
