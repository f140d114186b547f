#include "loaders/safetensors/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace vkllm::st {

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
  SafetensorsFile f;
  f.path_ = path;
  f.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd_ < 0) fail("safetensors: {}: cannot open: {}", path.string(), std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd_, &st) != 0)
    fail("safetensors: {}: cannot stat: {}", path.string(), std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail("safetensors: {}: not a regular file", path.string());
  f.size_ = static_cast<std::uint64_t>(st.st_size);
  if (f.size_ > 0) {
    void* p = ::mmap(nullptr, f.size_, PROT_READ, MAP_SHARED, f.fd_, 0);
    if (p == MAP_FAILED)
      fail("safetensors: {}: cannot map {} bytes: {}", path.string(), f.size_,
           std::strerror(errno));
    f.map_ = static_cast<const std::byte*>(p);
  }
  f.header_ = parse_header(f.bytes(), f.file_name());
  f.by_name_.reserve(f.header_.tensors.size());
  for (std::size_t i = 0; i < f.header_.tensors.size(); ++i)
    f.by_name_.emplace(f.header_.tensors[i].name, i);
  return f;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& o) noexcept {
  *this = std::move(o);
}

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& o) noexcept {
  if (this != &o) {
    release();
    path_ = std::move(o.path_);
    fd_ = std::exchange(o.fd_, -1);
    map_ = std::exchange(o.map_, nullptr);
    size_ = std::exchange(o.size_, 0);
    // Moving the vector keeps its heap buffer, so the name views stay valid.
    header_ = std::move(o.header_);
    by_name_ = std::move(o.by_name_);
  }
  return *this;
}

SafetensorsFile::~SafetensorsFile() {
  release();
}

void SafetensorsFile::release() noexcept {
  if (map_) ::munmap(const_cast<std::byte*>(map_), size_);
  if (fd_ >= 0) ::close(fd_);
  map_ = nullptr;
  fd_ = -1;
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &header_.tensors[it->second];
}

const TensorInfo& SafetensorsFile::at(std::string_view name) const {
  if (const TensorInfo* t = find(name)) return *t;
  fail("safetensors: {}: no tensor '{}'", file_name(), name);
}

void SafetensorsFile::prefetch(std::uint64_t begin, std::uint64_t size) const {
  if (!map_ || begin >= size_) return;
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const std::uint64_t start = begin / page * page;
  const std::uint64_t end = std::min(size_, begin + size);
  ::madvise(const_cast<std::byte*>(map_) + start, end - start, MADV_WILLNEED);
}

}  // namespace vkllm::st
