// Attention of the forward pass (transformers' eager attention, in fp32): the
// KV-cache append, prefill attention and split-K decode attention.
//
// Layouts: q and out [tokens, heads, head_dim] f32 (q already roped); k and v of
// the current chunk [tokens, kv_heads, head_dim] f32; the per-layer caches
// [sequences * max_pos, kv_heads, head_dim] in f16 (default) or f32 (--precision
// f32), one block of max_pos rows per sequence, row p of a block holding the
// key/value at position p; places [2, tokens] u32: the position pos[t] of each
// token, then base[t], the cache row where its sequence's block starts. A step may
// mix tokens of several sequences (a batched decode); rope reads only pos.
// A token at pos >= max_pos is padding (a batch filled up to its graph's size):
// nothing is appended for it and its attention output is zeros.
// Masking: the query at position pos[t] sees the keys at positions j <= pos[t],
// and with a sliding window W > 0 only j > pos[t] - W (W keys, itself included);
// every position it sees must have been appended. GQA/MQA: query head h reads
// kv head h / (heads / kv_heads). Scores are scale * q.k, soft-capped as
// cap * tanh(s / cap) when softcap > 0, then softmax over the visible keys.
// Places come from a buffer, so a recorded stream serves every step.
#pragma once

#include "engine/base/dtype.h"
#include "engine/vulkan/device_info.h"
#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

// Also the push constants of the attention shaders (shaders/attention/attention.glsl).
struct AttentionShape {
  uint32_t tokens;  // query tokens in this call
  uint32_t heads;   // query heads, a multiple of kv_heads
  uint32_t kv_heads;
  uint32_t head_dim;  // at most kMaxHeadDim
  uint32_t max_pos;   // cache rows per sequence; a token at pos >= max_pos is padding
  uint32_t window;    // sliding window in keys, 0: none
  float scale;        // 1/sqrt(head_dim), or query_pre_attn_scalar^-0.5 (Gemma 2/3)
  float softcap;      // 0: off
};

constexpr uint32_t kMaxHeadDim = 256;

// The typed key of every attention pipeline: the cache element type (F16 or F32),
// and whether prefill may run on tensor cores (f16 cache, NV cooperative matrices,
// head_dim a multiple of 16: q and the softmax weights are rounded to f16 there).
struct AttentionKey {
  DType cache = DType::F16;
  bool tensor_cores = true;
};

// Stores k and v [tokens, kv_heads, head_dim] f32 at rows base[t] + pos[t] of the
// caches, rounded to the cache type. Tokens at pos >= max_pos are skipped.
void kv_append(vk::Stream& s, const AttentionKey& key, const AttentionShape& shape,
               const vk::BufferRange& k, const vk::BufferRange& v, const vk::BufferRange& places,
               const vk::BufferRange& k_cache, const vk::BufferRange& v_cache);

// The rotary embedding of q and k (kernels::rope's, `rot` dimensions of each head,
// from cos/sin tables [rope_rows, rot / 2]) and the append of the rotated k and v
// in one dispatch: q [tokens, heads, head_dim] is rotated into q_out, k and v are
// stored as kv_append stores them.
void rope_append(vk::Stream& s, const AttentionKey& key, const AttentionShape& shape, uint32_t rot,
                 uint32_t rope_rows, const vk::BufferRange& q, const vk::BufferRange& k,
                 const vk::BufferRange& v, const vk::BufferRange& places,
                 const vk::BufferRange& cos_table, const vk::BufferRange& sin_table,
                 const vk::BufferRange& q_out, const vk::BufferRange& k_cache,
                 const vk::BufferRange& v_cache);

// Prefill: every query of the chunk against the cache, tiled with online softmax;
// on tensor cores where attention_prefill_coopmat says so (not with
// VKLLM_NO_TC_ATTENTION=1, for measurements).
bool attention_prefill_coopmat(const vk::DeviceInfo& device, const AttentionKey& key,
                               const AttentionShape& shape);
void attention_prefill(vk::Stream& s, const AttentionKey& key, const AttentionShape& shape,
                       const vk::BufferRange& q, const vk::BufferRange& k_cache,
                       const vk::BufferRange& v_cache, const vk::BufferRange& places,
                       const vk::BufferRange& out);

// Decode (one or a few query tokens): the visible keys of each query are cut into
// `splits` chunks, one workgroup each, writing partial results that a second
// kernel combines (a barrier is recorded between the two). Scratch, record
// i = (t * heads + h) * splits + chunk: partial_o [i, head_dim] (un-normalized
// sum of exp(s - m) v) and partial_ml [i, 2] (chunk max m, sum l of exp(s - m);
// m = l = 0 for an empty chunk), f32.
// The default split count: enough chunks that about 1024 workgroups run (one token's
// 32 heads get 32 chunks; a batched step of 32 or more tokens gets one), at least
// 16 keys a chunk at max_pos, at most 32. VKLLM_DECODE_SPLITS=N fixes it (for
// measurements).
uint32_t decode_splits(uint32_t max_pos, uint32_t tokens = 1, uint32_t heads = 32);
uint64_t decode_partial_o_floats(const AttentionShape& shape, uint32_t splits);
uint64_t decode_partial_ml_floats(const AttentionShape& shape, uint32_t splits);
void attention_decode(vk::Stream& s, const AttentionKey& key, const AttentionShape& shape,
                      uint32_t splits, const vk::BufferRange& q, const vk::BufferRange& k_cache,
                      const vk::BufferRange& v_cache, const vk::BufferRange& places,
                      const vk::BufferRange& partial_o, const vk::BufferRange& partial_ml,
                      const vk::BufferRange& out);

}  // namespace vkllm::kernels
