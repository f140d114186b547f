// Slow, obviously-correct references for the attention kernels
// (engine/kernels/attention.h states the layouts and masking), in double.
#pragma once

#include <cstdint>
#include <vector>

#include "host/reference/host_tensor.h"

namespace vkllm::host::ref {

struct AttentionParams {
  size_t heads, kv_heads, head_dim, max_pos;
  size_t window = 0;  // keys a query sees, itself included; 0: all earlier ones
  double scale = 1.0;
  double softcap = 0.0;  // 0: off
};

// Places [2, tokens] as the kernels read them: the positions, then the cache row
// of each token's position 0 (all 0, one sequence, when `base` is empty).
std::vector<uint32_t> places(const std::vector<uint32_t>& pos,
                             const std::vector<uint32_t>& base = {});

// Stores k and v [tokens, kv_heads, head_dim] at rows base[t] + pos[t] of the caches
// [sequences * max_pos, kv_heads, head_dim], rounded to the caches' dtype; tokens at
// pos >= max_pos are skipped.
void kv_append(HostTensor& k_cache, HostTensor& v_cache, const HostTensor& k, const HostTensor& v,
               const std::vector<uint32_t>& places, size_t kv_heads, size_t head_dim,
               size_t max_pos);

// out [tokens, heads, head_dim] f32: softmax(cap(scale * q.k)) v over the keys each
// query sees, q [tokens, heads, head_dim].
HostTensor attention(const HostTensor& q, const HostTensor& k_cache, const HostTensor& v_cache,
                     const std::vector<uint32_t>& places, const AttentionParams& a);

// The split-K partial results of decode attention: the visible keys of each query
// cut into `splits` chunks of ceil(n / splits); per record (t * heads + h) * splits
// + chunk, o [head_dim] = sum exp(s - m) v and ml = (m, l = sum exp(s - m)), zeros
// for an empty chunk.
struct AttentionPartials {
  HostTensor o, ml;
};
AttentionPartials attention_partials(const HostTensor& q, const HostTensor& k_cache,
                                     const HostTensor& v_cache, const std::vector<uint32_t>& places,
                                     const AttentionParams& a, size_t splits);

}  // namespace vkllm::host::ref
