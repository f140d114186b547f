// The CPU backend's attention over its own KV caches, with the layouts, places,
// masking and padding of engine/kernels/attention.h: one routine serves prefill
// and decode (each query's scores over its visible keys, then their softmax).
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/base/dtype.h"
#include "host/cpu/cpu.h"

namespace vkllm::host::cpu {

struct AttentionParams {
  uint32_t tokens, heads, kv_heads, head_dim, max_pos, window;
  float scale, softcap;
  DType cache = DType::F16;  // F16 or F32
};

// k, v [tokens, kv_heads, head_dim] f32 into the caches at rows base[t] + pos[t];
// places [2, tokens] (positions, then bases); tokens at pos >= max_pos are skipped.
void kv_append(const AttentionParams& a, const float* k, const float* v, const uint32_t* places,
               void* k_cache, void* v_cache);

// out [tokens, heads, head_dim] f32 from q of the same shape.
void attention(Cpu& cpu, const AttentionParams& a, const float* q, const void* k_cache,
               const void* v_cache, const uint32_t* places, float* out);

}  // namespace vkllm::host::cpu
