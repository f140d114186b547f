// Slow, obviously-correct references for the layer kernels (norm, rope,
// activations, embedding, soft-capping, argmax), computed in double.
#pragma once

#include <cstdint>
#include <vector>

#include "host/reference/host_tensor.h"

namespace vkllm::host::ref {

// x [rows, n] f32, w [n] any dtype; add_one: Gemma's (1 + w).
HostTensor rmsnorm(const HostTensor& x, const HostTensor& w, size_t rows, size_t n, double eps,
                   bool add_one);

// x [tokens, heads, head_dim] f32 rotated by angles pos[t] * inv_freq[i] (i < rot/2),
// pairs (i, i + rot/2), cos and sin times `scale`.
HostTensor rope(const HostTensor& x, const std::vector<uint32_t>& pos,
                const std::vector<double>& inv_freq, size_t heads, size_t head_dim,
                double scale = 1.0);

enum class Act { SiLU, GeluTanh };
// y[r, i] = act(g[r*stride + i]) * u[r*stride + up_offset + i].
HostTensor gated(Act act, const HostTensor& g, const HostTensor& u, size_t rows, size_t n,
                 size_t stride, size_t up_offset);

// y[t, :] = table[ids[t], :] * scale.
HostTensor embed(const std::vector<uint32_t>& ids, const HostTensor& table, size_t hidden,
                 double scale);

// y[r, i] = x[r, i] + b[i], x [rows, n] f32.
HostTensor add_bias(const HostTensor& x, const HostTensor& b, size_t rows, size_t n);
HostTensor softcap(const HostTensor& x, double cap);

// First index of the maximum of each row; 0xffffffff for a row holding a NaN or
// +inf, or only -inf (kernels::argmax).
std::vector<uint32_t> argmax(const HostTensor& x, size_t rows, size_t n);

}  // namespace vkllm::host::ref
