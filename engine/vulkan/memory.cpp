#include "engine/vulkan/memory.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace vkllm::vk {

namespace {

uint64_t align_up(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}

std::string gib(uint64_t b) {
  return fmt::format("{:.2f} GiB", double(b) / double(1ull << 30));
}

}  // namespace

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    reset();
    owner_ = o.owner_;
    buffer_ = o.buffer_;
    size_ = o.size_;
    mapped_ = o.mapped_;
    block_ = o.block_;
    offset_ = o.offset_;
    reserved_ = o.reserved_;
    noncoherent_ = o.noncoherent_;
    host_ = o.host_;
    host_owned_ = o.host_owned_;
    o.owner_ = nullptr;
    o.buffer_ = VK_NULL_HANDLE;
    o.mapped_ = nullptr;
    o.host_ = o.host_owned_ = false;
    o.mapped_ = nullptr;
    o.block_ = -1;
  }
  return *this;
}

Buffer Buffer::host(uint64_t size) {
  Buffer b;
  const uint64_t bytes = align_up(std::max<uint64_t>(size, 1), 64);
  b.mapped_ = static_cast<std::byte*>(std::aligned_alloc(64, bytes));
  if (!b.mapped_) fail("memory: {} bytes of host memory could not be allocated", size);
  std::memset(b.mapped_, 0, bytes);
  b.size_ = size;
  b.host_ = b.host_owned_ = true;
  return b;
}

Buffer Buffer::host_view(const std::byte* data, uint64_t size) {
  Buffer b;
  b.mapped_ = const_cast<std::byte*>(data);
  b.size_ = size;
  b.host_ = true;
  return b;
}

void Buffer::reset() {
  if (host_owned_) std::free(mapped_);
  host_ = host_owned_ = false;
  if (owner_ && buffer_) owner_->release(*this);
  owner_ = nullptr;
  buffer_ = VK_NULL_HANDLE;
  mapped_ = nullptr;
  block_ = -1;
  size_ = 0;
}

Allocator::Allocator(VkDevice device, const DeviceInfo& info, AllocatorOptions opts)
    : device_(device), info_(info), opts_(opts) {
  vkGetPhysicalDeviceMemoryProperties(info.physical, &props_);
  opts_.block_size = std::min(opts_.block_size, info.max_memory_allocation_size);
  int t = memory_type(~0u, MemoryUse::Device);
  device_type_mapped_ =
      t >= 0 && (props_.memoryTypes[t].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
}

Allocator::~Allocator() {
  for (auto& b : blocks_)
    if (b.memory) vkFreeMemory(device_, b.memory, nullptr);
}

int Allocator::memory_type(uint32_t bits, MemoryUse use) const {
  const VkMemoryPropertyFlags dl = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  const VkMemoryPropertyFlags hv = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
  const VkMemoryPropertyFlags hc = VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  const VkMemoryPropertyFlags cached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
  // Candidate property sets, best first.
  std::vector<std::pair<VkMemoryPropertyFlags, VkMemoryPropertyFlags>> want;  // (required, avoid)
  switch (use) {
    case MemoryUse::Device:
      if (opts_.map_device_memory) want.push_back({dl | hv | hc, 0});
      want.push_back({dl, opts_.map_device_memory ? 0 : hv});
      want.push_back({dl, 0});
      break;
    case MemoryUse::Staging:
      want.push_back({hv | hc, dl});
      want.push_back({hv | hc, 0});
      break;
    case MemoryUse::Readback:
      want.push_back({hv | hc | cached, 0});
      want.push_back({hv | hc, 0});
      break;
  }
  for (auto [req, avoid] : want)
    for (uint32_t i = 0; i < props_.memoryTypeCount; ++i) {
      auto f = props_.memoryTypes[i].propertyFlags;
      if ((bits & (1u << i)) && (f & req) == req && !(f & avoid)) return int(i);
    }
  return -1;
}

int Allocator::new_block(uint32_t type, uint64_t size, bool dedicated, std::string_view label) {
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.allocationSize = size;
  ai.memoryTypeIndex = type;
  Block b;
  VkResult r = vkAllocateMemory(device_, &ai, nullptr, &b.memory);
  if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) {
    uint32_t heap = props_.memoryTypes[type].heapIndex;
    const auto& h = info_.heaps[heap];
    uint64_t free = h.budget > h.usage ? h.budget - h.usage : 0;
    fail(
        "vulkan: {}: out of memory allocating {} bytes ({}) for {}: heap {} has a budget of {} "
        "with {} in use by vkllm and about {} free at start; use a smaller model or context, or "
        "place layers on another device",
        info_.name, size, gib(size), label, heap, gib(h.budget), gib(in_use_), gib(free));
  }
  check(r, "vkAllocateMemory");
  b.type = type;
  b.size = size;
  b.dedicated = dedicated;
  if (props_.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
    void* p = nullptr;
    check(vkMapMemory(device_, b.memory, 0, VK_WHOLE_SIZE, 0, &p), "vkMapMemory");
    b.mapped = static_cast<std::byte*>(p);
  }
  b.free.push_back({0, size});
  for (size_t i = 0; i < blocks_.size(); ++i)
    if (!blocks_[i].memory) {
      blocks_[i] = std::move(b);
      return int(i);
    }
  blocks_.push_back(std::move(b));
  return int(blocks_.size() - 1);
}

