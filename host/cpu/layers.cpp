#include "host/cpu/layers.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "host/cpu/dot.h"

namespace vkllm::host::cpu {

void embed(Cpu& cpu, DType dtype, const void* table, const uint32_t* ids, size_t tokens,
           size_t hidden, size_t vocab, float scale, float* y) {
  const size_t row = hidden * dtype_size(dtype);
  cpu.pool().parallel_for(tokens, 4, [&](size_t b, size_t e) {
    for (size_t t = b; t < e; ++t) {
      const size_t id = std::min<size_t>(ids[t], vocab - 1);
      float* o = y + t * hidden;
      widen_row(dtype, static_cast<const std::byte*>(table) + id * row, hidden, o);
      if (scale != 1.0f)
        for (size_t i = 0; i < hidden; ++i) o[i] *= scale;
    }
  });
}

void rmsnorm(Cpu& cpu, DType w_dtype, const void* w, bool add_one, const float* x, float* y,
             size_t rows, size_t n, float eps) {
  std::vector<float> wf(n);
  widen_row(w_dtype, w, n, wf.data());
  if (add_one)
    for (float& v : wf) v += 1.0f;
  cpu.pool().parallel_for(rows, 16, [&](size_t b, size_t e) {
    for (size_t r = b; r < e; ++r) {
      const float* xr = x + r * n;
      float ss = 0;
      for (size_t i = 0; i < n; ++i) ss += xr[i] * xr[i];
      const float s = 1.0f / std::sqrt(ss / float(n) + eps);
      float* yr = y + r * n;
      for (size_t i = 0; i < n; ++i) yr[i] = xr[i] * s * wf[i];
    }
  });
}

void rope(Cpu& cpu, const float* x, const uint32_t* pos, const float* cos, const float* sin,
          float* y, size_t tokens, size_t heads, size_t head_dim, size_t rot, size_t max_pos) {
  const size_t half = rot / 2;
  cpu.pool().parallel_for(tokens * heads, 32, [&](size_t b, size_t e) {
    for (size_t item = b; item < e; ++item) {
      const size_t t = item / heads;
      const size_t at = std::min<size_t>(pos[t], max_pos - 1) * half;
      const float* xr = x + item * head_dim;
      float* yr = y + item * head_dim;
      for (size_t i = 0; i < half; ++i) {
        const float c = cos[at + i], s = sin[at + i], a = xr[i], o = xr[i + half];
        yr[i] = a * c - o * s;
        yr[i + half] = o * c + a * s;
      }
      for (size_t j = rot; j < head_dim; ++j) yr[j] = xr[j];
    }
  });
}

void gated(Cpu& cpu, Gate act, const float* g, const float* u, float* y, size_t rows, size_t n) {
  cpu.pool().parallel_for(rows * n, 4096, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      const float a = g[i];
      float v;
      if (act == Gate::SiLU) {
        v = a / (1.0f + std::exp(-a));
      } else {
        const float z = 0.7978845608028654f * (a + 0.044715f * a * a * a);
        v = a / (1.0f + std::exp(-2.0f * z));
      }
      y[i] = v * u[i];
    }
  });
}

void add_bias(DType b_dtype, const void* b, float* x, size_t rows, size_t n) {
  std::vector<float> bf(n);
  widen_row(b_dtype, b, n, bf.data());
  for (size_t r = 0; r < rows; ++r)
    for (size_t i = 0; i < n; ++i) x[r * n + i] += bf[i];
}

void add(const float* a, const float* b, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

void softcap(float* x, size_t n, float cap) {
  for (size_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] / cap);
}

void lora_combine(float* y, const float* u, const float* f, size_t rows, size_t n) {
  for (size_t r = 0; r < rows; ++r)
    for (size_t i = 0; i < n; ++i) {
      const float v = y[r * n + i] + u[r * n + i];
      y[r * n + i] = f ? f[i] * v : v;
    }
}

void gather_columns(const float* x, const uint32_t* perm, float* y, size_t rows, size_t k) {
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < k; ++c) y[r * k + c] = x[r * k + perm[c]];
}

}  // namespace vkllm::host::cpu
