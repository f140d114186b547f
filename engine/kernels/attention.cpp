#include "engine/kernels/attention.h"

#include "engine/kernels/dispatch.h"
#include "engine/kernels/matmul.h"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace vkllm::kernels {

namespace {

// Index into the {f16, f32} shader tables.
uint32_t cache_index(const AttentionKey& key, const char* op) {
  if (key.cache != DType::F16 && key.cache != DType::F32)
    fail("{}: the KV cache must be f16 or f32, got {}", op, dtype_name(key.cache));
  return key.cache == DType::F16 ? 0 : 1;
}

void check_shape(const AttentionShape& a, const char* op) {
  if (a.heads == 0 || a.kv_heads == 0 || a.heads % a.kv_heads)
    fail("{}: query heads {} must be a multiple of kv heads {}", op, a.heads, a.kv_heads);
  if (a.head_dim == 0 || a.head_dim > kMaxHeadDim)
    fail("{}: head_dim {} must be in 1..{}", op, a.head_dim, kMaxHeadDim);
  if (a.max_pos == 0) fail("{}: the KV cache has no rows (max_pos 0)", op);
  if (a.softcap < 0) fail("{}: soft-capping value {} must be >= 0", op, a.softcap);
}

// The smallest of 64, 128, 256 that holds head_dim: it sizes shared memory and
// per-thread accumulators, so one pipeline serves several head sizes.
uint32_t head_dim_bucket(uint32_t head_dim) {
  return head_dim <= 64 ? 64 : head_dim <= 128 ? 128 : 256;
}

}  // namespace

void kv_append(vk::Stream& s, const AttentionKey& key, const AttentionShape& shape,
               const vk::BufferRange& k, const vk::BufferRange& v, const vk::BufferRange& places,
               const vk::BufferRange& k_cache, const vk::BufferRange& v_cache) {
  static constexpr ShaderId shaders[] = {ShaderId::kv_append_f16, ShaderId::kv_append_f32};
  check_shape(shape, "kv_append");
  constexpr uint32_t wg = 256;
  const auto& p = s.device().pipelines().get(
      {.shader = shaders[cache_index(key, "kv_append")], .bindings = 5, .workgroup = wg});
  struct {
    uint32_t tokens, row, max_pos;
  } push{shape.tokens, shape.kv_heads * shape.head_dim, shape.max_pos};
  Grid g = grid_for((uint64_t(push.tokens) * push.row + wg - 1) / wg);
  s.dispatch(p, {k, v, places, k_cache, v_cache}, push, g.x, g.y);
}

void rope_append(vk::Stream& s, const AttentionKey& key, const AttentionShape& shape, uint32_t rot,
                 uint32_t rope_rows, const vk::BufferRange& q, const vk::BufferRange& k,
                 const vk::BufferRange& v, const vk::BufferRange& places,
                 const vk::BufferRange& cos_table, const vk::BufferRange& sin_table,
                 const vk::BufferRange& q_out, const vk::BufferRange& k_cache,
                 const vk::BufferRange& v_cache) {
  static constexpr ShaderId shaders[] = {ShaderId::rope_append_f16, ShaderId::rope_append_f32};
  check_shape(shape, "rope_append");
  if (rot == 0 || rot % 2 || rot > shape.head_dim)
    fail("rope_append: rotary dimension {} must be even and at most head_dim {}", rot,
         shape.head_dim);
  if (rope_rows == 0) fail("rope_append: the cos/sin table has no rows");
  constexpr uint32_t wg = 256;
  const auto& p = s.device().pipelines().get(
      {.shader = shaders[cache_index(key, "rope_append")], .bindings = 9, .workgroup = wg});
  struct {
    uint32_t tokens, heads, kv_heads, head_dim, rot, rope_rows, max_pos;
  } push{shape.tokens, shape.heads, shape.kv_heads, shape.head_dim, rot, rope_rows, shape.max_pos};
  const uint64_t n = uint64_t(shape.tokens) * (shape.heads + shape.kv_heads) * shape.head_dim;
  Grid g = grid_for((n + wg - 1) / wg);
  s.dispatch(p, {q, k, v, places, cos_table, sin_table, q_out, k_cache, v_cache}, push, g.x, g.y);
}

namespace {

// prefill_coopmat.comp: 4 subgroups (64 queries), tiles of 32 keys.
constexpr uint32_t kCoopSubgroups = 4, kCoopKeys = 32;

uint32_t prefill_coopmat_shared_bytes(uint32_t head_dim) {
  const uint32_t bq = 16 * kCoopSubgroups, row = (head_dim + 8) * 2;
  return std::max(2 * kCoopKeys, bq) * row            // keys and values (q first)
         + kCoopSubgroups * 16 * kCoopKeys * 4        // scores
         + kCoopSubgroups * 16 * (kCoopKeys + 8) * 2  // P
         + bq * 4 + 2 * bq * 4;                       // row factors, positions
}

}  // namespace

bool attention_prefill_coopmat(const vk::DeviceInfo& d, const AttentionKey& key,
                               const AttentionShape& shape) {
  // VKLLM_NO_TC_ATTENTION=1 keeps prefill on the fp32 kernel (for measurements).
  static const bool off = [] {
    const char* v = std::getenv("VKLLM_NO_TC_ATTENTION");
    return v && *v && std::string(v) != "0";
  }();
  return !off && key.tensor_cores && key.cache == DType::F16 && matmul_coopmat_supported(d) &&
         d.subgroup_arithmetic && d.subgroup_shuffle && shape.head_dim % 16 == 0 &&
         shape.head_dim <= kMaxHeadDim &&
         prefill_coopmat_shared_bytes(shape.head_dim) <= d.max_shared_memory;
}

