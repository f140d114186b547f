// A logical device: one compute queue, the memory allocator and the pipeline
// cache. Several Devices may be open at once, also over the same physical device.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <span>

#include "engine/vulkan/device_info.h"
#include "engine/vulkan/instance.h"
#include "engine/vulkan/memory.h"
#include "engine/vulkan/pipeline.h"

namespace vkllm::vk {

struct DeviceOptions {
  bool persist_pipeline_cache = true;
  bool map_device_memory = true;  // false: uploads and downloads go through staging
  uint64_t staging_bytes = 64ull << 20;
};

class Device {
 public:
  Device(const Instance& instance, const DeviceInfo& info, DeviceOptions opts = {});
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  VkDevice handle() const { return device_; }
  VkQueue queue() const { return queue_; }
  const DeviceInfo& info() const { return info_; }
  const Instance& instance() const { return instance_; }
  Allocator& allocator() { return *allocator_; }
  PipelineCache& pipelines() { return *pipelines_; }

  Buffer buffer(uint64_t size, std::string_view label, MemoryUse use = MemoryUse::Device) {
    return allocator_->create(size, use, label);
  }
  // Host <-> device copies: straight through the mapping when the buffer has one,
  // else through a staging ring with copies in flight while the next chunk is written.
  void upload(Buffer& dst, uint64_t offset, std::span<const std::byte> src);
  // Fills dst[offset, offset + size) chunk by chunk: `fill(out, n, done)` writes the
  // n bytes that start `done` bytes in, straight into the mapping or into a
  // staging slot (so a file can be read into device memory with no host copy).
  // Safe to call from several threads at once.
  using FillFn = std::function<void(std::byte* out, uint64_t n, uint64_t done)>;
  void upload_with(Buffer& dst, uint64_t offset, uint64_t size, const FillFn& fill);
  void download(const Buffer& src, uint64_t offset, std::span<std::byte> dst);
  // Queue submissions must not overlap from several threads.
  std::mutex& queue_mutex() { return queue_mutex_; }
  void wait_idle();
  // vkCmdPushDescriptorSetKHR of this device (pointers may differ between drivers).
  PFN_vkCmdPushDescriptorSetKHR push_descriptor_set() const { return push_descriptor_set_; }

 private:
  void ensure_staging();
  void copy_via_staging(VkBuffer dst, uint64_t dst_offset, VkBuffer src, uint64_t src_offset,
                        uint64_t size);

  const Instance& instance_;
  DeviceInfo info_;
  DeviceOptions opts_;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  PFN_vkCmdPushDescriptorSetKHR push_descriptor_set_ = nullptr;
  std::unique_ptr<Allocator> allocator_;
  std::unique_ptr<PipelineCache> pipelines_;
  std::mutex queue_mutex_;
  std::mutex staging_mutex_;  // one user of the staging ring at a time
  // Staging ring for devices (or options) without host-mapped device memory.
  struct Staging;
  std::unique_ptr<Staging> staging_;
};

}  // namespace vkllm::vk
