#include "engine/graph/backend.h"

#include <algorithm>
#include <cstring>

#include "engine/vulkan/stream.h"

namespace vkllm::graph {

std::string Backend::name() const {
  return cpu ? cpu->name() : vulkan->info().name;
}

vk::Buffer Backend::buffer(uint64_t size, std::string_view label, vk::MemoryUse use) const {
  if (cpu) return vk::Buffer::host(size);
  return vulkan->buffer(size, label, use);
}

void Backend::upload(vk::Buffer& dst, uint64_t offset, std::span<const std::byte> src) const {
  if (dst.is_host()) {
    std::memcpy(dst.mapped() + offset, src.data(), src.size());
    return;
  }
  vulkan->upload(dst, offset, src);
}

void Backend::download(const vk::Buffer& src, uint64_t offset, std::span<std::byte> dst) const {
  if (src.is_host()) {
    std::memcpy(dst.data(), src.mapped() + offset, dst.size());
    return;
  }
  vulkan->download(src, offset, dst);
}

void Backend::zero(vk::Buffer& dst, uint64_t offset, uint64_t size) const {
  if (dst.is_host()) {
    std::memset(dst.mapped() + offset, 0, size);
    return;
  }
  vk::Stream s(*vulkan);
  s.begin();
  s.fill(dst, offset, size, 0);
  s.end();
  s.submit_and_wait();
}

uint64_t Backend::offset_alignment() const {
  return cpu ? 1 : vulkan->info().min_storage_buffer_offset_alignment;
}

uint64_t Backend::max_binding() const {
  return cpu ? UINT64_MAX : vulkan->info().max_storage_buffer_range;
}

uint64_t Backend::free_bytes() const {
  if (cpu) return 0;
  uint64_t free = 0;
  for (const auto& h : vulkan->info().heaps)
    if (h.device_local) free = std::max(free, h.budget > h.usage ? h.budget - h.usage : 0);
  return free;
}

void Backend::wait_idle() const {
  if (vulkan) vulkan->wait_idle();
}

}  // namespace vkllm::graph
