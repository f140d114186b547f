// Device memory: large blocks sub-allocated into buffers, within the device's
// maxMemoryAllocationSize, with device-local host-visible memory preferred for
// anything the host writes (the H200 has it through resizable BAR).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/vulkan/device_info.h"
#include "engine/vulkan/vk.h"

namespace vkllm::vk {

enum class MemoryUse {
  Device,    // device-local; host-mapped too where the device allows (weights, activations)
  Staging,   // host-visible, coherent: uploads
  Readback,  // host-visible, cached where possible: downloads
};

class Allocator;

// A VkBuffer bound to a sub-range of a memory block. Move-only; frees on destruction.
// The CPU device's buffers are host memory in the same type (no VkBuffer): owned,
// 64-byte aligned and zeroed, or a view of bytes someone else owns (a mapped file).
class Buffer {
 public:
  static Buffer host(uint64_t size);
  static Buffer host_view(const std::byte* data, uint64_t size);
  Buffer() = default;
  ~Buffer() { reset(); }
  Buffer(Buffer&& o) noexcept { *this = std::move(o); }
  Buffer& operator=(Buffer&& o) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer handle() const { return buffer_; }
  uint64_t size() const { return size_; }
  // Host pointer to the buffer's first byte, or nullptr when not host-visible.
  std::byte* mapped() const { return mapped_; }
  // Host memory of the CPU device (host() or host_view()), not a VkBuffer.
  bool is_host() const { return host_; }
  explicit operator bool() const { return buffer_ != VK_NULL_HANDLE || host_; }
  void reset();

 private:
  friend class Allocator;
  Allocator* owner_ = nullptr;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  uint64_t size_ = 0;
  std::byte* mapped_ = nullptr;
  int block_ = -1;
  uint64_t offset_ = 0, reserved_ = 0;
  bool noncoherent_ = false;
  bool host_ = false, host_owned_ = false;
};

struct AllocatorOptions {
  uint64_t block_size = 256ull << 20;
  bool map_device_memory = true;  // false forces uploads through staging (tests use it)
};

class Allocator {
 public:
  Allocator(VkDevice device, const DeviceInfo& info, AllocatorOptions opts = {});
  ~Allocator();
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  // `label` names the buffer in out-of-memory errors ("weights of layer 3", ...).
  Buffer create(uint64_t size, MemoryUse use, std::string_view label);
  // Whether Device buffers are host-mapped (uploads then go straight in).
  bool device_mapped() const { return device_type_mapped_; }
  uint64_t bytes_in_use() const { return in_use_; }

 private:
  friend class Buffer;
  struct Block {
    VkDeviceMemory memory = VK_NULL_HANDLE;
    uint32_t type = 0;
    uint64_t size = 0;
    std::byte* mapped = nullptr;
    bool dedicated = false;
    std::vector<std::pair<uint64_t, uint64_t>> free;  // (offset, size), sorted by offset
  };
  void release(Buffer& b);
  int memory_type(uint32_t type_bits, MemoryUse use) const;
  int new_block(uint32_t type, uint64_t size, bool dedicated, std::string_view label);

  VkDevice device_;
  const DeviceInfo& info_;
  AllocatorOptions opts_;
  VkPhysicalDeviceMemoryProperties props_{};
  bool device_type_mapped_ = false;
  std::vector<Block> blocks_;
  uint64_t in_use_ = 0;
  std::mutex mutex_;
};

}  // namespace vkllm::vk
