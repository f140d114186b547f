// Kernels over quantized weights (engine/base/quant.h): the decode matvec and the
// prefill matmul with dequantization fused into their loads (registers for the
// matvec; shared-memory tiles, or the f16 tiles of the tensor-core path, for the
// matmul), and quantize-at-load from f32/f16/bf16 into the engine's q8/q4.
#pragma once

#include "engine/base/dtype.h"
#include "engine/base/quant.h"
#include "engine/kernels/activation.h"
#include "engine/kernels/matmul.h"
#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

// A row's geometry as the shaders take it (push constants).
struct QuantGeom {
  uint32_t row_words, scale_word, zero_byte;
};
QuantGeom quant_geom(const QuantFormat& f, uint32_t k);

// Throws Error naming `what` unless the format can hold a weight with k columns.
void check_quant_shape(const QuantFormat& f, uint32_t k, const char* what);

// The quantized matvec's launch shape: a workgroup of `workgroup` threads computes
// `rows` rows, each thread with `unroll` pieces of `vec` code words (1, 2 or 4: 4-,
// 8- or 16-byte loads) of each row in flight. The int8 kernel takes `batches` batches
// of `rows` rows per workgroup, one after the other (x written once for all); `int8`
// asks for it where it applies (matvec_quant_int8).
struct QuantMatvecTuning {
  uint32_t workgroup = 128;
  uint32_t rows = 4;
  uint32_t unroll = 2;
  uint32_t vec = 1;
  uint32_t batches = 1;
  bool int8 = false;
};
// The tuning matvec_quant takes for a weight [n, k] of format f: 16-byte loads, 8 rows
// of one load each in flight per thread, as many threads (128 or 256) as a row has
// loads (the H100 sweep's best for a 4-bit 4096 x 14336: docs/PERFORMANCE.md,
// "Quantized weights"; vkllm-bench-ops --sweep-quant sweeps them).
QuantMatvecTuning quant_matvec_tuning(const QuantFormat& f, uint32_t n, uint32_t k);

// Whether a quantized product may sum with integer dot products (matvec_quant_dot.comp),
// x written as two 8-bit parts per block of 32 (closer to x than f16: |error| <= max|x|
// of the block / 64516): where `precision` is F16 (the engine's default, whose
// tensor-core matmuls round x to f16), the device has 4 x 8-bit dot products, the codes
// are integers in groups of a multiple of 32, and x's parts fit in shared memory.
// The engine takes it for the gated pair (matvec_quant_gated), and matvec_quant where
// a norm is folded in or the tuning asks: a single product is faster on the fp32
// kernel (H100, docs/PERFORMANCE.md), whose every code meets x exactly.
bool matvec_quant_int8(const vk::DeviceInfo& device, const QuantFormat& f, uint32_t k,
                       MatmulPrecision precision);
// The int8 kernel's launch shape (workgroup, rows and batches; unroll and vec unused).
QuantMatvecTuning quant_matvec_int8_tuning(const QuantFormat& f, uint32_t n, uint32_t k);

// An RMSNorm folded into the int8 kernel's x: x / sqrt(mean(x^2) + eps) * w, w [k] of
// type `dtype` (stored as w - 1 with add_one, Gemma), as kernels::rmsnorm computes it.
struct MatvecNorm {
  vk::BufferRange w;
  DType dtype = DType::F32;
  bool add_one = false;
  float eps = 0;
};

// y [n] = W x (+ r with `residual`): W quantized [n, k], x [k], y and r [n] f32.
// `tuning` overrides quant_matvec_tuning (the benchmark's sweep; int8 for the int8
// kernel). `norm` normalizes x first: only on the int8 kernel (matvec_quant_int8) and
// without r.
void matvec_quant(vk::Stream& s, const QuantFormat& f, const vk::BufferRange& w,
                  const vk::BufferRange& x, const vk::BufferRange* r, const vk::BufferRange& y,
                  uint32_t n, uint32_t k, MatmulPrecision precision,
                  const QuantMatvecTuning* tuning = nullptr, const MatvecNorm* norm = nullptr);

// y = act(W x) * (U x): a gated MLP's gate (W) and up (U) projections, both quantized
// [n, k] of format f, and its activation in one pass on the int8 kernel (x written once
// for both; a decode step saves the activation's dispatch and a dependent barrier).
// Only where matvec_quant_int8(device, f, k, F16) holds.
void matvec_quant_gated(vk::Stream& s, const QuantFormat& f, Activation act,
                        const vk::BufferRange& w, const vk::BufferRange& u,
                        const vk::BufferRange& x, const vk::BufferRange& y, uint32_t n, uint32_t k,
                        const QuantMatvecTuning* tuning = nullptr,
                        const MatvecNorm* norm = nullptr);

// Y [t, n] = X W^T, W quantized [n, k]: the tensor-core path where `path` is
// Coopmat (W rounded to f16 after dequantization, as an f32 weight would be), else
// the tiled fp32 path.
void matmul_quant(vk::Stream& s, const QuantFormat& f, MatmulPath path, const vk::BufferRange& x,
                  const vk::BufferRange& w, const vk::BufferRange& y, uint32_t t, uint32_t n,
                  uint32_t k);

// The matmul path for a quantized weight: tensor cores where `precision` allows
// f16 inputs and the device has them, else the tiled fp32 path.
MatmulPath matmul_quant_path(const vk::DeviceInfo& device, MatmulPrecision precision);

// out [n, k] f32 or f16 (out_type) = the quantized w [n, k] of format f dequantized
// as the matmuls read it (the f16 copy rounds each weight as the tensor-core path
// does): a prompt's product of a quantized weight on the float matmul.
void dequantize(vk::Stream& s, const QuantFormat& f, const vk::BufferRange& w,
                const vk::BufferRange& out, DType out_type, uint32_t n, uint32_t k);

// dst (f's layout, n rows) = src [n, k] of dtype `src_type` quantized into q8 or q4
// (quant_q8(), quant_q4()); k a multiple of 128.
void quantize(vk::Stream& s, DType src_type, const QuantFormat& f, const vk::BufferRange& src,
              const vk::BufferRange& dst, uint32_t n, uint32_t k);

}  // namespace vkllm::kernels
