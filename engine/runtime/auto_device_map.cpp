#include "engine/runtime/auto_device_map.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <numeric>

#include "engine/base/error.h"
#include "engine/models/forward.h"

namespace vkllm::runtime {

namespace {

std::string gib(uint64_t b) {
  if (b < (1ull << 30)) return fmt::format("{:.1f} MiB", double(b) / double(1ull << 20));
  return fmt::format("{:.2f} GiB", double(b) / double(1ull << 30));
}

}  // namespace

std::optional<MapStrategy> parse_map_strategy(std::string_view s) {
  if (s == "auto") return MapStrategy::Auto;
  if (s == "balanced") return MapStrategy::Balanced;
  if (s == "balanced_low_0") return MapStrategy::BalancedLow0;
  if (s == "sequential") return MapStrategy::Sequential;
  return std::nullopt;
}

const char* map_strategy_name(MapStrategy s) {
  switch (s) {
    case MapStrategy::Auto:
      return "auto";
    case MapStrategy::Balanced:
      return "balanced";
    case MapStrategy::BalancedLow0:
      return "balanced_low_0";
    case MapStrategy::Sequential:
      return "sequential";
  }
  return "?";
}

uint64_t ModuleSizes::total() const {
  return embed + norm + head + std::accumulate(layers.begin(), layers.end(), uint64_t(0)) +
         kv_per_layer * layers.size();
}

ModuleSizes module_sizes(const model::ModelConfig& cfg, const model::WeightCheck& weights,
                         const QuantPlan* quant, uint32_t ctx, uint32_t sequences, DType cache) {
  ModuleSizes s;
  s.layers.assign(size_t(cfg.num_layers), 0);
  uint64_t dequant = 0;
  for (size_t i = 0; i < weights.weights.size(); ++i) {
    const model::ResolvedWeight& w = weights.weights[i];
    const uint64_t bytes =
        quant && quant->formats[i]
            ? w.expected.shape[0] * quant_row_bytes(*quant->formats[i], w.expected.shape[1])
            : w.device_bytes();
    const bool quantized = (quant && quant->formats[i]) || w.quant;
    if (w.expected.layer >= 0) {
      s.layers[size_t(w.expected.layer)] += bytes;
      // Op offload's copies of a CPU layer's Linear and its input (a quantized
      // weight as stored; its dequantized copy is the reserve below).
      if (w.expected.shape.size() == 2) s.offload_reserve = std::max(s.offload_reserve, 2 * bytes);
      // A prompt chunk's dequantized copy of a quantized weight (f32 at most).
      if (quantized && w.expected.shape.size() == 2)
        dequant = std::max(dequant, std::min(models::kPromptDequantMaxBytes,
                                             4 * w.expected.shape[0] * w.expected.shape[1]));
    } else if (w.expected.role == model::WeightRole::TokenEmbedding)
      s.embed += bytes;
    else if (w.expected.role == model::WeightRole::OutputNorm)
      s.norm += bytes;
    else
      s.head += bytes;
  }
  s.kv_per_layer = 2ull * sequences * ctx * uint64_t(cfg.num_kv_heads) * uint64_t(cfg.head_dim) *
                   dtype_size(cache);
  // A 512-token step's intermediates (the graph arena), and its logits.
  s.reserve = 512ull * 4 * (8 * uint64_t(cfg.hidden_size) + 3 * uint64_t(cfg.intermediate_size)) +
              4ull * 4 * uint64_t(cfg.vocab_size) + dequant;
  return s;
}

DeviceMapPlan plan_device_map(const ModuleSizes& sizes, std::vector<MapDevice> devices,
                              MapStrategy strategy) {
  if (devices.empty()) fail("device map: no device to place the model on");
  // The CPU, if given, comes last: it takes what the GPUs do not hold.
  std::stable_partition(devices.begin(), devices.end(), [](auto& d) { return !d.cpu; });
  const size_t n = devices.size();
  std::vector<uint64_t> cap(n);
  const bool cpu_given = std::any_of(devices.begin(), devices.end(), [](auto& d) { return d.cpu; });
  for (size_t i = 0; i < n; ++i) {
    const uint64_t keep =
        sizes.reserve + (cpu_given && !devices[i].cpu ? sizes.offload_reserve : 0);
    cap[i] = devices[i].capacity > keep ? devices[i].capacity - keep : 0;
  }
  size_t gpus = 0;
  for (const MapDevice& d : devices) gpus += !d.cpu;
  uint64_t largest = 0;
  for (uint64_t l : sizes.layers) largest = std::max(largest, l + sizes.kv_per_layer);
  // get_balanced_memory: an even share per GPU (plus one layer of slack, so that the
  // last whole layer still fits), GPU 0 only the rest with balanced_low_0.
  if (strategy != MapStrategy::Sequential && gpus > 1) {
    const bool low0 = strategy == MapStrategy::BalancedLow0;
    const uint64_t share = sizes.total() / (gpus - (low0 ? 1 : 0)) + largest;
    for (size_t i = low0 ? 1 : 0; i < gpus; ++i) cap[i] = std::min(cap[i], share);
    if (low0) {
      uint64_t others = 0;
      for (size_t i = 1; i < gpus; ++i) others += cap[i];
      cap[0] = std::min(cap[0], sizes.total() > others ? sizes.total() - others : 0);
    }
  }

  DeviceMapPlan plan;
  plan.strategy = strategy;
  plan.devices = devices;
  plan.weight_bytes.assign(n, 0);
  plan.kv_bytes.assign(n, 0);
  plan.disk.assign(sizes.layers.size(), false);
  std::vector<uint64_t> used(n, 0);
  size_t cur = 0;
  // Places `bytes` (weights, plus kv) on the current device or the next with room;
  // the CPU takes anything (past its limit the weights stay on disk, mapped).
  auto place = [&](uint64_t weights, uint64_t kv, const std::string& what) -> size_t {
    while (cur < n && !devices[cur].cpu && used[cur] + weights + kv > cap[cur]) ++cur;
    if (cur == n) {
      std::string avail;
      for (size_t i = 0; i < n; ++i)
        avail += fmt::format("{}{}: {} (limit {})", i ? ", " : "", devices[i].name, gib(used[i]),
                             gib(devices[i].capacity));
      fail(
          "device map: the model needs {} (weights and KV cache, plus {} of activations per "
          "device) and does not fit: {} is left over after {}; add the CPU (--max-memory "
          "...,cpu=64GiB or --device 0,cpu), raise --max-memory, or lower --ctx",
          gib(sizes.total()), gib(sizes.reserve), what, avail);
    }
    used[cur] += weights + kv;
    plan.weight_bytes[cur] += weights;
    plan.kv_bytes[cur] += kv;
    return cur;
  };
  auto& p = plan.placement;
  p.embed = devices[place(sizes.embed, 0, "model.embed_tokens")].index;
  for (size_t il = 0; il < sizes.layers.size(); ++il) {
    const size_t d =
        place(sizes.layers[il], sizes.kv_per_layer, fmt::format("model.layers.{}", il));
    p.layers.push_back(devices[d].index);
    plan.disk[il] = devices[d].cpu && used[d] > cap[d];
  }
  p.norm = devices[place(sizes.norm, 0, "model.norm")].index;
  // Tied to the embedding, the head goes where the table is (accelerate keeps tied
  // weights together).
  p.lm_head = sizes.head ? devices[place(sizes.head, 0, "lm_head")].index : p.embed;
  int most = 0;
  for (const MapDevice& d : devices) most = std::max(most, d.index + 1);
  p.devices = most;
  return plan;
}

std::vector<std::pair<std::string, uint64_t>> parse_max_memory(std::string_view text) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string entry(text.substr(start, end - start));
    start = end + 1;
    const size_t eq = entry.find('=');
    auto bad = [&] {
      fail(
          "--max-memory: \"{}\" is not KEY=SIZE (0=20GiB, cpu=64GiB; units B, KB, KiB, MB, "
          "MiB, GB, GiB, TB, TiB)",
          entry);
    };
    if (eq == std::string::npos || eq == 0) bad();
    const std::string key = entry.substr(0, eq), size = entry.substr(eq + 1);
    size_t digits = 0;
    while (digits < size.size() && (std::isdigit(uint8_t(size[digits])) || size[digits] == '.'))
      ++digits;
    if (digits == 0) bad();
    double value = 0;
    try {
      value = std::stod(size.substr(0, digits));
    } catch (...) {
      bad();
    }
    std::string unit = size.substr(digits);
    for (char& c : unit) c = char(std::tolower(uint8_t(c)));
    const std::pair<const char*, double> units[] = {{"", 1},      {"b", 1},
                                                    {"kb", 1e3},  {"kib", 1024.0},
                                                    {"mb", 1e6},  {"mib", 1 << 20},
                                                    {"gb", 1e9},  {"gib", double(1ull << 30)},
                                                    {"tb", 1e12}, {"tib", double(1ull << 40)}};
    const auto* u =
        std::find_if(std::begin(units), std::end(units), [&](auto& x) { return unit == x.first; });
    if (u == std::end(units)) bad();
    out.emplace_back(key, uint64_t(value * u->second));
  }
  return out;
}