Buffer Allocator::create(uint64_t size, MemoryUse use, std::string_view label) {
  if (size == 0) size = 4;
  if (size > info_.max_memory_allocation_size)
    fail("vulkan: {}: buffer for {} needs {} bytes, more than maxMemoryAllocationSize {}; split it",
         info_.name, label, size, info_.max_memory_allocation_size);
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = size;
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
             VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  Buffer buf;
  check(vkCreateBuffer(device_, &bi, nullptr, &buf.buffer_), "vkCreateBuffer");
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device_, buf.buffer_, &req);
  int type = memory_type(req.memoryTypeBits, use);
  if (type < 0) {
    vkDestroyBuffer(device_, buf.buffer_, nullptr);
    fail("vulkan: {}: no memory type fits a {} buffer ({})", info_.name, label,
         use == MemoryUse::Device ? "device" : "host");
  }
  // Keep a whole non-coherent atom between buffers so flushes never overlap.
  uint64_t align = std::max<uint64_t>(req.alignment, 256);
  uint64_t need = align_up(req.size, align);

  std::lock_guard lock(mutex_);
  int block = -1;
  uint64_t offset = 0;
  bool dedicated = need > opts_.block_size / 2;
  if (!dedicated) {
    for (size_t i = 0; i < blocks_.size() && block < 0; ++i) {
      Block& b = blocks_[i];
      if (!b.memory || b.dedicated || b.type != uint32_t(type)) continue;
      for (size_t f = 0; f < b.free.size(); ++f) {
        uint64_t start = align_up(b.free[f].first, align);
        uint64_t end = b.free[f].first + b.free[f].second;
        if (start + need <= end) {
          block = int(i);
          offset = start;
          break;
        }
      }
    }
  }
  if (block < 0) {
    try {
      block = new_block(uint32_t(type), dedicated ? need : opts_.block_size, dedicated, label);
    } catch (...) {
      vkDestroyBuffer(device_, buf.buffer_, nullptr);
      throw;
    }
    offset = 0;
  }
  Block& b = blocks_[block];
  // Carve [offset, offset+need) out of its free range.
  for (size_t f = 0; f < b.free.size(); ++f) {
    auto [fo, fs] = b.free[f];
    if (offset >= fo && offset + need <= fo + fs) {
      b.free.erase(b.free.begin() + long(f));
      if (offset + need < fo + fs)
        b.free.insert(b.free.begin() + long(f), {offset + need, fo + fs - offset - need});
      if (offset > fo) b.free.insert(b.free.begin() + long(f), {fo, offset - fo});
      break;
    }
  }
  check(vkBindBufferMemory(device_, buf.buffer_, b.memory, offset), "vkBindBufferMemory");
  buf.owner_ = this;
  buf.size_ = size;
  buf.block_ = block;
  buf.offset_ = offset;
  buf.reserved_ = need;
  bool device_unmapped = use == MemoryUse::Device && !opts_.map_device_memory;
  buf.mapped_ = b.mapped && !device_unmapped ? b.mapped + offset : nullptr;
  in_use_ += need;
  return buf;
}

void Allocator::release(Buffer& buf) {
  vkDestroyBuffer(device_, buf.buffer_, nullptr);
  std::lock_guard lock(mutex_);
  Block& b = blocks_[buf.block_];
  in_use_ -= buf.reserved_;
  if (b.dedicated) {
    vkFreeMemory(device_, b.memory, nullptr);
    b = Block{};
    return;
  }
  // Return the range and merge with neighbours.
  auto it =
      std::lower_bound(b.free.begin(), b.free.end(), std::make_pair(buf.offset_, uint64_t(0)));
  it = b.free.insert(it, {buf.offset_, buf.reserved_});
  if (it + 1 != b.free.end() && it->first + it->second == (it + 1)->first) {
    it->second += (it + 1)->second;
    b.free.erase(it + 1);
  }
  if (it != b.free.begin() && (it - 1)->first + (it - 1)->second == it->first) {
    (it - 1)->second += it->second;
    b.free.erase(it);
  }
}

}  // namespace vkllm::vk
