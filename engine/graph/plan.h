// Memory planning: every intermediate of a device gets an offset in that
// device's arena, from its liveness (the op that writes it to the last op that
// reads it), so tensors whose lifetimes do not overlap share bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/graph/graph.h"

namespace vkllm::graph {

struct MemoryPlan {
  // Per tensor: its offset in its device's arena (Activation and Output), or in
  // its device's input buffer (Input); unused for Weight and State.
  std::vector<uint64_t> offset;
  std::vector<uint64_t> arena_bytes;  // per device
  std::vector<uint64_t> input_bytes;  // per device
};

// Greedy by size: the largest tensors are placed first, each at the lowest
// aligned offset that no placed tensor with an overlapping lifetime occupies.
MemoryPlan plan_memory(const Graph& g, int devices, uint64_t alignment);

}  // namespace vkllm::graph