void attention_prefill(vk::Stream& s, const AttentionKey& key, const AttentionShape& shape,
                       const vk::BufferRange& q, const vk::BufferRange& k_cache,
                       const vk::BufferRange& v_cache, const vk::BufferRange& places,
                       const vk::BufferRange& out) {
  static constexpr ShaderId shaders[] = {ShaderId::attn_prefill_f16, ShaderId::attn_prefill_f32};
  check_shape(shape, "attention_prefill");
  // The tensor-core kernel reads the caches 16 bytes at a time.
  if (attention_prefill_coopmat(s.device().info(), key, shape) && k_cache.offset % 16 == 0 &&
      v_cache.offset % 16 == 0) {
    const uint32_t bq = 16 * kCoopSubgroups;
    const auto& p =
        s.device().pipelines().get({.shader = ShaderId::attn_prefill_coopmat,
                                    .bindings = 5,
                                    .workgroup = 32 * kCoopSubgroups,
                                    .spec = {kCoopSubgroups, shape.head_dim, kCoopKeys}});
    Grid g = grid_for(uint64_t((shape.tokens + bq - 1) / bq) * shape.heads);
    s.dispatch(p, {q, k_cache, v_cache, places, out}, shape, g.x, g.y);
    return;
  }
  // Shared memory (BQ + 2 BK) x (hd + 1) + 2 BQ BK floats stays under 32 KiB.
  const uint32_t hd = head_dim_bucket(shape.head_dim);
  const uint32_t bq = hd <= 128 ? 16 : 8, bk = hd <= 128 ? 16 : 8;
  const auto& p = s.device().pipelines().get({.shader = shaders[cache_index(key, "attention")],
                                              .bindings = 5,
                                              .workgroup = bq * bk,
                                              .spec = {bq, bk, hd, (hd + bk - 1) / bk}});
  Grid g = grid_for(uint64_t((shape.tokens + bq - 1) / bq) * shape.heads);
  s.dispatch(p, {q, k_cache, v_cache, places, out}, shape, g.x, g.y);
}

uint32_t decode_splits(uint32_t max_pos, uint32_t tokens, uint32_t heads) {
  if (const char* fixed = std::getenv("VKLLM_DECODE_SPLITS"); fixed && std::atoi(fixed) > 0)
    return uint32_t(std::atoi(fixed));
  // Chunks shrink with the current length, so the split count depends on the cache
  // size only to avoid empty chunks. One token: 32 x heads workgroups keep the GPU
  // busy at any position (a 640-token cache with 5 splits took twice as long). A
  // batched step has tokens x heads records already; more chunks there are tiny
  // workgroups that each read a few keys.
  const uint64_t records = std::max<uint64_t>(1, uint64_t(tokens) * heads);
  const uint32_t want = uint32_t(std::min<uint64_t>(32, (1024 + records - 1) / records));
  return std::clamp(want, 1u, std::clamp((max_pos + 15) / 16, 1u, 32u));
}

uint64_t decode_partial_o_floats(const AttentionShape& shape, uint32_t splits) {
  return uint64_t(shape.tokens) * shape.heads * splits * shape.head_dim;
}

uint64_t decode_partial_ml_floats(const AttentionShape& shape, uint32_t splits) {
  return uint64_t(shape.tokens) * shape.heads * splits * 2;
}

void attention_decode(vk::Stream& s, const AttentionKey& key, const AttentionShape& shape,
                      uint32_t splits, const vk::BufferRange& q, const vk::BufferRange& k_cache,
                      const vk::BufferRange& v_cache, const vk::BufferRange& places,
                      const vk::BufferRange& partial_o, const vk::BufferRange& partial_ml,
                      const vk::BufferRange& out) {
  static constexpr ShaderId shaders[] = {ShaderId::attn_decode_split_f16,
                                         ShaderId::attn_decode_split_f32};
  check_shape(shape, "attention_decode");
  if (splits == 0) fail("attention_decode: splits must be at least 1");
  constexpr uint32_t wg = 128;
  const uint32_t hd = head_dim_bucket(shape.head_dim);
  const uint32_t max_subgroups = wg / std::max(1u, s.device().info().min_subgroup_size);
  auto& pipes = s.device().pipelines();
  const auto& split = pipes.get({.shader = shaders[cache_index(key, "attention")],
                                 .bindings = 6,
                                 .workgroup = wg,
                                 .spec = {wg, hd, (hd + wg - 1) / wg, max_subgroups}});
  struct {
    AttentionShape shape;
    uint32_t splits;
  } push{shape, splits};
  const uint64_t rows = uint64_t(shape.tokens) * shape.heads;
  Grid g = grid_for(rows * splits);
  s.dispatch(split, {q, k_cache, v_cache, places, partial_o, partial_ml}, push, g.x, g.y);
  s.barrier();

  constexpr uint32_t combine_wg = 64;
  const auto& combine =
      pipes.get({.shader = ShaderId::attn_decode_combine, .bindings = 3, .workgroup = combine_wg});
  struct {
    uint32_t rows, head_dim, splits;
  } cpush{uint32_t(rows), shape.head_dim, splits};
  g = grid_for(rows);
  s.dispatch(combine, {partial_o, partial_ml, out}, cpush, g.x, g.y);
}

}  // namespace vkllm::kernels
