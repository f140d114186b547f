// Writing a safetensors file: a header of names, dtypes, shapes and offsets,
// then the tensors' bytes back to back (what `vkllm score --out` produces).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "loaders/safetensors/dtype.h"

namespace vkllm::st {

struct TensorToWrite {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::uint64_t> shape;
  std::span<const std::byte> data;  // exactly product(shape) x dtype size bytes
};

// Throws Error naming the file on an I/O failure or a tensor whose bytes
// disagree with its shape.
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace vkllm::st
