#include "engine/vulkan/stream.h"

namespace vkllm::vk {

Stream::Stream(Device& device, uint32_t max_timestamps)
    : device_(device), max_timestamps_(max_timestamps) {
  VkDevice d = device_.handle();
  VkCommandPoolCreateInfo pi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pi.queueFamilyIndex = device_.info().compute_queue_family;
  check(vkCreateCommandPool(d, &pi, nullptr, &pool_), "vkCreateCommandPool");
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = pool_;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  check(vkAllocateCommandBuffers(d, &ai, &cmd_), "vkAllocateCommandBuffers");
  VkSemaphoreTypeCreateInfo ti{VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO};
  ti.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
  VkSemaphoreCreateInfo si{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
  si.pNext = &ti;
  check(vkCreateSemaphore(d, &si, nullptr, &timeline_), "vkCreateSemaphore");
  if (max_timestamps_ > 0) {
    if (!device_.info().timestamps)
      fail("vulkan: {} has no timestamp queries on its compute queue", device_.info().name);
    VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = max_timestamps_;
    check(vkCreateQueryPool(d, &qi, nullptr, &queries_), "vkCreateQueryPool");
  }
}

Stream::~Stream() {
  VkDevice d = device_.handle();
  if (submitted_) {
    try {
      wait(submitted_);
    } catch (...) {
    }
  }
  if (queries_) vkDestroyQueryPool(d, queries_, nullptr);
  vkDestroySemaphore(d, timeline_, nullptr);
  vkDestroyCommandPool(d, pool_, nullptr);
}

void Stream::begin() {
  if (submitted_) wait(submitted_);
  check(vkResetCommandBuffer(cmd_, 0), "vkResetCommandBuffer");
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  check(vkBeginCommandBuffer(cmd_, &bi), "vkBeginCommandBuffer");
  if (queries_) vkCmdResetQueryPool(cmd_, queries_, 0, max_timestamps_);
  used_timestamps_ = 0;
  recording_ = true;
}

void Stream::dispatch(const Pipeline& p, std::initializer_list<BufferRange> bindings,
                      std::span<const std::byte> push, uint32_t gx, uint32_t gy, uint32_t gz) {
  if (!recording_) fail("stream: dispatch outside begin()/end()");
  if (bindings.size() != p.bindings)
    fail("stream: kernel takes {} buffers, {} given", p.bindings, bindings.size());
  VkDescriptorBufferInfo infos[kMaxBindings];
  VkWriteDescriptorSet writes[kMaxBindings];
  uint32_t i = 0;
  for (const BufferRange& b : bindings) {
    infos[i] = {b.buffer, b.offset, b.size};
    writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    writes[i].dstBinding = i;
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[i].pBufferInfo = &infos[i];
    ++i;
  }
  vkCmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline);
  if (i)
    device_.push_descriptor_set()(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout, 0, i, writes);
  if (!push.empty())
    vkCmdPushConstants(cmd_, p.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, uint32_t(push.size()),
                       push.data());
  vkCmdDispatch(cmd_, gx, gy, gz);
}

void Stream::barrier() {
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                     VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  const VkPipelineStageFlags stages =
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(cmd_, stages, stages, 0, 1, &mb, 0, nullptr, 0, nullptr);
}

void Stream::copy(const Buffer& src, uint64_t src_offset, const Buffer& dst, uint64_t dst_offset,
                  uint64_t size) {
  VkBufferCopy region{src_offset, dst_offset, size};
  vkCmdCopyBuffer(cmd_, src.handle(), dst.handle(), 1, &region);
}

void Stream::copy_range(const BufferRange& src, const BufferRange& dst, uint64_t size) {
  VkBufferCopy region{src.offset, dst.offset, size};
  vkCmdCopyBuffer(cmd_, src.buffer, dst.buffer, 1, &region);
}

void Stream::fill(const Buffer& dst, uint64_t offset, uint64_t size, uint32_t value) {
  vkCmdFillBuffer(cmd_, dst.handle(), offset, size, value);
}

uint32_t Stream::timestamp() {
  if (used_timestamps_ >= max_timestamps_)
    fail("stream: more than {} timestamps in one recording", max_timestamps_);
  vkCmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, used_timestamps_);
  return used_timestamps_++;
}

void Stream::end() {
  // Results become visible to the host once the submission completes.
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
  check(vkEndCommandBuffer(cmd_), "vkEndCommandBuffer");
  recording_ = false;
}

uint64_t Stream::submit() {
  if (recording_) end();
  uint64_t value = submitted_ + 1;
  VkTimelineSemaphoreSubmitInfo ts{VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO};
  ts.signalSemaphoreValueCount = 1;
  ts.pSignalSemaphoreValues = &value;
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.pNext = &ts;
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd_;
  si.signalSemaphoreCount = 1;
  si.pSignalSemaphores = &timeline_;
  {
    std::lock_guard lock(device_.queue_mutex());
    check(vkQueueSubmit(device_.queue(), 1, &si, VK_NULL_HANDLE), "vkQueueSubmit");
  }
  submitted_ = value;
  return value;
}

void Stream::wait(uint64_t value) {
  VkSemaphoreWaitInfo wi{VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO};
  wi.semaphoreCount = 1;
  wi.pSemaphores = &timeline_;
  wi.pValues = &value;
  check(vkWaitSemaphores(device_.handle(), &wi, UINT64_MAX), "vkWaitSemaphores");
}

std::vector<double> Stream::timestamps_ns() {
  std::vector<uint64_t> raw(used_timestamps_);
  if (raw.empty()) return {};
  check(vkGetQueryPoolResults(device_.handle(), queries_, 0, used_timestamps_,
                              raw.size() * sizeof(uint64_t), raw.data(), sizeof(uint64_t),
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
        "vkGetQueryPoolResults");
  std::vector<double> ns(raw.size());
  double period = device_.info().timestamp_period_ns;
  for (size_t i = 0; i < raw.size(); ++i) ns[i] = double(raw[i] - raw[0]) * period;
  return ns;
}

}  // namespace vkllm::vk
