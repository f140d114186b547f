// Compute pipelines, created once per typed key and cached; the VkPipelineCache
// is persisted under the XDG cache directory so a second start compiles nothing.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "engine/vulkan/device_info.h"
#include "engine/vulkan/vk.h"
#include "shaders/shader_ids.h"

namespace vkllm::vk {

// Every kernel binds `bindings` storage buffers (0..n-1) through push descriptors
// and takes at most kPushConstantBytes of push constants.
constexpr uint32_t kPushConstantBytes = 128;
constexpr uint32_t kMaxBindings = 12;  // maxPushDescriptors is at least 32

struct PipelineKey {
  ShaderId shader{};
  uint32_t bindings = 0;
  uint32_t workgroup = 64;         // local_size_x, specialization constant 0
  std::array<uint32_t, 8> spec{};  // specialization constants 1..8
  uint32_t required_subgroup = 0;  // 0: driver's choice
  bool operator==(const PipelineKey&) const = default;
};

struct PipelineKeyHash {
  size_t operator()(const PipelineKey& k) const;
};

struct Pipeline {
  VkPipeline pipeline = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  uint32_t bindings = 0;
  uint32_t workgroup = 0;
};

struct PipelineStats {
  uint32_t created = 0;     // pipelines created in this process
  uint32_t cache_hits = 0;  // of those, how many the driver found in the pipeline cache
};

class PipelineCache {
 public:
  PipelineCache(VkDevice device, const DeviceInfo& info, bool persist);
  ~PipelineCache();
  PipelineCache(const PipelineCache&) = delete;
  PipelineCache& operator=(const PipelineCache&) = delete;

  const Pipeline& get(const PipelineKey& key);
  PipelineStats stats() const { return stats_; }
  // Bytes of pipeline-cache data read from disk at start (0 on a first start).
  size_t loaded_bytes() const { return loaded_bytes_; }
  // Writes the VkPipelineCache to disk (also done on destruction).
  void save();
  // $XDG_CACHE_HOME/vkllm (or ~/.cache/vkllm); VKLLM_CACHE_DIR overrides it.
  static std::filesystem::path cache_dir();

 private:
  VkPipelineLayout layout(uint32_t bindings);

  VkDevice device_;
  const DeviceInfo& info_;
  bool persist_;
  std::filesystem::path file_;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  std::array<VkDescriptorSetLayout, kMaxBindings + 1> set_layouts_{};
  std::array<VkPipelineLayout, kMaxBindings + 1> layouts_{};
  std::unordered_map<PipelineKey, std::unique_ptr<Pipeline>, PipelineKeyHash> pipelines_;
  std::unordered_map<ShaderId, VkShaderModule> modules_;
  PipelineStats stats_;
  size_t loaded_bytes_ = 0;
  std::mutex mutex_;
};

}  // namespace vkllm::vk
