#include "host/reference/elementwise.h"

#include "engine/base/error.h"

namespace vkllm::host::ref {

HostTensor convert(const HostTensor& a, DType to) {
  HostTensor d(to, a.count);
  for (size_t i = 0; i < a.count; ++i) d.set(i, a.get(i));
  return d;
}

namespace {
template <typename F>
HostTensor binary(const HostTensor& a, const HostTensor& b, F f) {
  if (a.count != b.count || a.dtype != b.dtype) fail("reference binary op: operands differ");
  HostTensor d(a.dtype, a.count);
  for (size_t i = 0; i < a.count; ++i) d.set(i, f(a.get(i), b.get(i)));
  return d;
}
}  // namespace

HostTensor add(const HostTensor& a, const HostTensor& b) {
  return binary(a, b, [](float x, float y) { return x + y; });
}

HostTensor mul(const HostTensor& a, const HostTensor& b) {
  return binary(a, b, [](float x, float y) { return x * y; });
}

}  // namespace vkllm::host::ref
