// The CPU backend's inner products, vectorized with Highway and dispatched at run
// time to the best instruction set the host has (AVX2, AVX-512, ...): rows of a
// weight (f32, f16 or bf16) against up to kMaxDotInputs f32 input rows at once, so
// that a weight row is read once for all of them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/base/dtype.h"
#include "engine/base/quant.h"

namespace vkllm::host::cpu {

constexpr size_t kMaxDotInputs = 4;

// out[j] = sum_c x[j * x_stride + c] * w[c] for j < inputs (1..kMaxDotInputs); w
// holds k elements of `dtype` (F32, F16 or BF16).
void dot_rows(DType dtype, const void* w, const float* x, size_t x_stride, size_t inputs, size_t k,
              float* out);

// dot_rows for one packed row of an integer-coded quantized layout (QuantCodes::Int,
// 4 or 8 bits, groups of a multiple of 32): per group scale x sum((code - zero) x),
// the codes widened and offset in registers. The table formats (NF4, FP4, FP8) are
// not handled here (dequantize the row instead).
// For 4-bit codes x must be in split_pairs order (a byte's two codes pair with one
// even and one odd input, which that order keeps apart in contiguous runs).
void dot_quant_rows(const QuantFormat& f, const std::byte* row, const float* x, size_t x_stride,
                    size_t inputs, size_t k, float* out);

// One row of an integer-coded layout (as dot_quant_rows takes) as f32 scale x (code -
// zero), out [k]; 4-bit rows come out in split_pairs order, to pair with inputs in it.
void dequantize_int_row(const QuantFormat& f, const std::byte* row, size_t k, float* out);

// Each 32 inputs of x [k] as their 16 even-indexed then their 16 odd-indexed
// elements (k a multiple of 32), into out [k].
void split_pairs(const float* x, size_t k, float* out);

// A 4 x 4 tile of a matrix product: out[j * 4 + i] = sum_c x[j * x_stride + c] *
// w[i * k + c] for four f32 weight rows (contiguous, k apart) and four inputs:
// each loaded vector feeds four FMAs.
void dot_tile4(const float* w, const float* x, size_t x_stride, size_t k, float* out);

// out[c] += a * w[c], for c < k.
void axpy_row(DType dtype, const void* w, float a, size_t k, float* out);

// out[j * out_stride + c] += a[j] * w[c], for j < inputs (1..kMaxDotInputs) and
// c < k: one row of `dtype` (a cache's value row) into several outputs.
void axpy_rows(DType dtype, const void* w, const float* a, size_t inputs, size_t k, float* out,
               size_t out_stride);

// out[i] = sum_c x[c] * w[i * k + c] for two consecutive rows of `dtype` (x read
// once for both).
void dot_pair(DType dtype, const void* w, const float* x, size_t k, float* out);

// out[c] = w[c] as f32, for c < k.
void widen_row(DType dtype, const void* w, size_t k, float* out);

// The instruction set the dispatch picked ("AVX3", "AVX2", ...).
const char* simd_target();

}  // namespace vkllm::host::cpu
