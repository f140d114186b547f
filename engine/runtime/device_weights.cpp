#include "engine/runtime/device_weights.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "engine/base/progress.h"
#include "loaders/model/repack.h"

namespace vkllm::model {

namespace {

uint64_t align256(uint64_t v) {
  return (v + 255) / 256 * 256;
}

// One piece of work: `n` bytes of a tensor, from its file into its buffer.
struct Chunk {
  size_t tensor;
  uint64_t done;  // bytes of the tensor before this chunk
  uint64_t n;
};

// Reads n bytes at file offset `at` into dst: pread straight into device memory
// (the page cache is copied once, never mapped into our address space); where the
// kernel refuses that destination, a copy from the file's mapping.
void read_into(const st::SafetensorsFile& f, uint64_t at, std::byte* dst, uint64_t n) {
  uint64_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(f.fd(), dst + got, n - got, off_t(at + got));
    if (r > 0) {
      got += uint64_t(r);
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && errno == EFAULT) {
      std::memcpy(dst + got, f.bytes().data() + at + got, n - got);
      return;
    } else {
      fail("load: {}: read of {} bytes at offset {} failed: {}", f.file_name(), n - got, at + got,
           r == 0 ? "unexpected end of file" : std::strerror(errno));
    }
  }
}

}  // namespace

namespace {

// The CPU's weights: views of the mapped files; quantized checkpoints repacked into
// host memory.
DeviceWeights map_weights(const ModelFolder& folder, const UploadOptions& opts) {
  const auto& weights = folder.weights.weights;
  DeviceWeights out;
  out.tensors.resize(weights.size());
  std::vector<const st::SafetensorsFile*> files;
  for (const auto& w : weights)
    if ((!opts.select || opts.select(w)) && !w.quant &&
        std::find(files.begin(), files.end(), w.ref.file) == files.end())
      files.push_back(w.ref.file);
  // Every buffer is created before any tensor points at one (the vector does not move).
  size_t repacked = 0;
  uint64_t repack_bytes = 0;
  for (const auto& w : weights)
    if ((!opts.select || opts.select(w)) && w.quant) {
      ++repacked;
      repack_bytes += w.device_bytes();
    }
  out.buffers.reserve(files.size() + repacked);
  for (const st::SafetensorsFile* f : files)
    out.buffers.push_back(vk::Buffer::host_view(f->bytes().data(), f->bytes().size()));
  Progress progress("repacking", repack_bytes, opts.progress && repack_bytes > 0);
  for (size_t i = 0; i < weights.size(); ++i) {
    const auto& w = weights[i];
    if (opts.select && !opts.select(w)) continue;
    DeviceTensor& t = out.tensors[i];
    t.bytes = w.device_bytes();
    t.dtype = w.quant ? DType::U32 : w.dtype;
    t.shape = w.expected.shape;
    out.bytes += t.bytes;
    if (!w.quant) {
      const size_t f = size_t(std::find(files.begin(), files.end(), w.ref.file) - files.begin());
      t.buffer = &out.buffers[f];
      t.offset = w.ref.info->begin;
      continue;
    }
    out.buffers.push_back(vk::Buffer::host(t.bytes));
    t.buffer = &out.buffers.back();
    t.quant = w.quant->format;
    if (!w.quant->perm.empty()) {
      t.perm_offset = w.perm_offset();
      t.perm_count = w.quant->perm.size();
    }
    repack_quantized(w, {out.buffers.back().mapped(), t.bytes});
    progress.add(t.bytes);
  }
  progress.finish();
  out.seconds = progress.seconds();
  return out;
}

}  // namespace

