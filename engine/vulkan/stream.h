// A command stream: records dispatches into a command buffer that can be
// submitted (and re-submitted) on the device's queue, with completion tracked by
// a timeline semaphore and optional per-dispatch GPU timestamps.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "engine/vulkan/device.h"

namespace vkllm::vk {

// A binding: a buffer range bound to one storage-buffer slot of a kernel; for the
// CPU device's host buffers, `host` is the buffer's first byte (no VkBuffer).
struct BufferRange {
  VkBuffer buffer = VK_NULL_HANDLE;
  uint64_t offset = 0;
  uint64_t size = VK_WHOLE_SIZE;
  std::byte* host = nullptr;
  BufferRange() = default;
  BufferRange(const Buffer& b, uint64_t off = 0, uint64_t sz = VK_WHOLE_SIZE)
      : buffer(b.handle()), offset(off), size(sz), host(b.is_host() ? b.mapped() : nullptr) {}
  // The range's first byte, for host buffers.
  std::byte* data() const { return host ? host + offset : nullptr; }
  bool empty() const { return buffer == VK_NULL_HANDLE && !host; }
};

class Stream {
 public:
  explicit Stream(Device& device, uint32_t max_timestamps = 0);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  Device& device() { return device_; }

  // Starts recording (waits for the previous submission to finish first).
  void begin();
  void dispatch(const Pipeline& p, std::initializer_list<BufferRange> bindings,
                std::span<const std::byte> push, uint32_t gx, uint32_t gy = 1, uint32_t gz = 1);
  template <typename Push>
  void dispatch(const Pipeline& p, std::initializer_list<BufferRange> bindings, const Push& push,
                uint32_t gx, uint32_t gy = 1, uint32_t gz = 1) {
    static_assert(sizeof(Push) <= kPushConstantBytes);
    dispatch(p, bindings, std::as_bytes(std::span(&push, 1)), gx, gy, gz);
  }
  // Makes all earlier shader and transfer writes visible to later shaders and transfers.
  void barrier();
  void copy(const Buffer& src, uint64_t src_offset, const Buffer& dst, uint64_t dst_offset,
            uint64_t size);
  // Copies `size` bytes from the start of one bound range to the start of another.
  void copy_range(const BufferRange& src, const BufferRange& dst, uint64_t size);
  void fill(const Buffer& dst, uint64_t offset, uint64_t size, uint32_t value);
  // Writes a GPU timestamp after all earlier work; returns its index.
  uint32_t timestamp();
  void end();

  // Submits the recorded commands; returns the timeline value that marks completion.
  uint64_t submit();
  void wait(uint64_t value);
  void submit_and_wait() { wait(submit()); }
  // Timestamps of the last completed submission, in nanoseconds since the first.
  std::vector<double> timestamps_ns();

 private:
  Device& device_;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  VkSemaphore timeline_ = VK_NULL_HANDLE;
  VkQueryPool queries_ = VK_NULL_HANDLE;
  uint32_t max_timestamps_ = 0, used_timestamps_ = 0;
  uint64_t submitted_ = 0;
  bool recording_ = false;
};

}  // namespace vkllm::vk