MapDevice gpu_map_device(int index, const vk::DeviceInfo& info) {
  uint64_t free = 0, size = 0;
  for (const auto& h : info.heaps)
    if (h.device_local) {
      free = std::max(free, h.budget > h.usage ? h.budget - h.usage : 0);
      size = std::max(size, h.size);
    }
  return {index, fmt::format("{} ({})", index, info.name), false, free ? free : size};
}

std::vector<MapDevice> apply_max_memory(std::vector<MapDevice> candidates,
                                        std::string_view max_memory) {
  const auto limits = parse_max_memory(max_memory);
  auto key_of = [](const MapDevice& d) {
    return d.cpu ? std::string("cpu") : std::to_string(d.index);
  };
  for (const auto& [key, bytes] : limits)
    if (std::none_of(candidates.begin(), candidates.end(),
                     [&](const MapDevice& d) { return key_of(d) == key; }))
      fail("--max-memory {}: no device {} (keys are indices into --device, or cpu)", max_memory,
           key);
  if (limits.empty()) return candidates;
  std::vector<MapDevice> out;
  for (MapDevice d : candidates)
    for (const auto& [key, bytes] : limits)
      if (key == key_of(d)) {
        d.capacity = bytes;
        out.push_back(d);
      }
  return out;
}

std::string device_map_json(const DeviceMapPlan& plan, int cpu_index) {
  const auto& p = plan.placement;
  auto value = [&](int d, bool disk = false) -> nlohmann::json {
    if (d == cpu_index) return disk ? "disk" : "cpu";
    return d;
  };
  nlohmann::ordered_json j;
  j["model.embed_tokens"] = value(p.embed);
  for (size_t il = 0; il < p.layers.size(); ++il)
    j["model.layers." + std::to_string(il)] =
        value(p.layers[il], il < plan.disk.size() && plan.disk[il]);
  j["model.norm"] = value(p.norm);
  j["lm_head"] = value(p.lm_head);
  return j.dump();
}

