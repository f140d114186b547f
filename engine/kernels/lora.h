// LoRA kernels: a factor pair merged into a Linear weight on the device (W +=
// scale B A, DoRA's row renormalization), and the unmerged join of B (A x) to W x.
// The products A x and B t of the unmerged path are ordinary matvec/matmul calls.
#pragma once

#include "engine/base/dtype.h"
#include "engine/vulkan/stream.h"

namespace vkllm::kernels {

enum class LoraMergeMode : uint32_t {
  Merge = 0,       // out = W + B A
  DoraMerge = 1,   // out = m / ||W + B A||_row * (W + B A)
  DoraFactor = 2,  // f = m / ||W + B A||_row; W is not written
};

// The typed key of a merge pipeline: the weight's dtype and the output's (the
// same for a merge in place, F32 to widen an f16/bf16 weight).
struct LoraMergeKey {
  DType weight;
  DType out;
  LoraMergeMode mode;
};

// W [rows, cols], A [rank, cols] f32, B [rows, rank] f32 (already times the scale),
// m and f [rows] f32 (DoRA; any buffer otherwise), out [rows, cols] (may be W itself).
void lora_merge(vk::Stream& s, const LoraMergeKey& key, const vk::BufferRange& w,
                const vk::BufferRange& a, const vk::BufferRange& b, const vk::BufferRange& m,
                const vk::BufferRange& out, const vk::BufferRange& f, uint32_t rows, uint32_t cols,
                uint32_t rank);

// y [rows, n] += u, or with `dora` y = f[col] * (y + u); f [n].
void lora_combine(vk::Stream& s, bool dora, const vk::BufferRange& y, const vk::BufferRange& u,
                  const vk::BufferRange& f, uint32_t rows, uint32_t n);

}  // namespace vkllm::kernels
