// A host-side tensor of f32/f16/bf16/u32 elements as raw bytes, for the references
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
      case DType::U32:
        return float(u32(i));
      case DType::F16:
      case DType::BF16: {
        uint16_t h;
        std::memcpy(&h, bytes.data() + i * 2, 2);
        return dtype == DType::F16 ? f16_to_f32(h) : bf16_to_f32(h);
      }
    }
    return 0;
  }
  uint32_t u32(size_t i) const {
    uint32_t v;
    std::memcpy(&v, bytes.data() + i * 4, 4);
    return v;
  }
  void set_u32(size_t i, uint32_t v) { std::memcpy(bytes.data() + i * 4, &v, 4); }
  static HostTensor from_u32(const std::vector<uint32_t>& v) {
    HostTensor t(DType::U32, v.size());
    for (size_t i = 0; i < v.size(); ++i) t.set_u32(i, v[i]);
    return t;
  }
  std::vector<uint32_t> to_u32() const {
    std::vector<uint32_t> v(count);
    for (size_t i = 0; i < count; ++i) v[i] = u32(i);
    return v;
  }
  // Stores f rounded to the tensor's dtype (nearest even).
  void set(size_t i, float f) {
    switch (dtype) {
      case DType::F32:
        std::memcpy(bytes.data() + i * 4, &f, 4);
        break;
      case DType::U32:
        set_u32(i, uint32_t(f));
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