std::string describe_device_map(const DeviceMapPlan& plan) {
  const auto& p = plan.placement;
  std::string out = fmt::format("device map ({}):", map_strategy_name(plan.strategy));
  for (size_t i = 0; i < plan.devices.size(); ++i) {
    const MapDevice& d = plan.devices[i];
    std::vector<std::string> parts;
    if (p.embed == d.index) parts.push_back("embeddings");
    int first = -1;
    for (int il = 0; il <= int(p.layers.size()); ++il) {
      const bool here = il < int(p.layers.size()) && p.layers[size_t(il)] == d.index;
      if (here && first < 0) first = il;
      if (!here && first >= 0) {
        parts.push_back(first == il - 1 ? fmt::format("layer {}", first)
                                        : fmt::format("layers {}-{}", first, il - 1));
        first = -1;
      }
    }
    if (p.norm == d.index) parts.push_back("norm");
    if (p.lm_head == d.index) parts.push_back("lm_head");
    if (parts.empty()) continue;
    std::string what;
    for (const auto& s : parts) what += (what.empty() ? "" : ", ") + s;
    out += fmt::format("\n  {}: {} | weights {} + KV cache {} (limit {})", d.name, what,
                       gib(plan.weight_bytes[i]), gib(plan.kv_bytes[i]), gib(d.capacity));
  }
  return out;
}

uint64_t host_available_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemAvailable:") return kb * 1024;
  return 0;
}

}  // namespace vkllm::runtime
