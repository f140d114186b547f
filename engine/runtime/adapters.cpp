#include "engine/runtime/adapters.h"

#include <fmt/format.h>

#include "engine/base/error.h"
#include "engine/kernels/elementwise.h"
#include "engine/kernels/lora.h"

namespace vkllm::runtime {

namespace {

vk::Buffer upload_floats(vk::Device& dev, std::span<const float> values, const std::string& label) {
  vk::Buffer b = dev.buffer(std::max<uint64_t>(values.size_bytes(), 4), label);
  dev.upload(b, 0, std::as_bytes(values));
  return b;
}

}  // namespace

DeviceAdapters::DeviceAdapters(std::span<vk::Device* const> devices,
                               const model::WeightCheck& check, BaseWeights base,
                               std::span<const model::LoraAdapter> adapters,
                               const AdapterOptions& opts)
    : base_(std::move(base)) {
  if (adapters.empty()) return;
  for (size_t d = 0; d < devices.size(); ++d) {
    vk::Device& dev = *devices[d];
    auto here = [&](size_t i) { return !base_(int(d), i).range.empty(); };
    auto keep = [&](vk::Buffer b) {
      bytes_ += b.size();
      buffers_.push_back(std::move(b));
      return vk::BufferRange(buffers_.back());
    };

    // Whole tensors first, so that a merge applies to what the adapter trained.
    for (const model::LoraAdapter& a : adapters)
      for (const model::LoraReplacement& r : a.replacements) {
        if (!here(r.weight)) continue;
        const auto data = a.data(r);
        vk::Buffer b = dev.buffer(data.size(), "adapter tensor " + r.tensor->name);
        dev.upload(b, 0, data);
        Slot& slot = slots_[{int(d), r.weight}];
        slot.binding = {keep(std::move(b)), *st::to_engine_dtype(r.tensor->dtype)};
      }

    // Factor buffers; merges are recorded into one stream and run together.
    vk::Stream s(dev);
    s.begin();
    std::vector<vk::Buffer> scratch;  // factors of merged adapters, freed after the merges
    bool recorded = false;
    for (const model::LoraAdapter& a : adapters) {
      for (const model::LoraModule& m : a.modules) {
        if (!here(m.weight)) continue;
        const std::string label = fmt::format("LoRA {} of {}", a.name, m.module);
        Slot& slot = slots_[{int(d), m.weight}];
        if (m.dora() && !m.bias.empty())
          fail("lora: {}: module '{}' has DoRA and lora_bias together, which vkllm does not run",
               a.dir.string(), m.module);
        if (m.dora() && !opts.merge && !slot.factors.empty())
          fail(
              "lora: {}: module '{}' has a DoRA adapter and another adapter; unmerged, DoRA "
              "runs alone (merge them with --lora-merge yes)",
              a.dir.string(), m.module);
        vk::Buffer A = upload_floats(dev, m.a, label + " (A)");
        vk::Buffer B = upload_floats(dev, m.b, label + " (B)");
        vk::Buffer M =
            m.dora() ? upload_floats(dev, m.magnitude, label + " (magnitude)") : vk::Buffer();
        const model::ResolvedWeight& rw = check.weights[m.weight];
        // The weight the merge reads: the checkpoint's, a replacement, or a widened copy.
        models::WeightBinding w =
            slot.binding.range.buffer ? slot.binding : base_(int(d), m.weight);
        if (w.quant && (opts.merge || m.dora()))
          fail(
              "lora: {}: module '{}' adapts a quantized weight ({}); {} over quantized weights "
              "runs unmerged only (--lora-merge no){}",
              a.dir.string(), m.module, quant_format_name(*w.quant), m.dora() ? "DoRA" : "LoRA",
              m.dora() ? ", and DoRA not at all yet" : "");
        if (opts.merge) {
          models::WeightBinding out = w;
          if (opts.widen && w.dtype != DType::F32) {
            const uint64_t bytes = uint64_t(m.out) * m.in * 4;
            out = {keep(dev.buffer(bytes, rw.expected.name + " (merged, f32)")), DType::F32,
                   std::nullopt};
          }
          const kernels::LoraMergeMode mode =
              m.dora() ? kernels::LoraMergeMode::DoraMerge : kernels::LoraMergeMode::Merge;
          // Unused bindings take B: any valid buffer.
          kernels::lora_merge(s, {w.dtype, out.dtype, mode}, w.range, A, B, m.dora() ? M : B,
                              out.range, B, m.out, m.in, m.rank);
          s.barrier();
          recorded = true;
          slot.binding = out;
          scratch.push_back(std::move(A));
          scratch.push_back(std::move(B));
          if (m.dora()) scratch.push_back(std::move(M));
          if (!m.bias.empty()) {
            models::LoraFactors f;
            f.bias = keep(upload_floats(dev, m.bias, label + " (bias)"));
            slot.factors.push_back(f);
          }
          continue;
        }
        models::LoraFactors f;
        f.rank = m.rank;
        f.a = keep(std::move(A));
        f.b = keep(std::move(B));
        if (!m.bias.empty()) f.bias = keep(upload_floats(dev, m.bias, label + " (bias)"));
        if (m.dora()) {
          // m / ||W + scale B A||_row, once: the norm is a constant of the weights.
          const vk::BufferRange factor = keep(dev.buffer(uint64_t(m.out) * 4, label + " (DoRA)"));
          kernels::lora_merge(s, {w.dtype, w.dtype, kernels::LoraMergeMode::DoraFactor}, w.range,
                              f.a, f.b, M, f.b, factor, m.out, m.in, m.rank);
          s.barrier();
          recorded = true;
          f.dora = factor;
          scratch.push_back(std::move(M));
        }
        slot.factors.push_back(f);
      }
    }
    s.end();
    if (recorded) s.submit_and_wait();
  }
}

std::vector<uint64_t> DeviceAdapters::bytes_needed(
    const model::WeightCheck& check, std::span<const model::LoraAdapter> adapters,
    const AdapterOptions& opts, size_t devices,
    const std::function<std::vector<int>(size_t)>& devices_of) {
  std::vector<uint64_t> bytes(devices, 0);
  std::vector<bool> widened(check.weights.size(), false);
  for (const model::LoraAdapter& a : adapters) {
    for (const model::LoraReplacement& r : a.replacements)
      for (int d : devices_of(r.weight)) bytes[size_t(d)] += r.tensor->size();
    for (const model::LoraModule& m : a.modules) {
      uint64_t b = (m.bias.size() + m.magnitude.size()) * 4;
      if (!opts.merge) b += (m.a.size() + m.b.size()) * 4;
      if (opts.merge && opts.widen && check.weights[m.weight].dtype != DType::F32 &&
          !widened[m.weight]) {
        widened[m.weight] = true;
        b += uint64_t(m.out) * m.in * 4;
      }
      for (int d : devices_of(m.weight)) bytes[size_t(d)] += b;
    }
  }
  return bytes;
}

models::WeightBinding DeviceAdapters::weight(int device, size_t index) const {
  auto it = slots_.find({device, index});
  if (it != slots_.end() && !it->second.binding.range.empty()) return it->second.binding;
  return base_ ? base_(device, index) : models::WeightBinding{};
}

std::span<const models::LoraFactors> DeviceAdapters::factors(int device, size_t index) const {
  auto it = slots_.find({device, index});
  if (it == slots_.end()) return {};
  return it->second.factors;
}

}  // namespace vkllm::runtime
