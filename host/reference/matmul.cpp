#include "host/reference/matmul.h"

#include <vector>

#include "engine/base/error.h"

namespace vkllm::host::ref {

HostTensor matmul(const HostTensor& x, const HostTensor& w, size_t t, size_t n, size_t k) {
  if (x.count != t * k || w.count != n * k) fail("reference matmul: shapes disagree");
  std::vector<double> xd(t * k), wd(n * k);
  for (size_t i = 0; i < xd.size(); ++i) xd[i] = x.get(i);
  for (size_t i = 0; i < wd.size(); ++i) wd[i] = w.get(i);
  HostTensor y(DType::F32, t * n);
  for (size_t i = 0; i < t; ++i)
    for (size_t r = 0; r < n; ++r) {
      double s = 0;
      for (size_t c = 0; c < k; ++c) s += xd[i * k + c] * wd[r * k + c];
      y.set(i * n + r, float(s));
    }
  return y;
}

}  // namespace vkllm::host::ref
