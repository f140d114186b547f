// Automatic device maps with accelerate's meaning (infer_auto_device_map and
// get_balanced_memory): each module (the embedding, each decoder layer, the final
// norm, the head) is kept whole and placed on the first device in order that
// still has room for it and, for a layer, its KV cache; GPUs come first, then the
// CPU, then "disk" (the CPU computing from the mapped file, the page cache as the
// tier). "balanced" first caps each GPU at an even share of the model;
// "balanced_low_0" leaves GPU 0 only what the others cannot hold; "sequential"
// fills each device to its limit; "auto" is balanced, as in transformers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/models/forward.h"
#include "engine/runtime/quantize_weights.h"
#include "engine/vulkan/device_info.h"

namespace vkllm::runtime {

enum class MapStrategy { Auto, Balanced, BalancedLow0, Sequential };

// "auto", "balanced", "balanced_low_0", "sequential"; nullopt for anything else
// (a file name).
std::optional<MapStrategy> parse_map_strategy(std::string_view s);
const char* map_strategy_name(MapStrategy s);

// What each module needs: weight bytes as they will be held (quantized at load
// where a plan says so) and the KV cache of each layer.
struct ModuleSizes {
  uint64_t embed = 0, norm = 0, head = 0;  // head 0 when tied to the embedding
  std::vector<uint64_t> layers;            // weights per layer
  uint64_t kv_per_layer = 0;
  // Activations of a 512-token step (with a quantized weight's dequantized copy,
  // models::kPromptDequantMaxBytes at most), on every device used.
  uint64_t reserve = 0;
  // Op offload (SessionOptions::offload_min_rows): a prompt chunk copies a CPU layer's
  // float weights to a GPU one Linear at a time; each GPU keeps room for two of the
  // largest (a gated MLP's gate and up are alive together) when the CPU holds layers.
  uint64_t offload_reserve = 0;
  uint64_t total() const;
};
ModuleSizes module_sizes(const model::ModelConfig& cfg, const model::WeightCheck& weights,
                         const QuantPlan* quant, uint32_t ctx, uint32_t sequences, DType cache);

// A device the map may fill: its index among the session's devices, and its limit.
struct MapDevice {
  int index = 0;
  std::string name;  // "0 (NVIDIA H100)", "cpu"
  bool cpu = false;
  uint64_t capacity = 0;
};

struct DeviceMapPlan {
  models::Placement placement;
  MapStrategy strategy = MapStrategy::Auto;
  std::vector<MapDevice> devices;
  std::vector<uint64_t> weight_bytes, kv_bytes;  // per entry of `devices`
  std::vector<bool> disk;  // per layer placed on the CPU past its limit ("disk")
};

// Places every module; the CPU (if listed) takes what no device holds, as "disk"
// past its capacity. Throws Error, before anything is loaded, when the model does
// not fit: bytes needed, bytes per device, and the flag that would help.
DeviceMapPlan plan_device_map(const ModuleSizes& sizes, std::vector<MapDevice> devices,
                              MapStrategy strategy);

// --max-memory "0=20GiB,1=30GiB,cpu=64GiB" (units B, KB/KiB, MB/MiB, GB/GiB, TB/TiB)
// as (key, bytes); throws Error naming the entry that does not parse.
std::vector<std::pair<std::string, uint64_t>> parse_max_memory(std::string_view text);

// A GPU as a map candidate: its free device-local memory (the heap's size where the
// driver reports no budget), named "I (device name)".
MapDevice gpu_map_device(int index, const vk::DeviceInfo& info);

// --max-memory's limits over the candidates (keys: "cpu" or a candidate's index);
// when limits are given, only the devices they name take part. Throws Error on a
// key that names no candidate.
std::vector<MapDevice> apply_max_memory(std::vector<MapDevice> candidates,
                                        std::string_view max_memory);

// The plan as transformers' hf_device_map reads ({"model.embed_tokens": 0,
// "model.layers.0": 0, ..., "model.layers.31": "cpu", "lm_head": 0}), with
// `cpu_index` shown as "cpu" (or "disk").
std::string device_map_json(const DeviceMapPlan& plan, int cpu_index);
// One line per device: which layers, weight and KV bytes against its limit.
std::string describe_device_map(const DeviceMapPlan& plan);

// Bytes of memory the host can give (MemAvailable), 0 if unknown.
uint64_t host_available_bytes();

}  // namespace vkllm::runtime
