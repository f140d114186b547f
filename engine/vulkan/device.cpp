#include "engine/vulkan/device.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/base/log.h"

namespace vkllm::vk {

// Slots of one staging buffer, each with its own command buffer and timeline value.
struct Device::Staging {
  static constexpr int kSlots = 4;
  Buffer buffer;
  uint64_t slot_bytes = 0;
  VkCommandPool pool = VK_NULL_HANDLE;
  VkCommandBuffer cmd[kSlots]{};
  VkSemaphore timeline = VK_NULL_HANDLE;
  uint64_t slot_value[kSlots]{};
  uint64_t next_value = 1;
  int next_slot = 0;
};

Device::Device(const Instance& instance, const DeviceInfo& info, DeviceOptions opts)
    : instance_(instance), info_(info), opts_(opts) {
  if (!info_.storage16)
    fail("vulkan: {} lacks storageBuffer16BitAccess, which vkllm's kernels need", info_.name);
  if (!info_.push_descriptor)
    fail("vulkan: {} lacks VK_KHR_push_descriptor, which vkllm needs", info_.name);
  if (!info_.subgroup_arithmetic)
    fail("vulkan: {} lacks subgroup arithmetic in compute shaders, which vkllm needs", info_.name);

  // glslang compiles GL_NV_cooperative_matrix shaders for the Vulkan memory model:
  // without it the cooperative-matrix kernels cannot run, so the device has none.
  VkPhysicalDeviceVulkan12Features supported12{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceFeatures2 supported2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  supported2.pNext = &supported12;
  vkGetPhysicalDeviceFeatures2(info_.physical, &supported2);
  if (info_.coopmat_nv && !supported12.vulkanMemoryModel) {
    info_.coopmat_nv = false;
    info_.coopmat_shapes.clear();
  }

  std::vector<const char*> exts{VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME};
  if (info_.memory_budget) exts.push_back(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  if (info_.coopmat_nv) exts.push_back(VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
  if (info_.api_version < VK_API_VERSION_1_3) {
    if (info_.subgroup_size_control) exts.push_back(VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
    if (info_.int_dot) exts.push_back(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
  }

  VkPhysicalDeviceFeatures2 feats{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  VkPhysicalDeviceFeatures supported{};
  vkGetPhysicalDeviceFeatures(info_.physical, &supported);
  feats.features.shaderInt16 = supported.shaderInt16;
  feats.features.shaderInt64 = supported.shaderInt64;
  VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  f11.storageBuffer16BitAccess = VK_TRUE;
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  f12.shaderFloat16 = info_.fp16;
  f12.shaderInt8 = info_.int8;
  f12.storageBuffer8BitAccess = info_.storage8;
  f12.timelineSemaphore = VK_TRUE;
  f12.vulkanMemoryModel = info_.coopmat_nv;
  VkPhysicalDeviceSubgroupSizeControlFeatures sgc{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
  sgc.subgroupSizeControl = info_.subgroup_size_control;
  sgc.computeFullSubgroups = info_.subgroup_size_control;
  VkPhysicalDeviceCooperativeMatrixFeaturesNV coop{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
  coop.cooperativeMatrix = VK_TRUE;
  feats.pNext = &f11;
  f11.pNext = &f12;
  f12.pNext = &sgc;
  void** tail = &sgc.pNext;
  if (info_.coopmat_nv) {
    *tail = &coop;
    tail = &coop.pNext;
  }
  VkPhysicalDeviceShaderIntegerDotProductFeatures dot{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES};
  dot.shaderIntegerDotProduct = VK_TRUE;
  if (info_.int_dot) {
    *tail = &dot;
    tail = &dot.pNext;
  }

  float priority = 1.0f;
  VkDeviceQueueCreateInfo qi{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qi.queueFamilyIndex = info_.compute_queue_family;
  qi.queueCount = 1;
  qi.pQueuePriorities = &priority;
  VkDeviceCreateInfo ci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  ci.pNext = &feats;
  ci.queueCreateInfoCount = 1;
  ci.pQueueCreateInfos = &qi;
  ci.enabledExtensionCount = uint32_t(exts.size());
  ci.ppEnabledExtensionNames = exts.data();
  check(vkCreateDevice(info_.physical, &ci, nullptr, &device_), "vkCreateDevice");
  vkGetDeviceQueue(device_, info_.compute_queue_family, 0, &queue_);
  push_descriptor_set_ = reinterpret_cast<PFN_vkCmdPushDescriptorSetKHR>(
      vkGetDeviceProcAddr(device_, "vkCmdPushDescriptorSetKHR"));
  if (!push_descriptor_set_) fail("vulkan: {}: vkCmdPushDescriptorSetKHR not found", info_.name);

  allocator_ = std::make_unique<Allocator>(
      device_, info_, AllocatorOptions{.map_device_memory = opts_.map_device_memory});
  pipelines_ = std::make_unique<PipelineCache>(device_, info_, opts_.persist_pipeline_cache);
}

Device::~Device() {
  if (!device_) return;
  vkDeviceWaitIdle(device_);
  if (staging_) {
    vkDestroyCommandPool(device_, staging_->pool, nullptr);
    vkDestroySemaphore(device_, staging_->timeline, nullptr);
    staging_->buffer.reset();
  }
  pipelines_.reset();
  allocator_.reset();
  vkDestroyDevice(device_, nullptr);
}

void Device::wait_idle() {
  std::lock_guard lock(queue_mutex_);
  check(vkDeviceWaitIdle(device_), "vkDeviceWaitIdle");
}

void Device::copy_via_staging(VkBuffer dst, uint64_t dst_offset, VkBuffer src, uint64_t src_offset,
                              uint64_t size) {
  Staging& s = *staging_;
  int slot = s.next_slot;
  VkCommandBuffer cmd = s.cmd[slot];
  check(vkResetCommandBuffer(cmd, 0), "vkResetCommandBuffer");
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  check(vkBeginCommandBuffer(cmd, &bi), "vkBeginCommandBuffer");
  VkBufferCopy region{src_offset, dst_offset, size};
  vkCmdCopyBuffer(cmd, src, dst, 1, &region);
  // Make the copy visible to later compute work and host reads on this queue.
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask =
      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb,
                       0, nullptr, 0, nullptr);
  check(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
  uint64_t value = s.next_value++;
  VkTimelineSemaphoreSubmitInfo ts{VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO};
  ts.signalSemaphoreValueCount = 1;
  ts.pSignalSemaphoreValues = &value;
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.pNext = &ts;
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  si.signalSemaphoreCount = 1;
  si.pSignalSemaphores = &s.timeline;
  {
    std::lock_guard lock(queue_mutex_);
    check(vkQueueSubmit(queue_, 1, &si, VK_NULL_HANDLE), "vkQueueSubmit (staging copy)");
  }
  s.slot_value[slot] = value;
  s.next_slot = (slot + 1) % Staging::kSlots;
}

namespace {
void wait_value(VkDevice device, VkSemaphore sem, uint64_t value) {
  if (!value) return;
  VkSemaphoreWaitInfo wi{VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO};
  wi.semaphoreCount = 1;
  wi.pSemaphores = &sem;
  wi.pValues = &value;
  check(vkWaitSemaphores(device, &wi, UINT64_MAX), "vkWaitSemaphores");
}
}  // namespace

void Device::ensure_staging() {
  if (staging_) return;
  staging_ = std::make_unique<Staging>();
  Staging& s = *staging_;
  s.buffer = allocator_->create(opts_.staging_bytes, MemoryUse::Staging, "staging ring");
  s.slot_bytes = opts_.staging_bytes / Staging::kSlots / 256 * 256;
  VkCommandPoolCreateInfo pi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pi.queueFamilyIndex = info_.compute_queue_family;
  check(vkCreateCommandPool(device_, &pi, nullptr, &s.pool), "vkCreateCommandPool");
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = s.pool;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = Staging::kSlots;
  check(vkAllocateCommandBuffers(device_, &ai, s.cmd), "vkAllocateCommandBuffers");
  VkSemaphoreTypeCreateInfo ti{VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO};
  ti.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
  VkSemaphoreCreateInfo sci{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
  sci.pNext = &ti;
  check(vkCreateSemaphore(device_, &sci, nullptr, &s.timeline), "vkCreateSemaphore");
}

void Device::upload(Buffer& dst, uint64_t offset, std::span<const std::byte> src) {
  upload_with(dst, offset, src.size(), [&](std::byte* out, uint64_t n, uint64_t done) {
    std::memcpy(out, src.data() + done, n);
  });
}

void Device::upload_with(Buffer& dst, uint64_t offset, uint64_t size, const FillFn& fill) {
  if (offset + size > dst.size())
    fail("vulkan: upload of {} bytes at offset {} overruns a buffer of {} bytes", size, offset,
         dst.size());
  if (dst.mapped()) {
    fill(dst.mapped() + offset, size, 0);
    return;
  }
  std::lock_guard lock(staging_mutex_);
  ensure_staging();
  Staging& s = *staging_;
  for (uint64_t done = 0; done < size;) {
    uint64_t n = std::min<uint64_t>(s.slot_bytes, size - done);
    int slot = s.next_slot;
    wait_value(device_, s.timeline, s.slot_value[slot]);  // the slot's last copy finished
    fill(s.buffer.mapped() + uint64_t(slot) * s.slot_bytes, n, done);
    copy_via_staging(dst.handle(), offset + done, s.buffer.handle(), uint64_t(slot) * s.slot_bytes,
                     n);
    done += n;
  }
  wait_value(device_, s.timeline, s.next_value - 1);
}

void Device::download(const Buffer& src, uint64_t offset, std::span<std::byte> dst) {
  if (offset + dst.size() > src.size())
    fail("vulkan: download of {} bytes at offset {} overruns a buffer of {} bytes", dst.size(),
         offset, src.size());
  if (src.mapped()) {
    std::memcpy(dst.data(), src.mapped() + offset, dst.size());
    return;
  }
  // Uses the upload ring in reverse: copy a chunk into a slot, wait, read it.
  std::lock_guard lock(staging_mutex_);
  ensure_staging();
  Staging& s = *staging_;
  for (uint64_t done = 0; done < dst.size();) {
    uint64_t n = std::min<uint64_t>(s.slot_bytes, dst.size() - done);
    int slot = s.next_slot;
    wait_value(device_, s.timeline, s.slot_value[slot]);
    copy_via_staging(s.buffer.handle(), uint64_t(slot) * s.slot_bytes, src.handle(), offset + done,
                     n);
    wait_value(device_, s.timeline, s.slot_value[slot]);
    std::memcpy(dst.data() + done, s.buffer.mapped() + uint64_t(slot) * s.slot_bytes, n);
    done += n;
  }
}

}  // namespace vkllm::vk