DeviceWeights upload_weights(const graph::Backend& backend, const ModelFolder& folder,
                             const UploadOptions& opts) {
  if (backend.is_cpu()) return map_weights(folder, opts);
  vk::Device& device = *backend.vulkan;
  const auto& info = device.info();
  const auto& weights = folder.weights.weights;
  DeviceWeights out;
  out.tensors.resize(weights.size());

  // Pack tensors in network order into buffers of up to 1 GiB (at most the
  // device's allocation limit); each tensor must fit one storage-buffer binding.
  uint64_t cap = std::min<uint64_t>(1ull << 30, info.max_memory_allocation_size);
  std::vector<std::pair<size_t, uint64_t>> plan;  // (buffer index, offset) per tensor
  std::vector<uint64_t> buffer_sizes;
  plan.resize(weights.size(), {SIZE_MAX, 0});
  for (size_t i = 0; i < weights.size(); ++i) {
    const auto& w = weights[i];
    if (opts.select && !opts.select(w)) continue;
    uint64_t bytes = w.device_bytes();
    if (bytes > info.max_storage_buffer_range)
      fail(
          "load: {}: tensor '{}' is {} bytes, more than {} binds at once ({} bytes); splitting "
          "such tensors is not supported yet",
          w.ref.file->file_name(), w.expected.name, bytes, info.name,
          info.max_storage_buffer_range);
    if (buffer_sizes.empty() || buffer_sizes.back() + bytes > std::max(cap, bytes))
      buffer_sizes.push_back(0);
    plan[i] = {buffer_sizes.size() - 1, buffer_sizes.back()};
    buffer_sizes.back() = align256(buffer_sizes.back() + bytes);
  }
  for (size_t b = 0; b < buffer_sizes.size(); ++b)
    out.buffers.push_back(device.buffer(
        buffer_sizes[b], fmt::format("weights of {} (part {} of {})",
                                     folder.dir.filename().string(), b + 1, buffer_sizes.size())));

  std::vector<Chunk> chunks;
  std::vector<size_t> repacks;  // quantized checkpoint weights, repacked on the host
  for (size_t i = 0; i < weights.size(); ++i) {
    if (plan[i].first == SIZE_MAX) continue;
    const auto& w = weights[i];
    DeviceTensor& t = out.tensors[i];
    t.buffer = &out.buffers[plan[i].first];
    t.offset = plan[i].second;
    t.bytes = w.device_bytes();
    t.dtype = w.quant ? DType::U32 : w.dtype;
    t.shape = w.expected.shape;
    out.bytes += t.bytes;
    if (w.quant) {
      t.quant = w.quant->format;
      if (!w.quant->perm.empty()) {
        t.perm_offset = w.perm_offset();
        t.perm_count = w.quant->perm.size();
      }
      repacks.push_back(i);
      continue;
    }
    for (uint64_t d = 0; d < t.bytes; d += opts.chunk_bytes)
      chunks.push_back({i, d, std::min(opts.chunk_bytes, t.bytes - d)});
  }
  // Biggest first keeps the threads evenly busy to the end.
  std::stable_sort(chunks.begin(), chunks.end(), [](auto& a, auto& b) { return a.n > b.n; });

  Progress progress("loading", out.bytes, opts.progress);
  unsigned threads =
      opts.threads ? opts.threads : std::clamp(std::thread::hardware_concurrency(), 1u, 16u);
  threads = std::min<unsigned>(threads, unsigned(std::max<size_t>(chunks.size(), 1)));
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    try {
      for (size_t c = next++; c < chunks.size(); c = next++) {
        const Chunk& ch = chunks[c];
        const auto& w = weights[ch.tensor];
        DeviceTensor& t = out.tensors[ch.tensor];
        uint64_t file_at = w.ref.info->begin + ch.done;
        device.upload_with(*const_cast<vk::Buffer*>(t.buffer), t.offset + ch.done, ch.n,
                           [&](std::byte* dst, uint64_t n, uint64_t done) {
                             read_into(*w.ref.file, file_at + done, dst, n);
                             progress.add(n);
                           });
      }
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
      next = chunks.size();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  for (size_t i : repacks) {
    DeviceTensor& t = out.tensors[i];
    std::vector<std::byte> host(t.bytes);
    repack_quantized(weights[i], host);
    device.upload(*const_cast<vk::Buffer*>(t.buffer), t.offset, host);
    progress.add(t.bytes);
  }
  progress.finish();
  out.seconds = progress.seconds();
  return out;
}

}  // namespace vkllm::model
