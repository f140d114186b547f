#include "host/reference/lora.h"

#include <cmath>
#include <vector>

namespace vkllm::host::ref {

HostTensor lora_merge(const HostTensor& w, const HostTensor& a, const HostTensor& b,
                      const HostTensor& m, int mode, size_t rows, size_t cols, size_t rank,
                      DType out) {
  HostTensor d = mode == 2 ? HostTensor(DType::F32, rows) : HostTensor(out, rows * cols);
  std::vector<double> v(cols);
  for (size_t o = 0; o < rows; ++o) {
    double ss = 0;
    for (size_t i = 0; i < cols; ++i) {
      double x = w.get(o * cols + i);
      for (size_t j = 0; j < rank; ++j) x += double(b.get(o * rank + j)) * a.get(j * cols + i);
      v[i] = x;
      ss += x * x;
    }
    const double scale = mode == 0 ? 1.0 : m.get(o) / std::sqrt(ss);
    if (mode == 2) {
      d.set(o, float(scale));
      continue;
    }
    for (size_t i = 0; i < cols; ++i) d.set(o * cols + i, float(scale * v[i]));
  }
  return d;
}

HostTensor lora_combine(const HostTensor& y, const HostTensor& u, const HostTensor& f, bool dora,
                        size_t n) {
  HostTensor d(DType::F32, y.count);
  for (size_t i = 0; i < y.count; ++i) {
    const double v = double(y.get(i)) + u.get(i);
    d.set(i, float(dora ? f.get(i % n) * v : v));
  }
  return d;
}

}  // namespace vkllm::host::ref
