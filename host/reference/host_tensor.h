// A host-side tensor of f32/f16/bf16 elements as raw bytes, for the references
// and the op harness.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/base/dtype.h"
#include "engine/base/half.h"

namespace vkllm::host {

struct HostTensor {
  DType dtype = DType::F32;
  size_t count = 0;
  std::vector<std::byte> bytes;

  HostTensor() = default;
  HostTensor(DType t, size_t n) : dtype(t), count(n), bytes(n * dtype_size(t)) {}

  float get(size_t i) const {
    switch (dtype) {
      case DType::F32: {
        float f;
        std::memcpy(&f, bytes.data() + i * 4, 4);
        return f;
      }
      case DType::F16:
      case DType::BF16: {
        uint16_t h;
        std::memcpy(&h, bytes.data() + i * 2, 2);
        return dtype == DType::F16 ? f16_to_f32(h) : bf16_to_f32(h);
      }
    }
    return 0;
  }
  // Stores f rounded to the tensor's dtype (nearest even).
  void set(size_t i, float f) {
    switch (dtype) {
      case DType::F32:
        std::memcpy(bytes.data() + i * 4, &f, 4);
        break;
      case DType::F16:
      case DType::BF16: {
        uint16_t h = dtype == DType::F16 ? f32_to_f16(f) : f32_to_bf16(f);
        std::memcpy(bytes.data() + i * 2, &h, 2);
        break;
      }
    }
  }
};

}  // namespace vkllm::host
