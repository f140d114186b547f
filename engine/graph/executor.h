// The executor: plans a graph's memory, records each Vulkan device's run of ops
// into a command buffer once and replays them; a run of ops on the CPU calls their
// CPU kernels in order. Between devices it copies the boundary tensor through the
// host (an explicit transfer op of the graph): a GPU's result is read straight
// into the CPU's arena and the CPU's written straight from it. What changes per
// step (token ids, positions) is written into the graph's Input tensors.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/graph/backend.h"
#include "engine/graph/graph.h"
#include "engine/graph/plan.h"

namespace vkllm::graph {

struct ExecutorOptions {
  bool profile = false;  // a GPU timestamp after every op (a clock reading on the CPU)
};

struct OpTime {
  std::string kind, name;
  int device = 0;
  double ns = 0;
};

class Executor {
 public:
  // devices[i] runs the ops placed on device i.
  Executor(std::vector<Backend> devices, Graph graph, ExecutorOptions opts = {});
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  const Graph& graph() const { return graph_; }
  const MemoryPlan& plan() const { return plan_; }

  // Host data for an Input tensor (exactly its bytes), used by the next run().
  void write(TensorId input, std::span<const std::byte> data);
  // Replays every device's commands in graph order and waits for the last.
  void run();
  // Copies an Output tensor (or any Weight/State/Input) back to the host.
  void read(TensorId id, std::span<std::byte> out) const;
  template <typename T>
  std::vector<T> read_as(TensorId id) const {
    std::vector<T> v(graph_.tensor(id).bytes() / sizeof(T));
    read(id, std::as_writable_bytes(std::span(v)));
    return v;
  }

  // Per-op time of the last run (needs ExecutorOptions::profile).
  std::vector<OpTime> profile() const;

 private:
  struct Segment;
  vk::BufferRange range(TensorId id) const;
  const vk::Buffer& buffer_of(TensorId id) const;
  // The first byte of a tensor of a CPU segment.
  std::byte* host_pointer(TensorId id) const;
  void record(Segment& seg);
  void run_cpu(Segment& seg);
  void transfer(const Op& op);

  std::vector<Backend> devices_;
  Graph graph_;
  ExecutorOptions opts_;
  MemoryPlan plan_;
  std::vector<vk::Buffer> arenas_, inputs_;
  // Host-cached copies of what the host reads (outputs, transfer sources): device
  // memory the host can map is often uncached, and reading it is slow.
  std::map<TensorId, vk::Buffer> readback_;
  std::vector<std::unique_ptr<Segment>> segments_;
  std::vector<std::byte> transfer_scratch_;
};

}  // namespace vkllm::graph
