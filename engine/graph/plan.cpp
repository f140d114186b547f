#include "engine/graph/plan.h"

#include <algorithm>
#include <numeric>

#include "engine/base/error.h"

namespace vkllm::graph {

namespace {

uint64_t align_up(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}

struct Lifetime {
  size_t first = SIZE_MAX, last = 0;  // op indices
  bool read = false;
};

}  // namespace

MemoryPlan plan_memory(const Graph& g, int devices, uint64_t alignment) {
  const size_t n = g.tensors.size();
  MemoryPlan plan{std::vector<uint64_t>(n, 0), std::vector<uint64_t>(size_t(devices), 0),
                  std::vector<uint64_t>(size_t(devices), 0)};
  std::vector<Lifetime> life(n);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId t : g.ops[i].outputs) life[t].first = std::min(life[t].first, i);
    for (TensorId t : g.ops[i].inputs) {
      life[t].last = std::max(life[t].last, i);
      life[t].read = true;
    }
  }
  std::vector<TensorId> order;
  for (TensorId t = 0; t < n; ++t) {
    const Tensor& x = g.tensors[t];
    if (x.device < 0 || x.device >= devices)
      fail("graph: tensor '{}' is placed on device {}, but {} device(s) are open", x.name, x.device,
           devices);
    if (x.kind == TensorKind::Input) {
      plan.offset[t] = plan.input_bytes[size_t(x.device)];
      plan.input_bytes[size_t(x.device)] += align_up(std::max<uint64_t>(x.bytes(), 4), alignment);
    }
    if (x.kind != TensorKind::Activation && x.kind != TensorKind::Output) continue;
    // An intermediate of a dropped op (GraphBuilder::finish): neither written nor read.
    if (x.kind == TensorKind::Activation && life[t].first == SIZE_MAX && !life[t].read) continue;
    if (life[t].first == SIZE_MAX)
      fail("graph: intermediate '{}' is never written by any op", x.name);
    if (x.kind == TensorKind::Output) life[t].last = g.ops.size();
    life[t].last = std::max(life[t].last, life[t].first);
    order.push_back(t);
  }
  std::stable_sort(order.begin(), order.end(), [&](TensorId a, TensorId b) {
    return g.tensors[a].bytes() > g.tensors[b].bytes();
  });
  std::vector<std::vector<TensorId>> placed(static_cast<size_t>(devices));
  for (TensorId t : order) {
    const Tensor& x = g.tensors[t];
    const uint64_t size = align_up(std::max<uint64_t>(x.bytes(), 4), alignment);
    // Occupied ranges of live-overlapping tensors, by offset; take the first gap.
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (TensorId o : placed[size_t(x.device)])
      if (life[o].first <= life[t].last && life[t].first <= life[o].last)
        busy.emplace_back(plan.offset[o],
                          plan.offset[o] + align_up(g.tensors[o].bytes(), alignment));
    std::sort(busy.begin(), busy.end());
    uint64_t at = 0;
    for (auto [lo, hi] : busy) {
      if (at + size <= lo) break;
      at = std::max(at, hi);
    }
    plan.offset[t] = at;
    plan.arena_bytes[size_t(x.device)] = std::max(plan.arena_bytes[size_t(x.device)], at + size);
    placed[size_t(x.device)].push_back(t);
  }
  return plan;
}

}  // namespace vkllm::graph
