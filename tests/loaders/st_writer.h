// Test helpers: write safetensors files, index files and configs into a temp dir.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace vkllm::test {

// A fresh directory under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    // Parameterized tests are named "Test/Param": keep the directory one level deep.
    std::string name = info ? info->name() : "test";
    std::replace(name.begin(), name.end(), '/', '_');
    path_ = std::filesystem::temp_directory_path() /
            ("vkllm-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline std::vector<std::byte> to_bytes(std::string_view s) {
  std::vector<std::byte> b(s.size());
  std::memcpy(b.data(), s.data(), s.size());
  return b;
}

// 8-byte length, the header text as given, then `data_bytes` bytes of 0x5a.
inline std::vector<std::byte> raw_safetensors(std::string_view header, std::size_t data_bytes) {
  std::vector<std::byte> out(8);
  std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::byte>((n >> (8 * i)) & 0xff);
  auto h = to_bytes(header);
  out.insert(out.end(), h.begin(), h.end());
  out.insert(out.end(), data_bytes, std::byte{0x5a});
  return out;
}

struct FakeTensor {
  std::string name;
  std::string dtype;  // "BF16"
  std::vector<std::uint64_t> shape;
};

inline std::size_t fake_dtype_size(const std::string& d) {
  if (d == "F32" || d == "I32") return 4;
  if (d == "F16" || d == "BF16") return 2;
  if (d == "F64" || d == "I64") return 8;
  return 1;
}

// A valid file holding `tensors` back to back, in the given order.
inline std::vector<std::byte> make_safetensors(const std::vector<FakeTensor>& tensors) {
  std::string h = "{";
  std::size_t offset = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = tensors[i];
    std::size_t n = fake_dtype_size(t.dtype);
    if (i) h.append(",");
    h.append("\"").append(t.name).append("\":{\"dtype\":\"").append(t.dtype);
    h.append("\",\"shape\":[");
    for (std::size_t k = 0; k < t.shape.size(); ++k) {
      n *= t.shape[k];
      if (k) h.append(",");
      h.append(std::to_string(t.shape[k]));
    }
    h.append("],\"data_offsets\":[").append(std::to_string(offset)).append(",");
    h.append(std::to_string(offset + n)).append("]}");
    offset += n;
  }
  h.append("}");
  while (h.size() % 8) h.append(" ");
  return raw_safetensors(h, offset);
}

inline void write_file(const std::filesystem::path& p, const std::vector<std::byte>& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

inline void write_text(const std::filesystem::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Copies a fixture folder into `dst` (files only).
inline void copy_folder(const std::filesystem::path& src, const std::filesystem::path& dst) {
  for (const auto& e : std::filesystem::directory_iterator(src))
    if (e.is_regular_file()) std::filesystem::copy_file(e.path(), dst / e.path().filename());
}

}  // namespace vkllm::test
