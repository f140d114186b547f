// The CPU backend's per-token kernels (the siblings of engine/kernels' norm, rope,
// activation, embedding, elementwise and LoRA kernels, same layouts): activations
// f32 [rows, n], weights in their stored dtype.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/base/dtype.h"
#include "host/cpu/cpu.h"

namespace vkllm::host::cpu {

// y[t, :] = table[min(ids[t], vocab - 1), :] * scale.
void embed(Cpu& cpu, DType dtype, const void* table, const uint32_t* ids, size_t tokens,
           size_t hidden, size_t vocab, float scale, float* y);

// y = x / sqrt(mean(x^2) + eps) * (w or 1 + w), rows of n.
void rmsnorm(Cpu& cpu, DType w_dtype, const void* w, bool add_one, const float* x, float* y,
             size_t rows, size_t n, float eps);

// x [tokens, heads, head_dim] rotated at positions pos[t] (clamped to max_pos - 1)
// from cos/sin tables [max_pos, rot / 2], pairs (i, i + rot / 2); y another buffer.
void rope(Cpu& cpu, const float* x, const uint32_t* pos, const float* cos, const float* sin,
          float* y, size_t tokens, size_t heads, size_t head_dim, size_t rot, size_t max_pos);

enum class Gate { SiLU, GeluTanh };
// y = act(g) * u, all [rows, n].
void gated(Cpu& cpu, Gate act, const float* g, const float* u, float* y, size_t rows, size_t n);

// x[r, i] += b[i].
void add_bias(DType b_dtype, const void* b, float* x, size_t rows, size_t n);
// y = a + b (y may be a or b).
void add(const float* a, const float* b, float* y, size_t n);
// x = cap * tanh(x / cap).
void softcap(float* x, size_t n, float cap);
// y += u, or with DoRA's factors f [n]: y = f * (y + u).
void lora_combine(float* y, const float* u, const float* f, size_t rows, size_t n);
// y[r, c] = x[r, perm[c]].
void gather_columns(const float* x, const uint32_t* perm, float* y, size_t rows, size_t k);

}  // namespace vkllm::host::cpu
