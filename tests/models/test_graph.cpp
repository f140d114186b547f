// The graph machinery on its own: the memory plan never lets two live tensors
// share bytes, and the executor's recorded, replayed chains (with arena reuse,
// in-place ops and a transfer between two logical devices) compute what the host
// computes.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <random>

#include "engine/graph/executor.h"
#include "engine/graph/ops.h"
#include "engine/vulkan/context.h"

namespace vkllm::graph {
namespace {

// A chain of adds and biases long enough that the planner must reuse bytes.
Graph chain(int steps, uint64_t n, int split_at, std::vector<TensorId>& inputs, TensorId& out,
            TensorId& bias) {
  GraphBuilder g;
  TensorId a = g.input("a", DType::F32, {1, n});
  TensorId b = g.input("b", DType::F32, {1, n});
  inputs = {a, b};
  bias = g.input("bias", DType::F32, {n});
  TensorId x = ops::add(g, "x0", a, b);
  for (int i = 1; i <= steps; ++i) {
    if (i == split_at) {  // the rest runs on device 1, with its own copy of the bias
      g.set_device(1);
      inputs.push_back(g.input("bias1", DType::F32, {n}));
    }
    TensorId y = ops::add(g, fmt::format("x{}", i), x, x);  // 2x
    ops::add_bias(g, y, split_at > 0 && i >= split_at ? inputs.back() : bias);
    x = y;
  }
  g.mark_output(x);
  out = x;
  return g.finish();
}

TEST(MemoryPlan, LiveTensorsNeverOverlap) {
  std::vector<TensorId> in;
  TensorId out, bias;
  Graph g = chain(40, 1000, 0, in, out, bias);
  MemoryPlan p = plan_memory(g, 1, 256);
  // Lifetimes from the op order.
  std::vector<size_t> first(g.tensors.size(), SIZE_MAX), last(g.tensors.size(), 0);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId t : g.ops[i].outputs) first[t] = std::min(first[t], i);
    for (TensorId t : g.ops[i].inputs) last[t] = std::max(last[t], i);
  }
  last[out] = g.ops.size();
  uint64_t sum = 0;
  for (TensorId a = 0; a < g.tensors.size(); ++a) {
    if (g.tensors[a].kind != TensorKind::Activation && g.tensors[a].kind != TensorKind::Output)
      continue;
    sum += g.tensors[a].bytes();
    for (TensorId b = a + 1; b < g.tensors.size(); ++b) {
      if (g.tensors[b].kind != TensorKind::Activation && g.tensors[b].kind != TensorKind::Output)
        continue;
      const bool live_together = first[a] <= last[b] && first[b] <= last[a];
      const bool share = p.offset[a] < p.offset[b] + g.tensors[b].bytes() &&
                         p.offset[b] < p.offset[a] + g.tensors[a].bytes();
      EXPECT_FALSE(live_together && share) << g.tensors[a].name << " / " << g.tensors[b].name;
    }
  }
  // 41 tensors of 4000 bytes, at most two alive at once.
  EXPECT_LE(p.arena_bytes[0], 3 * 4096u);
  EXPECT_GT(sum, 10 * p.arena_bytes[0]);
}

void run_chain(int split_at) {
  vk::Context ctx({.validation = true, .device_options = {.persist_pipeline_cache = false}});
  std::vector<vk::Device*> devices =
      split_at > 0 ? ctx.open_devices("0,0") : std::vector<vk::Device*>{&ctx.device()};
  const uint64_t n = 1031;
  const int steps = 30;
  std::vector<TensorId> in;
  TensorId out, bias;
  Executor ex(graph::Backend::of(devices), chain(steps, n, split_at, in, out, bias));
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int rep = 0; rep < 3; ++rep) {  // replays with new inputs
    std::vector<float> a(n), b(n), c(n);
    for (auto* v : {&a, &b, &c})
      for (float& x : *v) x = u(rng);
    ex.write(in[0], std::as_bytes(std::span(a)));
    ex.write(in[1], std::as_bytes(std::span(b)));
    ex.write(bias, std::as_bytes(std::span(c)));
    if (split_at > 0) ex.write(in[2], std::as_bytes(std::span(c)));
    ex.run();
    std::vector<float> got = ex.read_as<float>(out);
    for (uint64_t i = 0; i < n; ++i) {
      // Exact in fp32: doubling and adding the same values in the same order.
      float x = a[i] + b[i];
      for (int s = 0; s < steps; ++s) x = (x + x) + c[i];
      ASSERT_EQ(got[i], x) << "element " << i << " rep " << rep;
    }
  }
  if (split_at > 0) {
    int transfers = 0;
    for (const Op& op : ex.graph().ops) transfers += op.transfer;
    EXPECT_EQ(transfers, 1);
  }
  EXPECT_EQ(ctx.validation_messages(), 0u);
}

// finish() drops the ops whose outputs nothing reads (an RMSNorm its products folded
// in), keeps those a later op, the host (outputs) or --dump (kept) reads, and the
// memory plan leaves the dropped op's tensor unplaced.
TEST(GraphBuilder, FinishDropsOpsNothingReads) {
  for (bool keep : {false, true}) {
    GraphBuilder g;
    if (keep) g.keep({"unread"});
    TensorId a = g.input("a", DType::F32, {1, 8});
    TensorId w = g.input("w", DType::F32, {8});
    ops::rms_norm(g, "unread", a, w, 1e-5f, false);
    TensorId y = ops::add(g, "y", a, a);
    TensorId z = ops::add(g, "z", y, a);
    g.mark_output(z);
    Graph graph = g.finish();
    std::vector<std::string> kinds;
    for (const Op& op : graph.ops) kinds.push_back(op.kind + ":" + op.name);
    const std::vector<std::string> want =
        keep ? std::vector<std::string>{"rmsnorm:unread", "add:y", "add:z"}
             : std::vector<std::string>{"add:y", "add:z"};
    EXPECT_EQ(kinds, want) << "keep " << keep;
    const MemoryPlan p = plan_memory(graph, 1, 256);
    EXPECT_GT(p.arena_bytes[0], 0u);
  }
}

TEST(Executor, ReplaysAChainWithReusedMemory) {
  run_chain(0);
}
TEST(Executor, TransfersBetweenTwoLogicalDevices) {
  run_chain(12);
}

TEST(Executor, IntermediatesAreNotReadable) {
  vk::Context ctx({.validation = true, .device_options = {.persist_pipeline_cache = false}});
  std::vector<TensorId> in;
  TensorId out, bias;
  Executor ex({&ctx.device()}, chain(3, 16, 0, in, out, bias));
  const TensorId x1 = ex.graph().find("x1");
  std::vector<std::byte> buf(ex.graph().tensor(x1).bytes());
  EXPECT_THROW(ex.read(x1, buf), Error);
  EXPECT_THROW(ex.graph().find("no_such_tensor"), Error);
}

}  // namespace
}  // namespace vkllm::graph
