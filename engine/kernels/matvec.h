// Matrix-vector product for decode: y = W x, W [n, k] row-major (as safetensors
// stores a Linear weight [out, in]) in f32/f16/bf16, x [k] and y [n] in f32; or
// for a small batch of `cols` vectors, x [cols, k] and y [cols, n], each weight
// read once for all of them.
#pragma once

#include "engine/base/dtype.h"
#include "engine/kernels/activation.h"
#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

// Defaults from the H200 sweep (docs/PERFORMANCE.md): 256 threads, 2 rows and 4
// loads in flight per row reach 83% of streaming-read bandwidth on both 8B shapes.
struct MatvecTuning {
  uint32_t workgroup = 256;  // threads per workgroup
  uint32_t rows = 2;         // rows of W per workgroup
  uint32_t unroll = 4;       // 16-byte loads per row in flight per thread
};

// The typed key of a matvec pipeline.
struct MatvecKey {
  DType weight;
  bool vectorized;  // k is a multiple of the 16-byte vector width: 16-byte loads
  MatvecTuning tuning;
  bool residual = false;  // y = W x + r (matvec_residual)
  uint32_t cols = 1;      // input vectors, at most kMaxMatvecCols
  bool gated = false;     // y = act(W x) * (U x) (matvec_gated)
  Activation act = Activation::SiLU;
};

// Up to this many vectors the linear layers of a step take the batched matvec;
// beyond, the split-K matmul. On the H100 (docs/PERFORMANCE.md) an 8B decode step
// of 4 sequences took 12.9 ms on the matvec and 20.0 on the matmul, one of 8 took
// 25.0 and 22.3.
constexpr uint32_t kMatvecBatchLimit = 4;
// The kernel takes up to this many (the harness checks them all).
constexpr uint32_t kMaxMatvecCols = 8;

MatvecKey matvec_key(DType weight, uint32_t k, MatvecTuning tuning = {}, uint32_t cols = 1);
// The key of matvec_gated: each workgroup reads rows of two weights, so half the rows
// of matvec_key's keep as many loads in flight.
MatvecKey matvec_gated_key(DType weight, uint32_t k, Activation act, uint32_t cols = 1);

void matvec(vk::Stream& s, const MatvecKey& key, const vk::BufferRange& w, const vk::BufferRange& x,
            const vk::BufferRange& y, uint32_t n, uint32_t k);

// y = W x + r: the residual add after an output projection, in the same pass
// (a decode step saves a dispatch and a dependent barrier per add). key.residual.
void matvec_residual(vk::Stream& s, const MatvecKey& key, const vk::BufferRange& w,
                     const vk::BufferRange& x, const vk::BufferRange& r, const vk::BufferRange& y,
                     uint32_t n, uint32_t k);

// y = act(W x) * (U x): a gated MLP's gate (W) and up (U) projections, both [n, k] of
// one dtype, and its activation in one pass (a decode step saves the activation's
// dispatch and a dependent barrier). key.gated.
void matvec_gated(vk::Stream& s, const MatvecKey& key, const vk::BufferRange& w,
                  const vk::BufferRange& u, const vk::BufferRange& x, const vk::BufferRange& y,
                  uint32_t n, uint32_t k);

}  // namespace vkllm::kernels
