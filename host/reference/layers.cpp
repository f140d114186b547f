#include "host/reference/layers.h"

#include <cmath>

namespace vkllm::host::ref {

HostTensor rmsnorm(const HostTensor& x, const HostTensor& w, size_t rows, size_t n, double eps,
                   bool add_one) {
  HostTensor y(DType::F32, rows * n);
  for (size_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (size_t i = 0; i < n; ++i) ss += double(x.get(r * n + i)) * x.get(r * n + i);
    double scale = 1.0 / std::sqrt(ss / double(n) + eps);
    for (size_t i = 0; i < n; ++i) {
      double wi = double(w.get(i)) + (add_one ? 1.0 : 0.0);
      y.set(r * n + i, float(x.get(r * n + i) * scale * wi));
    }
  }
  return y;
}

HostTensor rope(const HostTensor& x, const std::vector<uint32_t>& pos,
                const std::vector<double>& inv_freq, size_t heads, size_t head_dim, double scale) {
  HostTensor y = x;
  size_t half = inv_freq.size();
  for (size_t t = 0; t < pos.size(); ++t)
    for (size_t h = 0; h < heads; ++h) {
      size_t o = (t * heads + h) * head_dim;
      for (size_t i = 0; i < half; ++i) {
        double angle = double(pos[t]) * inv_freq[i];
        double c = std::cos(angle) * scale, s = std::sin(angle) * scale;
        double a = x.get(o + i), b = x.get(o + i + half);
        y.set(o + i, float(a * c - b * s));
        y.set(o + i + half, float(b * c + a * s));
      }
    }
  return y;
}

HostTensor gated(Act act, const HostTensor& g, const HostTensor& u, size_t rows, size_t n,
                 size_t stride, size_t up_offset) {
  HostTensor y(DType::F32, rows * n);
  for (size_t r = 0; r < rows; ++r)
    for (size_t i = 0; i < n; ++i) {
      double a = g.get(r * stride + i), b = u.get(r * stride + up_offset + i);
      double f =
          act == Act::SiLU
              ? a / (1.0 + std::exp(-a))
              : 0.5 * a * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (a + 0.044715 * a * a * a)));
      y.set(r * n + i, float(f * b));
    }
  return y;
}

HostTensor embed(const std::vector<uint32_t>& ids, const HostTensor& table, size_t hidden,
                 double scale) {
  HostTensor y(DType::F32, ids.size() * hidden);
  for (size_t t = 0; t < ids.size(); ++t)
    for (size_t i = 0; i < hidden; ++i)
      y.set(t * hidden + i, float(double(table.get(size_t(ids[t]) * hidden + i)) * scale));
  return y;
}

HostTensor add_bias(const HostTensor& x, const HostTensor& b, size_t rows, size_t n) {
  HostTensor y(DType::F32, rows * n);
  for (size_t r = 0; r < rows; ++r)
    for (size_t i = 0; i < n; ++i)
      y.set(r * n + i, float(double(x.get(r * n + i)) + double(b.get(i))));
  return y;
}

HostTensor softcap(const HostTensor& x, double cap) {
  HostTensor y(DType::F32, x.count);
  for (size_t i = 0; i < x.count; ++i) y.set(i, float(cap * std::tanh(double(x.get(i)) / cap)));
  return y;
}

std::vector<uint32_t> argmax(const HostTensor& x, size_t rows, size_t n) {
  std::vector<uint32_t> out(rows);
  for (size_t r = 0; r < rows; ++r) {
    size_t best = 0;
    bool bad = false, any = false;
    for (size_t i = 0; i < n; ++i) {
      const double v = x.get(r * n + i);
      bad = bad || std::isnan(v) || v == HUGE_VAL;
      any = any || v > -HUGE_VAL;
      if (v > x.get(r * n + best)) best = i;
    }
    out[r] = bad || !any ? 0xffffffffu : uint32_t(best);
  }
  return out;
}

}  // namespace vkllm::host::ref
