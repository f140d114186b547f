// One safetensors file, memory-mapped read-only and validated on open. Tensor
// data are views into the map: nothing is copied.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "loaders/safetensors/header.h"

namespace vkllm::st {

class SafetensorsFile {
 public:
  // Maps and validates `path`; throws Error (HeaderError for header rules).
  static SafetensorsFile open(const std::filesystem::path& path);

  SafetensorsFile(SafetensorsFile&& o) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&& o) noexcept;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;
  ~SafetensorsFile();

  const std::filesystem::path& path() const { return path_; }
  std::string file_name() const { return path_.filename().string(); }
  std::uint64_t file_size() const { return size_; }
  // The open descriptor, for callers that prefer pread() into their own buffers.
  int fd() const { return fd_; }

  const Header& header() const { return header_; }
  const std::vector<TensorInfo>& tensors() const { return header_.tensors; }  // by offset
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }

  const TensorInfo* find(std::string_view name) const;
  // Throws Error naming the file when `name` is absent.
  const TensorInfo& at(std::string_view name) const;

  // The whole file, and one tensor's bytes (TensorInfo offsets are file offsets).
  std::span<const std::byte> bytes() const { return {map_, size_}; }
  std::span<const std::byte> data(const TensorInfo& t) const {
    return bytes().subspan(t.begin, t.size());
  }

  // Hints the kernel to read a byte range ahead (madvise WILLNEED); best effort.
  void prefetch(std::uint64_t begin, std::uint64_t size) const;

 private:
  SafetensorsFile() = default;
  void release() noexcept;

  std::filesystem::path path_;
  int fd_ = -1;
  const std::byte* map_ = nullptr;
  std::uint64_t size_ = 0;
  Header header_;
  std::unordered_map<std::string_view, std::size_t> by_name_;  // views into header_ names
};

}  // namespace vkllm::st
