#include "host/reference/matvec.h"

#include "engine/base/error.h"

namespace vkllm::host::ref {

HostTensor matvec(const HostTensor& w, const HostTensor& x, size_t n, size_t k) {
  if (w.count != n * k || x.count != k) fail("reference matvec: shapes disagree");
  HostTensor y(DType::F32, n);
  for (size_t r = 0; r < n; ++r) {
    double s = 0;
    for (size_t c = 0; c < k; ++c) s += double(w.get(r * k + c)) * double(x.get(c));
    y.set(r, float(s));
  }
  return y;
}

}  // namespace vkllm::host::ref
