#include "engine/graph/executor.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "engine/base/error.h"

namespace vkllm::graph {

// A run of consecutive ops on one device, recorded into one stream (a Vulkan
// device) or called in order (the CPU); or a transfer (one op, done by the host
// between submissions).
struct Executor::Segment {
  int device = 0;
  std::vector<size_t> ops;
  bool transfer = false;
  std::unique_ptr<vk::Stream> stream;
  std::vector<double> cpu_ns;  // per op, with ExecutorOptions::profile on the CPU
};

namespace {

struct Span {
  VkBuffer buffer;
  uint64_t lo, hi;
  bool overlaps(const Span& o) const { return buffer == o.buffer && lo < o.hi && o.lo < hi; }
};

bool any_overlap(const std::vector<Span>& a, const std::vector<Span>& b) {
  for (const Span& x : a)
    for (const Span& y : b)
      if (x.overlaps(y)) return true;
  return false;
}

}  // namespace

Executor::Executor(std::vector<Backend> devices, Graph graph, ExecutorOptions opts)
    : devices_(std::move(devices)), graph_(std::move(graph)), opts_(opts) {
  uint64_t alignment = 256;
  for (const Backend& d : devices_) alignment = std::max(alignment, d.offset_alignment());
  plan_ = plan_memory(graph_, int(devices_.size()), alignment);
  for (size_t d = 0; d < devices_.size(); ++d) {
    const uint64_t range = devices_[d].max_binding();
    for (const Tensor& t : graph_.tensors)
      if (t.device == int(d) && t.bytes() > range)
        fail(
            "graph: '{}' needs {} bytes, more than one binding of {} may cover ({}); use a "
            "smaller --batch",
            t.name, t.bytes(), devices_[d].name(), range);
    arenas_.push_back(devices_[d].buffer(std::max<uint64_t>(plan_.arena_bytes[d], 256),
                                         "intermediates (graph arena)"));
    inputs_.push_back(
        devices_[d].buffer(std::max<uint64_t>(plan_.input_bytes[d], 256), "graph inputs"));
  }
  for (const Op& op : graph_.ops)
    if (!op.transfer && devices_[size_t(op.device)].is_cpu() && !op.cpu)
      fail("graph: op '{}' ({}) has no CPU kernel; place its layer on a GPU", op.name, op.kind);
  uint64_t largest_transfer = 0;
  for (size_t i = 0; i < graph_.ops.size(); ++i) {
    const Op& op = graph_.ops[i];
    if (op.transfer) {
      largest_transfer = std::max(largest_transfer, graph_.tensor(op.inputs[0]).bytes());
      segments_.push_back(std::make_unique<Segment>(Segment{op.device, {i}, true, nullptr}));
      continue;
    }
    if (segments_.empty() || segments_.back()->transfer || segments_.back()->device != op.device)
      segments_.push_back(std::make_unique<Segment>(Segment{op.device, {}, false, nullptr}));
    segments_.back()->ops.push_back(i);
  }
  transfer_scratch_.resize(largest_transfer);
  // Host-cached copies of what the host reads of a GPU; the CPU's arena is read as it is.
  auto gpu = [&](const Tensor& x) { return !devices_[size_t(x.device)].is_cpu(); };
  for (TensorId t = 0; t < graph_.tensors.size(); ++t) {
    const Tensor& x = graph_.tensors[t];
    if (x.kind == TensorKind::Output && gpu(x))
      readback_.emplace(
          t, devices_[size_t(x.device)].buffer(std::max<uint64_t>(x.bytes(), 4), "graph output",
                                               vk::MemoryUse::Readback));
  }
  for (const Op& op : graph_.ops)
    if (op.transfer && !readback_.count(op.inputs[0]) && gpu(graph_.tensor(op.inputs[0]))) {
      const Tensor& x = graph_.tensor(op.inputs[0]);
      readback_.emplace(op.inputs[0], devices_[size_t(x.device)].buffer(
                                          std::max<uint64_t>(x.bytes(), 4), "device transfer",
                                          vk::MemoryUse::Readback));
    }
  for (auto& seg : segments_)
    if (!seg->transfer && !devices_[size_t(seg->device)].is_cpu()) record(*seg);
}

Executor::~Executor() {
  for (const Backend& d : devices_) d.wait_idle();
}

std::byte* Executor::host_pointer(TensorId id) const {
  const Tensor& t = graph_.tensor(id);
  if (t.kind == TensorKind::Weight || t.kind == TensorKind::State) {
    if (!t.bound.host) fail("graph: '{}' is on the CPU but its buffer is not host memory", t.name);
    return t.bound.data();
  }
  return buffer_of(id).mapped() + plan_.offset[id];
}

const vk::Buffer& Executor::buffer_of(TensorId id) const {
  const Tensor& t = graph_.tensor(id);
  return t.kind == TensorKind::Input ? inputs_[size_t(t.device)] : arenas_[size_t(t.device)];
}

vk::BufferRange Executor::range(TensorId id) const {
  const Tensor& t = graph_.tensor(id);
  if (t.kind == TensorKind::Weight || t.kind == TensorKind::State) return t.bound;
  return vk::BufferRange(buffer_of(id), plan_.offset[id], std::max<uint64_t>(t.bytes(), 4));
}

void Executor::record(Segment& seg) {
  vk::Device& dev = *devices_[size_t(seg.device)].vulkan;
  const uint32_t stamps = opts_.profile ? uint32_t(seg.ops.size() + 1) : 0;
  seg.stream = std::make_unique<vk::Stream>(dev, stamps);
  vk::Stream& s = *seg.stream;
  s.begin();
  // Host writes and the previous run's work come before anything here.
  s.barrier();
  if (opts_.profile) s.timestamp();
  // Barriers only where an op touches bytes written (or, for a write, read) since the last one.
  std::vector<Span> written, read;
  std::vector<vk::BufferRange> in, out;
  for (size_t i : seg.ops) {
    const Op& op = graph_.ops[i];
    in.clear();
    out.clear();
    std::vector<Span> r, w;
    for (TensorId t : op.inputs) {
      in.push_back(range(t));
      r.push_back({in.back().buffer, in.back().offset, in.back().offset + in.back().size});
    }
    for (TensorId t : op.outputs) {
      out.push_back(range(t));
      w.push_back({out.back().buffer, out.back().offset, out.back().offset + out.back().size});
    }
    if (any_overlap(r, written) || any_overlap(w, written) || any_overlap(w, read)) {
      s.barrier();
      written.clear();
      read.clear();
    }
    op.encode(s, in, out);
    written.insert(written.end(), w.begin(), w.end());
    read.insert(read.end(), r.begin(), r.end());
    if (opts_.profile) {
      // Time each op alone, so the table attributes it honestly.
      s.barrier();
      written.clear();
      read.clear();
      s.timestamp();
    }
  }
  // What the host reads of this segment's results goes to host-cached memory.
  std::vector<TensorId> copied;
  for (size_t i : seg.ops)
    for (TensorId t : graph_.ops[i].outputs) {
      auto it = readback_.find(t);
      if (it == readback_.end() || std::find(copied.begin(), copied.end(), t) != copied.end())
        continue;
      if (copied.empty()) s.barrier();
      copied.push_back(t);
      s.copy_range(range(t), vk::BufferRange(it->second), graph_.tensor(t).bytes());
    }
  s.end();
}

void Executor::write(TensorId input, std::span<const std::byte> data) {
  const Tensor& t = graph_.tensor(input);
  if (t.kind != TensorKind::Input) fail("executor: '{}' is not an input of the graph", t.name);
  if (data.size() != t.bytes())
    fail("executor: input '{}' takes {} bytes, {} given", t.name, t.bytes(), data.size());
  devices_[size_t(t.device)].upload(inputs_[size_t(t.device)], plan_.offset[input], data);
}

void Executor::run_cpu(Segment& seg) {
  host::cpu::Cpu& cpu = *devices_[size_t(seg.device)].cpu;
  std::vector<std::byte*> in, out;
  seg.cpu_ns.assign(opts_.profile ? seg.ops.size() : 0, 0.0);
  for (size_t j = 0; j < seg.ops.size(); ++j) {
    const Op& op = graph_.ops[seg.ops[j]];
    in.clear();
    out.clear();
    for (TensorId t : op.inputs) in.push_back(host_pointer(t));
    for (TensorId t : op.outputs) out.push_back(host_pointer(t));
    const auto start = std::chrono::steady_clock::now();
    op.cpu(cpu, in, out);
    if (opts_.profile)
      seg.cpu_ns[j] =
          std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
              .count();
  }
}

// A GPU's tensor is read from its host-cached copy; the CPU's is its arena bytes.
void Executor::transfer(const Op& op) {
  const TensorId src = op.inputs[0], dst = op.outputs[0];
  const Backend& from = devices_[size_t(graph_.tensor(src).device)];
  const Backend& to = devices_[size_t(op.device)];
  const uint64_t n = graph_.tensor(src).bytes();
  if (to.is_cpu()) {
    std::span<std::byte> bytes(host_pointer(dst), n);
    if (from.is_cpu())
      std::memcpy(bytes.data(), host_pointer(src), n);
    else
      from.download(readback_.at(src), 0, bytes);
    return;
  }
  if (from.is_cpu()) {
    // Host to GPU (op offload copies a CPU layer's weights for each prompt chunk): the
    // CPU's threads fill each staging slot, since one thread's memcpy (about 10 GB/s)
    // would bound the copy below the bus.
    const std::byte* data = host_pointer(src);
    to.vulkan->upload_with(arenas_[size_t(op.device)], plan_.offset[dst], n,
                           [&](std::byte* out, uint64_t m, uint64_t done) {
                             from.cpu->pool().parallel_for(m, 1 << 20, [&](size_t b, size_t e) {
                               std::memcpy(out + b, data + done + b, e - b);
                             });
                           });
    return;
  }
  from.download(readback_.at(src), 0, {transfer_scratch_.data(), n});
  to.upload(arenas_[size_t(op.device)], plan_.offset[dst], {transfer_scratch_.data(), n});
}

void Executor::run() {
  for (auto& seg : segments_) {
    if (seg->transfer)
      transfer(graph_.ops[seg->ops[0]]);
    else if (devices_[size_t(seg->device)].is_cpu())
      run_cpu(*seg);
    else
      seg->stream->submit_and_wait();
  }
}

void Executor::read(TensorId id, std::span<std::byte> out) const {
  const Tensor& t = graph_.tensor(id);
  if (out.size() != t.bytes())
    fail("executor: '{}' has {} bytes, {} requested", t.name, t.bytes(), out.size());
  if (t.kind == TensorKind::Weight || t.kind == TensorKind::State)
    fail("executor: '{}' is bound to a buffer the caller owns; read it there", t.name);
  if (t.kind == TensorKind::Activation)
    fail(
        "executor: '{}' is an intermediate whose bytes are reused; mark it as an output "
        "(--dump) to read it",
        t.name);
  if (auto it = readback_.find(id); it != readback_.end()) {
    devices_[size_t(t.device)].download(it->second, 0, out);
    return;
  }
  devices_[size_t(t.device)].download(buffer_of(id), plan_.offset[id], out);
}

std::vector<OpTime> Executor::profile() const {
  std::vector<OpTime> times;
  if (!opts_.profile) return times;
  for (const auto& seg : segments_) {
    if (seg->transfer) continue;
    if (!seg->stream) {
      for (size_t j = 0; j < seg->ops.size() && j < seg->cpu_ns.size(); ++j) {
        const Op& op = graph_.ops[seg->ops[j]];
        times.push_back({op.kind, op.name, seg->device, seg->cpu_ns[j]});
      }
      continue;
    }
    std::vector<double> ts = seg->stream->timestamps_ns();
    for (size_t j = 0; j < seg->ops.size() && j + 1 < ts.size(); ++j) {
      const Op& op = graph_.ops[seg->ops[j]];
      times.push_back({op.kind, op.name, seg->device, ts[j + 1] - ts[j]});
    }
  }
  return times;
}

}  // namespace vkllm::graph
