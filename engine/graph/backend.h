// One device of a graph: a Vulkan device, or the host's CPU (host/cpu) whose
// buffers are host memory. What the session and the executor need of either
// (buffers, copies in and out, binding limits) is here, so that both kinds are
// handled alike up to the point where an op runs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/vulkan/device.h"
#include "host/cpu/cpu.h"

namespace vkllm::graph {

struct Backend {
  vk::Device* vulkan = nullptr;
  host::cpu::Cpu* cpu = nullptr;

  Backend() = default;
  Backend(vk::Device* d) : vulkan(d) {}   // NOLINT: a Vulkan device is a backend
  Backend(host::cpu::Cpu* c) : cpu(c) {}  // NOLINT: so is the CPU

  bool is_cpu() const { return cpu != nullptr; }
  // Every device of a list of Vulkan devices.
  static std::vector<Backend> of(const std::vector<vk::Device*>& devices) {
    return {devices.begin(), devices.end()};
  }
  std::string name() const;
  // Host memory (zeroed) on the CPU, device memory on a GPU.
  vk::Buffer buffer(uint64_t size, std::string_view label,
                    vk::MemoryUse use = vk::MemoryUse::Device) const;
  void upload(vk::Buffer& dst, uint64_t offset, std::span<const std::byte> src) const;
  void download(const vk::Buffer& src, uint64_t offset, std::span<std::byte> dst) const;
  // Zeroes [offset, offset + size) of dst.
  void zero(vk::Buffer& dst, uint64_t offset, uint64_t size) const;
  uint64_t offset_alignment() const;
  uint64_t max_binding() const;  // the largest range one op may bind
  // Free device-local bytes (0: unknown, as on the CPU and without VK_EXT_memory_budget).
  uint64_t free_bytes() const;
  void wait_idle() const;
};

}  // namespace vkllm::graph
