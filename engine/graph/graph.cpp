#include "engine/graph/graph.h"

#include <algorithm>

#include <fmt/format.h>

#include "engine/base/error.h"

namespace vkllm::graph {

uint64_t Tensor::elements() const {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  return n;
}

uint64_t Tensor::bytes() const {
  if (quant && shape.size() == 2) return shape[0] * quant_row_bytes(*quant, shape[1]);
  return elements() * dtype_size(dtype);
}

TensorId Graph::find(std::string_view name) const {
  for (TensorId i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == name) return i;
  std::string some;
  for (size_t i = 0; i < tensors.size() && i < 40; ++i)
    if (tensors[i].kind == TensorKind::Activation || tensors[i].kind == TensorKind::Output)
      some += (some.empty() ? "" : ", ") + tensors[i].name;
  fail("graph: no tensor named '{}'; intermediates are named like: {}", name, some);
}

TensorId GraphBuilder::add(Tensor t) {
  t.device = device_;
  g_.tensors.push_back(std::move(t));
  return TensorId(g_.tensors.size() - 1);
}

TensorId GraphBuilder::input(std::string name, DType dtype, std::vector<uint64_t> shape) {
  return add({.name = std::move(name),
              .kind = TensorKind::Input,
              .dtype = dtype,
              .shape = std::move(shape)});
}

TensorId GraphBuilder::weight(std::string name, DType dtype, std::vector<uint64_t> shape,
                              const vk::BufferRange& range) {
  return add({.name = std::move(name),
              .kind = TensorKind::Weight,
              .dtype = dtype,
              .shape = std::move(shape),
              .bound = range});
}

TensorId GraphBuilder::quant_weight(std::string name, const QuantFormat& format,
                                    std::vector<uint64_t> shape, const vk::BufferRange& range) {
  return add({.name = std::move(name),
              .kind = TensorKind::Weight,
              .dtype = DType::U32,
              .shape = std::move(shape),
              .bound = range,
              .quant = format});
}

TensorId GraphBuilder::state(std::string name, DType dtype, std::vector<uint64_t> shape,
                             const vk::BufferRange& range) {
  return add({.name = std::move(name),
              .kind = TensorKind::State,
              .dtype = dtype,
              .shape = std::move(shape),
              .bound = range});
}

TensorId GraphBuilder::activation(std::string name, DType dtype, std::vector<uint64_t> shape) {
  return add({.name = std::move(name),
              .kind = TensorKind::Activation,
              .dtype = dtype,
              .shape = std::move(shape)});
}

TensorId GraphBuilder::on_current_device(TensorId id) {
  const Tensor& t = g_.tensors[id];
  if (t.device == device_) return id;
  // A weight may be copied for one op (a CPU-placed layer's Linear computed on a GPU);
  // a cache or an input may not: the layer that owns it reads it in place.
  if (t.kind != TensorKind::Activation && t.kind != TensorKind::Output &&
      t.kind != TensorKind::Weight)
    fail(
        "graph: '{}' lives on device {} but is read on device {}; caches and inputs "
        "must be placed on the device of the layer that reads them",
        t.name, t.device, device_);
  // Reuse an earlier transfer of the same tensor to this device.
  for (const Op& op : g_.ops)
    if (op.transfer && op.inputs[0] == id && op.device == device_) return op.outputs[0];
  TensorId copy = activation(t.name + "@" + std::to_string(device_), t.dtype, t.shape);
  g_.tensors[copy].quant = t.quant;  // a quantized weight's copy keeps its layout
  g_.ops.push_back({.kind = "transfer",
                    .name = g_.tensors[copy].name,
                    .device = device_,
                    .inputs = {id},
                    .outputs = {copy},
                    .transfer = true});
  return copy;
}

void GraphBuilder::op(std::string kind, std::vector<TensorId> inputs, std::vector<TensorId> outputs,
                      Encoder encode, HostKernel cpu) {
  for (TensorId& in : inputs) in = on_current_device(in);
  for (TensorId out : outputs)
    if (g_.tensors[out].device != device_)
      fail("graph: op '{}' on device {} writes '{}' of device {}", kind, device_,
           g_.tensors[out].name, g_.tensors[out].device);
  std::string name = outputs.empty() ? kind : g_.tensors[outputs[0]].name;
  g_.ops.push_back({.kind = std::move(kind),
                    .name = std::move(name),
                    .device = device_,
                    .inputs = std::move(inputs),
                    .outputs = std::move(outputs),
                    .encode = std::move(encode),
                    .cpu = std::move(cpu)});
}

Graph GraphBuilder::finish() {
  std::vector<bool> read(g_.tensors.size(), false);
  std::vector<bool> drop(g_.ops.size(), false);
  for (size_t i = g_.ops.size(); i-- > 0;) {
    const Op& op = g_.ops[i];
    // An op without outputs is kept for whatever else it does.
    const bool needed =
        op.outputs.empty() || std::any_of(op.outputs.begin(), op.outputs.end(), [&](TensorId t) {
          const Tensor& x = g_.tensors[t];
          return read[t] || x.kind != TensorKind::Activation || kept(x.name);
        });
    if (!needed) {
      drop[i] = true;
      continue;
    }
    for (TensorId t : op.inputs) read[t] = true;
  }
  size_t kept_ops = 0;
  for (size_t i = 0; i < g_.ops.size(); ++i) {
    if (drop[i]) continue;
    if (kept_ops != i) g_.ops[kept_ops] = std::move(g_.ops[i]);
    ++kept_ops;
  }
  g_.ops.resize(kept_ops);
  return std::move(g_);
}

void GraphBuilder::mark_output(TensorId id) {
  Tensor& t = g_.tensors[id];
  if (t.kind == TensorKind::Activation) t.kind = TensorKind::Output;
}

}  // namespace vkllm::graph
