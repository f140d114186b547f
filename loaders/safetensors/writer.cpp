#include "loaders/safetensors/writer.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "engine/base/error.h"

namespace vkllm::st {

void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const TensorToWrite& t : tensors) {
    std::uint64_t n = 1;
    for (std::uint64_t d : t.shape) n *= d;
    if (n * dtype_bits(t.dtype) != t.data.size() * 8)
      fail("safetensors: {}: tensor '{}' has {} bytes, its shape and dtype {} need {}",
           path.string(), t.name, t.data.size(), dtype_name(t.dtype), n * dtype_bits(t.dtype) / 8);
    header[t.name] = {{"dtype", dtype_name(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail("safetensors: cannot create {}: {}", path.string(), std::strerror(errno));
  const std::uint64_t len = text.size();
  unsigned char le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(len >> (8 * i));
  out.write(reinterpret_cast<const char*>(le), 8);
  out.write(text.data(), std::streamsize(text.size()));
  for (const TensorToWrite& t : tensors)
    out.write(reinterpret_cast<const char*>(t.data.data()), std::streamsize(t.data.size()));
  if (!out.flush()) fail("safetensors: writing {} failed (disk full?)", path.string());
}

}  // namespace vkllm::st
