// The graph: tensors with shapes, dtypes and a device, and the ops between them
// in network order. Model files (engine/models) build it through GraphBuilder;
// the executor (executor.h) plans its memory and records it once per device.
#pragma once

#include <algorithm>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/dtype.h"
#include "engine/base/quant.h"
#include "engine/vulkan/stream.h"
#include "host/cpu/cpu.h"

namespace vkllm::graph {

using TensorId = uint32_t;

enum class TensorKind {
  Weight,      // bound to a buffer the caller owns (weights, rope tables), read-only
  State,       // bound to a buffer the caller owns and written by the graph (KV cache)
  Input,       // written by the host before each run (token ids, positions)
  Activation,  // an intermediate: a slot in the device's arena, reused once dead
  Output,      // like Activation, but kept alive to the end so the host can read it
};

struct Tensor {
  std::string name;  // "layers.3.attn_norm": what --dump takes
  TensorKind kind = TensorKind::Activation;
  DType dtype = DType::F32;
  std::vector<uint64_t> shape;
  int device = 0;
  vk::BufferRange bound;  // Weight and State only
  // A quantized weight (engine/base/quant.h): `shape` is the logical [n, k], `dtype`
  // U32 (the layout's words); the matvec/matmul dequantize it.
  std::optional<QuantFormat> quant;
  uint64_t elements() const;
  // The bytes it takes: a quantized weight's as its layout stores its rows.
  uint64_t bytes() const;
};

// Records one op's dispatches: buffers in the order of Op::inputs, Op::outputs.
using Encoder = std::function<void(vk::Stream&, std::span<const vk::BufferRange> in,
                                   std::span<const vk::BufferRange> out)>;

// Runs one op on the CPU (host/cpu): the first byte of each tensor, in the order of
// Op::inputs, Op::outputs.
using HostKernel = std::function<void(host::cpu::Cpu&, std::span<std::byte* const> in,
                                      std::span<std::byte* const> out)>;

// An op is declared once (graph/ops.cpp: its shape rules and parameters) with its
// implementations per backend side by side: the Vulkan dispatch and the CPU kernel.
struct Op {
  std::string kind;  // "matmul", "rmsnorm" ...: groups --profile rows
  std::string name;  // the name of its (first) output
  int device = 0;
  std::vector<TensorId> inputs, outputs;
  // A transfer copies inputs[0] (on another device) into outputs[0] through the
  // host; it has no kernels.
  bool transfer = false;
  Encoder encode;
  HostKernel cpu;
};

struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Op> ops;
  const Tensor& tensor(TensorId id) const { return tensors[id]; }
  // The tensor named `name`; throws Error listing a few names if there is none.
  TensorId find(std::string_view name) const;
};

// Builds a graph op by op. Ops are placed on the current device; an op whose
// input lives on another device gets an explicit transfer inserted before it.
class GraphBuilder {
 public:
  void set_device(int device) { device_ = device; }
  int device() const { return device_; }

  TensorId input(std::string name, DType dtype, std::vector<uint64_t> shape);
  TensorId weight(std::string name, DType dtype, std::vector<uint64_t> shape,
                  const vk::BufferRange& range);
  TensorId quant_weight(std::string name, const QuantFormat& format, std::vector<uint64_t> shape,
                        const vk::BufferRange& range);
  TensorId state(std::string name, DType dtype, std::vector<uint64_t> shape,
                 const vk::BufferRange& range);
  TensorId activation(std::string name, DType dtype, std::vector<uint64_t> shape);
  // Adds an op writing `outputs` from `inputs`; inputs on other devices are
  // transferred to the current one first.
  void op(std::string kind, std::vector<TensorId> inputs, std::vector<TensorId> outputs,
          Encoder encode, HostKernel cpu = {});
  // The tensor on the current device: itself, or a copy by a transfer op (added once).
  TensorId to_current_device(TensorId id) { return on_current_device(id); }
  // Keeps a tensor alive to the end of the graph so the host can read it.
  void mark_output(TensorId id);
  // Names the host will read (--dump): ops that would fuse such a tensor away
  // (a projection with its residual add) keep it instead.
  void keep(std::vector<std::string> names) { kept_ = std::move(names); }
  bool kept(std::string_view name) const {
    return std::find(kept_.begin(), kept_.end(), name) != kept_.end();
  }

  const Tensor& tensor(TensorId id) const { return g_.tensors[id]; }
  // The graph, less the ops whose outputs nothing reads: intermediates that are not
  // outputs, kept (--dump) or read by a later op (an RMSNorm every product of which
  // folded it in, ops::FoldedNorm). Their tensors stay, unwritten and unplaced.
  Graph finish();

 private:
  TensorId add(Tensor t);
  TensorId on_current_device(TensorId id);
  Graph g_;
  int device_ = 0;
  std::vector<std::string> kept_;
};

}  // namespace vkllm::graph
