#include "engine/runtime/quantize_weights.h"

#include <fmt/format.h>

#include <chrono>

#include "engine/base/error.h"
#include "engine/base/progress.h"
#include "engine/kernels/quant.h"
#include "engine/runtime/device_weights.h"
#include "host/cpu/quantize.h"

namespace vkllm::runtime {

QuantPlan plan_quantization(const model::WeightCheck& weights, const std::string& name) {
  QuantPlan plan;
  plan.name = name;
  QuantFormat body;
  if (name == "q8")
    body = quant_q8();
  else if (name == "q4")
    body = quant_q4();
  else
    fail("--quant {}: expected q8 or q4", name);
  using R = model::WeightRole;
  plan.formats.resize(weights.weights.size());
  for (size_t i = 0; i < weights.weights.size(); ++i) {
    const model::ResolvedWeight& w = weights.weights[i];
    const R role = w.expected.role;
    if (w.quant) continue;  // the checkpoint's own quantization stays
    const bool linear = role == R::Q || role == R::K || role == R::V || role == R::QKV ||
                        role == R::O || role == R::Gate || role == R::Up || role == R::GateUp ||
                        role == R::Down;
    if (!linear && role != R::LmHead) {
      if (role == R::TokenEmbedding)
        plan.kept.push_back(
            {w.expected.name, weights.lm_head_tied
                                  ? "token embedding, also the tied output head"
                                  : "token embedding (one row gathered per token)"});
      continue;  // norms and biases: not listed, they are small and never quantized
    }
    const uint64_t k = w.expected.shape[1];
    if (k % 128 != 0) {
      plan.kept.push_back({w.expected.name, fmt::format("{} columns, not a multiple of 128", k)});
      continue;
    }
    plan.formats[i] = role == R::LmHead ? quant_q8() : body;
  }
  return plan;
}

namespace {

// The CPU's share: each planned weight read from the mapped file and quantized into
// host memory by the backend's threads.
void quantize_on_cpu(host::cpu::Cpu& cpu, const model::ModelFolder& folder, const QuantPlan& plan,
                     const std::vector<size_t>& todo, Progress& bar, DeviceQuantized& out) {
  out.buffers.reserve(todo.size());
  for (size_t i : todo) {
    const model::ResolvedWeight& w = folder.weights.weights[i];
    const QuantFormat& f = *plan.formats[i];
    const uint64_t n = w.expected.shape[0], k = w.expected.shape[1];
    out.buffers.push_back(vk::Buffer::host(n * quant_row_bytes(f, k)));
    const std::byte* src = w.ref.file->bytes().data() + w.ref.info->begin;
    host::cpu::quantize_rows(cpu, w.dtype, src, f, n, k, out.buffers.back().mapped());
    out.weights[i] = models::WeightBinding{vk::BufferRange(out.buffers.back()), DType::U32, f};
    out.bytes += out.buffers.back().size();
    out.source_bytes += w.ref.info->size();
    bar.add(w.ref.info->size());
  }
}

// A GPU's share, in batches of about 1 GiB of source bytes: read into scratch device
// memory, quantized there, released.
void quantize_on_gpu(vk::Device& device, const model::ModelFolder& folder, const QuantPlan& plan,
                     const std::vector<size_t>& todo, Progress& bar, DeviceQuantized& out) {
  const auto& weights = folder.weights.weights;
  constexpr uint64_t kBatch = 1ull << 30;
  for (size_t first = 0; first < todo.size();) {
    size_t last = first;
    uint64_t bytes = 0;
    while (last < todo.size() &&
           (last == first || bytes + weights[todo[last]].ref.info->size() <= kBatch))
      bytes += weights[todo[last++]].ref.info->size();
    std::vector<bool> in_batch(weights.size(), false);
    for (size_t j = first; j < last; ++j) in_batch[todo[j]] = true;
    const model::DeviceWeights scratch =
        model::upload_weights(graph::Backend(&device), folder,
                              {.progress = false, .select = [&](const model::ResolvedWeight& w) {
                                 return bool(in_batch[size_t(&w - weights.data())]);
                               }});
    vk::Stream s(device);
    s.begin();
    for (size_t j = first; j < last; ++j) {
      const size_t i = todo[j];
      const model::ResolvedWeight& w = weights[i];
      const QuantFormat& f = *plan.formats[i];
      const uint64_t n = w.expected.shape[0], k = w.expected.shape[1];
      const uint64_t size = n * quant_row_bytes(f, k);
      if (size > device.info().max_storage_buffer_range)
        fail("quantize: '{}' quantized is {} bytes, more than {} binds at once", w.expected.name,
             size, device.info().name);
      out.buffers.push_back(device.buffer(size, w.expected.name + " (" + plan.name + ")"));
      const model::DeviceTensor& src = scratch.tensors[i];
      kernels::quantize(s, src.dtype, f, src.range(), vk::BufferRange(out.buffers.back()),
                        uint32_t(n), uint32_t(k));
      out.weights[i] = models::WeightBinding{vk::BufferRange(out.buffers.back()), DType::U32, f};
      out.bytes += size;
    }
    s.end();
    s.submit_and_wait();
    out.source_bytes += bytes;
    bar.add(bytes);
    first = last;
  }
}

}  // namespace

DeviceQuantized quantize_weights(const graph::Backend& backend, const model::ModelFolder& folder,
                                 const QuantPlan& plan,
                                 const std::function<bool(size_t index)>& on_device,
                                 bool progress) {
  const auto t0 = std::chrono::steady_clock::now();
  DeviceQuantized out;
  out.weights.resize(folder.weights.weights.size());
  std::vector<size_t> todo;
  uint64_t total = 0;
  for (size_t i = 0; i < folder.weights.weights.size(); ++i)
    if (plan.formats[i] && on_device(i)) {
      todo.push_back(i);
      total += folder.weights.weights[i].ref.info->size();
    }
  Progress bar(fmt::format("quantize {}{}", plan.name, backend.is_cpu() ? " (cpu)" : ""), total,
               progress);
  if (backend.is_cpu())
    quantize_on_cpu(*backend.cpu, folder, plan, todo, bar, out);
  else
    quantize_on_gpu(*backend.vulkan, folder, plan, todo, bar, out);
  bar.finish();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace vkllm::runtime
