// The op cases: one builder per op (in cases_<family>.cpp), and the lists the
// correctness test and the perf mode run.
#pragma once

#include <optional>
#include <random>
#include <vector>

#include "engine/base/quant.h"
#include "engine/kernels/activation.h"
#include "engine/kernels/elementwise.h"
#include "engine/kernels/lora.h"
#include "engine/kernels/matmul.h"
#include "engine/kernels/matvec.h"
#include "engine/kernels/quant.h"
#include "tests/harness/harness.h"

namespace vkllm::harness {

OpCase convert_case(std::mt19937& rng, DType from, DType to, size_t n);
OpCase binary_case(std::mt19937& rng, kernels::BinaryOp op, DType t, size_t n);
OpCase matvec_case(std::mt19937& rng, DType w, size_t n, size_t k,
                   kernels::MatvecTuning tuning = {});
// y = W x + r (the residual add fused into an output projection).
// x [cols, k] -> y [cols, n]: the batched matvec of a decode step over several sequences.
OpCase matvec_batch_case(std::mt19937& rng, DType w, size_t n, size_t k, uint32_t cols);
OpCase matvec_residual_case(std::mt19937& rng, DType w, size_t n, size_t k);
// act(W x) * (U x) for cols input vectors (kernels::matvec_gated).
OpCase matvec_gated_case(std::mt19937& rng, DType w, kernels::Activation act, size_t n, size_t k,
                         uint32_t cols);

OpCase rmsnorm_case(std::mt19937& rng, DType w, size_t rows, size_t n, bool add_one);
OpCase rope_case(std::mt19937& rng, size_t tokens, size_t heads, size_t head_dim, size_t rot,
                 uint32_t first_pos);
OpCase gated_case(std::mt19937& rng, kernels::Activation act, size_t rows, size_t n, bool fused);
OpCase embed_case(std::mt19937& rng, DType table_type, size_t vocab, size_t hidden, size_t tokens,
                  float scale);
OpCase bias_case(std::mt19937& rng, DType b, size_t rows, size_t n);
OpCase softcap_case(std::mt19937& rng, size_t n, float cap);
OpCase argmax_case(std::mt19937& rng, size_t rows, size_t n, bool ties);

// A LoRA pair merged into W [rows, cols] (in place when out == w), or DoRA's
// row factors; and the unmerged join of B (A x) to W x.
OpCase lora_merge_case(std::mt19937& rng, DType w, DType out, kernels::LoraMergeMode mode,
                       size_t rows, size_t cols, size_t rank);
OpCase lora_combine_case(std::mt19937& rng, bool dora, size_t rows, size_t n);

// Quantized weights (engine/base/quant.h): random packed weights of every layout
// the loaders produce, through the matvec (with and without the residual), the
// matmul paths, and quantize-at-load (checked through the values it encodes).
std::vector<QuantFormat> quant_test_formats();
HostTensor random_quant_weight(std::mt19937& rng, const QuantFormat& f, size_t n, size_t k);
// precision F16: x rounded to 8 bits where the device has integer dot products
// (kernels::matvec_quant_int8), bounded by its rounding error.
// An RMSNorm folded into the int8 kernel's x: its weight's type, Gemma's 1 + w.
struct CaseNorm {
  DType dtype = DType::F32;
  bool add_one = false;
};
// `tuning` overrides the kernel's own launch shape (named in the case's shape); `norm`
// normalizes x in the kernel (a last input: the norm weight).
OpCase matvec_quant_case(std::mt19937& rng, const QuantFormat& f, size_t n, size_t k, bool residual,
                         kernels::MatmulPrecision precision = kernels::MatmulPrecision::F32,
                         std::optional<kernels::QuantMatvecTuning> tuning = std::nullopt,
                         std::optional<CaseNorm> norm = std::nullopt);
// act(W x) * (U x) on the int8 kernel (only where the device takes it).
OpCase matvec_quant_gated_case(std::mt19937& rng, const QuantFormat& f, kernels::Activation act,
                               size_t n, size_t k,
                               std::optional<kernels::QuantMatvecTuning> tuning = std::nullopt,
                               std::optional<CaseNorm> norm = std::nullopt);
OpCase matmul_quant_case(std::mt19937& rng, const QuantFormat& f, size_t t, size_t n, size_t k,
                         kernels::MatmulPath path);
// The weight dequantized into f32 or f16 [n, k] (kernels::dequantize).
OpCase dequantize_case(std::mt19937& rng, const QuantFormat& f, size_t n, size_t k, DType out);
// against_input: compared with the weights it started from (quantization error),
// else with the reference quantizer's output.
OpCase quantize_case(std::mt19937& rng, DType src, const QuantFormat& f, size_t n, size_t k,
                     bool against_input);

// Y = X W^T for prefill: X [t, k] f32, W [n, k]. Precision F16 asks for the
// cooperative-matrix path ("coopmat" in the shape); a device without it runs the
// fp32 path, as the engine would.
OpCase matmul_case(std::mt19937& rng, DType w, size_t t, size_t n, size_t k,
                   kernels::MatmulPrecision precision = kernels::MatmulPrecision::F32);
// The same with the kernel named ("tiled", "subgroup" or "coopmat" in the shape); a
// device without it runs what the engine would instead. `tuning`: the subgroup
// kernel's tiles, else the device's defaults.
OpCase matmul_case(std::mt19937& rng, DType w, size_t t, size_t n, size_t k,
                   kernels::MatmulPath path,
                   std::optional<kernels::MatmulTuning> tuning = std::nullopt);
// The tensor-core matmul with the tiles given (a device without it runs the fp32
// path); and the tilings the perf sweep tries (each fits 48 KiB of shared memory).
OpCase matmul_coopmat_case(std::mt19937& rng, DType w, size_t t, size_t n, size_t k,
                           kernels::CoopmatTiles tiles);
std::vector<kernels::CoopmatTiles> coopmat_tilings();
// The tensor-core matmul with K split for few rows: `splits` ranges, 0:
// kernels::matmul_splits' choice (a count whose ranges are multiples of 32).
OpCase matmul_split_case(std::mt19937& rng, DType w, size_t t, size_t n, size_t k,
                         uint32_t splits = 0);
// Every matmul kernel at awkward shapes; and at the prefill shapes of an 8B model.
std::vector<OpCase> matmul_cases(std::mt19937& rng);
std::vector<OpCase> matmul_perf_cases(std::mt19937& rng);

// Attention: `tokens` queries at positions first_pos.. against a cache holding
// every position up to the last query (engine/kernels/attention.h). With several
// sequences, query t belongs to sequence (sequences - 1 - t % sequences), whose
// rows start at its index * max_pos (a batched step over separate caches).
struct AttentionCaseShape {
  DType cache = DType::F16;
  size_t tokens = 1, heads = 1, kv_heads = 1, head_dim = 64;
  size_t sequences = 1;
  size_t padded = 0;  // trailing tokens at pos >= max_pos (padding: zeros, no keys)
  uint32_t first_pos = 0;
  uint32_t window = 0;       // 0: no sliding window
  float softcap = 0;         // 0: off
  float scale = 0;           // 0: 1/sqrt(head_dim)
  bool tensor_cores = true;  // prefill: false keeps the fp32 kernel where the device has them
  float key_ramp = 0;        // prefill: key row j scaled by 1 + ramp j / rows (scores grow late)
};
// sequences > 1: token t goes to sequence t % sequences of a cache of that many.
OpCase kv_append_case(std::mt19937& rng, DType cache, size_t tokens, size_t kv_heads,
                      size_t head_dim, uint32_t first_pos, size_t sequences = 1);
// rope of q and k and the append of k and v in one kernel (kernels::rope_append):
// partial rotation where rot < head_dim, positions in any order.
OpCase rope_append_case(std::mt19937& rng, DType cache, size_t tokens, size_t heads,
                        size_t kv_heads, size_t head_dim, size_t rot, uint32_t first_pos,
                        size_t sequences = 1);
// with_append (one sequence only): the launch appends this chunk (and the previous
// one) first.
OpCase attention_prefill_case(std::mt19937& rng, const AttentionCaseShape& a, bool with_append);
// splits 0: kernels::decode_splits' default.
OpCase attention_decode_case(std::mt19937& rng, const AttentionCaseShape& a, uint32_t splits);

// Awkward shapes (1, 7, 31, 33, 4097, ...) for every op, dtype and kernel variant.
std::vector<OpCase> correctness_cases(uint32_t seed);
// Large shapes for the perf mode (the decode shapes of an 8B model).
std::vector<OpCase> perf_cases(uint32_t seed);

}  // namespace vkllm::harness
