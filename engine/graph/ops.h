// The ops a forward pass is built from, each adding one node to a GraphBuilder
// with its output's shape and dtype, and the kernel launch that computes it.
// Activations are f32 [tokens, features]; weights keep their stored dtype.
#pragma once

#include <optional>
#include <string>

#include "engine/graph/graph.h"
#include "engine/kernels/activation.h"
#include "engine/kernels/attention.h"
#include "engine/kernels/matmul.h"

namespace vkllm::graph::ops {

// [tokens, hidden] = table[ids] * scale; ids u32 [tokens], table [vocab, hidden].
TensorId embed(GraphBuilder& g, std::string name, TensorId table, TensorId ids, float scale);

// RMSNorm over rows of n (default: the last dim), times w (or 1 + w with add_one).
// n = head_dim normalizes each head of a [tokens, heads * head_dim] tensor.
TensorId rms_norm(GraphBuilder& g, std::string name, TensorId x, TensorId w, float eps,
                  bool add_one, uint32_t n = 0);

// An RMSNorm folded into a quantized decode step's gated pair (the int8 kernel
// normalizes x itself, kernels::MatvecNorm): with it, gated_linear's x is the norm's
// input, and the norm op, once nothing else reads it, is dropped (GraphBuilder::finish).
struct FoldedNorm {
  TensorId w;  // the norm weight [k]
  float eps = 0;
  bool add_one = false;
};
// Whether a product of x [1, k] with the quantized W takes a folded norm on `gpu`.
bool folded_norm_fits(const GraphBuilder& g, TensorId x, TensorId w, const vk::DeviceInfo* gpu,
                      kernels::MatmulPrecision precision);

// y [tokens, n] = x [tokens, k] W^T, W [n, k] (a Linear weight): matrix-vector
// for one token, tiled matrix-matrix otherwise. With F16 precision the
// matrix-matrix product may round its inputs to f16 for tensor cores (where the
// device has them); F32 keeps every input exact.
TensorId linear(GraphBuilder& g, std::string name, TensorId x, TensorId w,
                kernels::MatmulPrecision precision = kernels::MatmulPrecision::F32);

// w (quantized [n, k]) dequantized into an f32 or f16 intermediate [n, k]
// (kernels::dequantize), for a prompt's product on the float matmul.
TensorId dequantize(GraphBuilder& g, std::string name, TensorId w, DType out);

// name = r + x W^T: an output projection and the residual add after it. For one
// token a single matvec does both (proj_name then names nothing); otherwise the
// product is proj_name and an add follows.
TensorId linear_residual(GraphBuilder& g, std::string proj_name, std::string name, TensorId x,
                         TensorId w, TensorId r,
                         kernels::MatmulPrecision precision = kernels::MatmulPrecision::F32);

// act(x W^T) * (x U^T) for a gated MLP's gate (W) and up (U) weights [n, k]: one
// matvec for the three (gated_linear_fits says when: a few rows of x, float weights
// of one dtype and shape; or one row and quantized weights of one format and shape
// that take the int8 kernel on `gpu` at `precision`, kernels::matvec_quant_int8).
bool gated_linear_fits(const GraphBuilder& g, TensorId x, TensorId w, TensorId u,
                       const vk::DeviceInfo* gpu, kernels::MatmulPrecision precision);
TensorId gated_linear(GraphBuilder& g, std::string name, kernels::Activation act, TensorId x,
                      TensorId w, TensorId u, const vk::DeviceInfo* gpu,
                      kernels::MatmulPrecision precision, const FoldedNorm* norm = nullptr);

// x [rows, n] += b [n], in place.
void add_bias(GraphBuilder& g, TensorId x, TensorId b);

// a + b, same shape.
TensorId add(GraphBuilder& g, std::string name, TensorId a, TensorId b);

// x [tokens, heads * head_dim] rotated at the positions into a new tensor `name`,
// from a cos/sin table [max_pos, rot / 2] each.
TensorId rope(GraphBuilder& g, std::string name, TensorId x, TensorId positions, TensorId cos,
              TensorId sin, uint32_t heads, uint32_t head_dim, uint32_t rot);

// Writes k, v [tokens, kv_heads * head_dim] into the caches at the positions.
void kv_append(GraphBuilder& g, const kernels::AttentionKey& key,
               const kernels::AttentionShape& shape, TensorId k, TensorId v, TensorId positions,
               TensorId k_cache, TensorId v_cache);

// rope of q (into a new tensor `name`, returned) and of k, then kv_append of the
// rotated k and v: the three ops above in one kernel. rot and the cos/sin tables
// as rope takes them; heads, kv_heads and head_dim from `shape`.
TensorId rope_append(GraphBuilder& g, std::string name, const kernels::AttentionKey& key,
                     const kernels::AttentionShape& shape, uint32_t rot, TensorId q, TensorId k,
                     TensorId v, TensorId positions, TensorId cos, TensorId sin, TensorId k_cache,
                     TensorId v_cache);

// [tokens, heads * head_dim]: prefill attention, or split-K decode attention
// (with its scratch as intermediates) when `decode`.
TensorId attention(GraphBuilder& g, std::string name, const kernels::AttentionKey& key,
                   const kernels::AttentionShape& shape, bool decode, TensorId q, TensorId k_cache,
                   TensorId v_cache, TensorId positions);

// act(gate) * up, both [tokens, n].
TensorId gated(GraphBuilder& g, std::string name, kernels::Activation act, TensorId gate,
               TensorId up);

// y [tokens, n] += u in place (an unmerged LoRA's B (A x)), or with DoRA's
// factors f [n] y = f * (y + u).
void lora_combine(GraphBuilder& g, TensorId y, TensorId u, std::optional<TensorId> dora);

// y [rows, k] = x[:, perm]: perm u32 [k] (a GPTQ act-order weight's column order).
TensorId gather_columns(GraphBuilder& g, std::string name, TensorId x, TensorId perm);

// x = cap * tanh(x / cap) in place.
void softcap(GraphBuilder& g, TensorId x, float cap);

// u32 [rows]: the index of each row's largest value of x [rows, n] f32 (the first on
// ties), 0xffffffff for a row holding a NaN or +inf, or only -inf (kernels::argmax):
// greedy decoding without reading the logits back.
TensorId argmax(GraphBuilder& g, std::string name, TensorId x);

// The last row of x [tokens, n] as [1, n] (the logits generation needs).
TensorId last_row(GraphBuilder& g, std::string name, TensorId x);
// Rows rows[i] of x [tokens, n] f32 as [rows, n]: the last token of each prompt in a
// step that prefills several (the embedding gather, with x as its table).
TensorId gather_rows(GraphBuilder& g, std::string name, TensorId x, TensorId rows);

}  // namespace vkllm::graph::ops
