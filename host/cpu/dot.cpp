#include "host/cpu/dot.h"

#include <cstring>
#include <type_traits>
#include <vector>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "host/cpu/dot.cpp"
#include <hwy/cache_control.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "engine/base/half.h"

HWY_BEFORE_NAMESPACE();
namespace vkllm::host::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The weight's elements c.. as a vector of f32.
template <class DF, typename T>
HWY_INLINE hn::Vec<DF> load_widened(DF df, const T* w, size_t c) {
  if constexpr (std::is_same_v<T, float>) {
    return hn::LoadU(df, w + c);
  } else {
    const hn::Rebind<T, DF> dh;
    return hn::PromoteTo(df, hn::LoadU(dh, w + c));
  }
}

template <typename T>
HWY_INLINE float scalar(const T* w, size_t c) {
  if constexpr (std::is_same_v<T, float>) {
    return w[c];
  } else if constexpr (std::is_same_v<T, hwy::bfloat16_t>) {
    uint16_t b;
    std::memcpy(&b, w + c, 2);
    return bf16_to_f32(b);
  } else {
    uint16_t h;
    std::memcpy(&h, w + c, 2);
    return f16_to_f32(h);
  }
}

// How far ahead of its loads a decode dot asks for the weight's bytes: the hardware
// prefetchers stop at 4 KB pages, and a mapped file's pages are 4 KB.
constexpr size_t kPrefetchBytes = 1024;

// N inputs against one row, two accumulators each (FMA latency).
template <size_t N, typename T>
HWY_INLINE void dot_n(const T* HWY_RESTRICT w, const float* HWY_RESTRICT x, size_t stride, size_t k,
                      float* out) {
  const hn::ScalableTag<float> df;
  const size_t L = hn::Lanes(df);
  hn::Vec<decltype(df)> a0[N], a1[N];
  for (size_t j = 0; j < N; ++j) a0[j] = a1[j] = hn::Zero(df);
  size_t c = 0;
  if constexpr (N == 1) {
    // Decode: four loads in flight per step keep a core's share of the memory busy.
    hn::Vec<decltype(df)> a2 = hn::Zero(df), a3 = hn::Zero(df);
    for (; c + 4 * L <= k; c += 4 * L) {
      hwy::Prefetch(reinterpret_cast<const char*>(w + c) + kPrefetchBytes);
      a0[0] = hn::MulAdd(load_widened(df, w, c), hn::LoadU(df, x + c), a0[0]);
      a1[0] = hn::MulAdd(load_widened(df, w, c + L), hn::LoadU(df, x + c + L), a1[0]);
      a2 = hn::MulAdd(load_widened(df, w, c + 2 * L), hn::LoadU(df, x + c + 2 * L), a2);
      a3 = hn::MulAdd(load_widened(df, w, c + 3 * L), hn::LoadU(df, x + c + 3 * L), a3);
    }
    a0[0] = hn::Add(a0[0], a2);
    a1[0] = hn::Add(a1[0], a3);
  }
  for (; c + 2 * L <= k; c += 2 * L) {
    if constexpr (N > 1) hwy::Prefetch(reinterpret_cast<const char*>(w + c) + kPrefetchBytes);
    const auto w0 = load_widened(df, w, c), w1 = load_widened(df, w, c + L);
    for (size_t j = 0; j < N; ++j) {
      a0[j] = hn::MulAdd(w0, hn::LoadU(df, x + j * stride + c), a0[j]);
      a1[j] = hn::MulAdd(w1, hn::LoadU(df, x + j * stride + c + L), a1[j]);
    }
  }
  for (; c + L <= k; c += L) {
    const auto w0 = load_widened(df, w, c);
    for (size_t j = 0; j < N; ++j) a0[j] = hn::MulAdd(w0, hn::LoadU(df, x + j * stride + c), a0[j]);
  }
  for (size_t j = 0; j < N; ++j) {
    float s = hn::GetLane(hn::SumOfLanes(df, hn::Add(a0[j], a1[j])));
    for (size_t r = c; r < k; ++r) s += scalar(w, r) * x[j * stride + r];
    out[j] = s;
  }
}

template <typename T>
void dot_typed(const T* w, const float* x, size_t stride, size_t inputs, size_t k, float* out) {
  switch (inputs) {
    case 1:
      return dot_n<1>(w, x, stride, k, out);
    case 2:
      return dot_n<2>(w, x, stride, k, out);
    case 3:
      return dot_n<3>(w, x, stride, k, out);
    default:
      return dot_n<4>(w, x, stride, k, out);
  }
}

// One input against two rows (k apart): x is loaded once for both, which matters
// once x outgrows L1 (k = 14336: 56 KB).
template <typename T>
void dot_pair(const T* HWY_RESTRICT w, const float* HWY_RESTRICT x, size_t k, float* out) {
  const hn::ScalableTag<float> df;
  const size_t L = hn::Lanes(df);
  auto a0 = hn::Zero(df), a1 = hn::Zero(df), b0 = hn::Zero(df), b1 = hn::Zero(df);
  size_t c = 0;
  for (; c + 2 * L <= k; c += 2 * L) {
    hwy::Prefetch(reinterpret_cast<const char*>(w + c) + kPrefetchBytes);
    hwy::Prefetch(reinterpret_cast<const char*>(w + k + c) + kPrefetchBytes);
    const auto x0 = hn::LoadU(df, x + c), x1 = hn::LoadU(df, x + c + L);
    a0 = hn::MulAdd(load_widened(df, w, c), x0, a0);
    a1 = hn::MulAdd(load_widened(df, w, c + L), x1, a1);
    b0 = hn::MulAdd(load_widened(df, w + k, c), x0, b0);
    b1 = hn::MulAdd(load_widened(df, w + k, c + L), x1, b1);
  }
  float s0 = hn::GetLane(hn::SumOfLanes(df, hn::Add(a0, a1)));
  float s1 = hn::GetLane(hn::SumOfLanes(df, hn::Add(b0, b1)));
  for (; c < k; ++c) {
    s0 += scalar(w, c) * x[c];
    s1 += scalar(w + k, c) * x[c];
  }
  out[0] = s0;
  out[1] = s1;
}

void DotPair(DType dtype, const void* w, const float* x, size_t k, float* out) {
  switch (dtype) {
    case DType::BF16:
      return dot_pair(static_cast<const hwy::bfloat16_t*>(w), x, k, out);
    case DType::F16:
      return dot_pair(static_cast<const hwy::float16_t*>(w), x, k, out);
    default:
      return dot_pair(static_cast<const float*>(w), x, k, out);
  }
}

void DotRows(DType dtype, const void* w, const float* x, size_t stride, size_t inputs, size_t k,
             float* out) {
  switch (dtype) {
    case DType::BF16:
      return dot_typed(static_cast<const hwy::bfloat16_t*>(w), x, stride, inputs, k, out);
    case DType::F16:
      return dot_typed(static_cast<const hwy::float16_t*>(w), x, stride, inputs, k, out);
    default:
      return dot_typed(static_cast<const float*>(w), x, stride, inputs, k, out);
  }
}

template <typename T>
void widen_typed(const T* w, size_t k, float* out) {
  const hn::ScalableTag<float> df;
  const size_t L = hn::Lanes(df);
  size_t c = 0;
  for (; c + L <= k; c += L) hn::StoreU(load_widened(df, w, c), df, out + c);
  for (; c < k; ++c) out[c] = scalar(w, c);
}

// A packed row's groups: scales as f32 (in a buffer of the calling thread's), zeros.
struct RowGroups {
  const float* scale;
  const uint8_t* zeros;  // nullptr: every group's zero is `fixed`
  uint8_t fixed;
  float zero(size_t g) const { return float(zeros ? zeros[g] : fixed); }
};

HWY_INLINE RowGroups row_groups(const QuantFormat& f, const std::byte* row, size_t k) {
  const size_t groups = k / f.group;
  thread_local std::vector<float> scales;
  scales.resize(groups);
  const std::byte* sp = row + quant_scales_offset(f, k);
  if (f.scale_f16)
    widen_typed(reinterpret_cast<const hwy::float16_t*>(sp), groups, scales.data());
  else
    std::memcpy(scales.data(), sp, groups * sizeof(float));
  const auto* zeros =
      f.zeros ? reinterpret_cast<const uint8_t*>(row + quant_zeros_offset(f, k)) : nullptr;
  return {scales.data(), zeros, f.zero};
}

// One group of an integer-coded row (codes - zero) against N inputs: sum[j].
template <size_t N, unsigned BITS, class DF>
HWY_INLINE void group_dot(DF df, const uint8_t* HWY_RESTRICT codes, const float* HWY_RESTRICT x,
                          size_t stride, size_t c0, size_t group, hn::Vec<DF> zero,
                          hn::Vec<DF>* sum) {
  const hn::RebindToSigned<DF> di;
  const hn::Rebind<uint8_t, decltype(di)> du8;
  const size_t L = hn::Lanes(df);
  for (size_t j = 0; j < N; ++j) sum[j] = hn::Zero(df);
  if constexpr (BITS == 8) {
    for (size_t c = c0; c < c0 + group; c += L) {
      const auto w = hn::Sub(hn::ConvertTo(df, hn::PromoteTo(di, hn::LoadU(du8, codes + c))), zero);
      for (size_t j = 0; j < N; ++j)
        sum[j] = hn::MulAdd(w, hn::LoadU(df, x + j * stride + c), sum[j]);
    }
  } else {
    // A byte holds codes c (low nibble) and c + 1 (high): L bytes cover 2L weights,
    // whose even and odd inputs split_pairs put L apart within each 32.
    for (size_t c = c0; c < c0 + group; c += 2 * L) {
      const auto b = hn::PromoteTo(di, hn::LoadU(du8, codes + c / 2));
      const auto lo = hn::Sub(hn::ConvertTo(df, hn::And(b, hn::Set(di, 15))), zero);
      const auto hi = hn::Sub(hn::ConvertTo(df, hn::ShiftRight<4>(b)), zero);
      const size_t even = c / 32 * 32 + (c % 32) / 2;
      for (size_t j = 0; j < N; ++j) {
        const float* xj = x + j * stride;
        sum[j] = hn::MulAdd(hi, hn::LoadU(df, xj + even + 16),
                            hn::MulAdd(lo, hn::LoadU(df, xj + even), sum[j]));
      }
    }
  }
}

// N inputs against one integer-coded row: each group's codes become f32, minus the
// zero, dotted with x into a group sum that the group's scale multiplies. The row's
// scales are widened once up front and its zeros read in place; groups go in pairs
// to two accumulators (FMA latency).
template <size_t N, unsigned BITS>
HWY_INLINE void dot_quant_n(const QuantFormat& f, const std::byte* row, const float* x,
                            size_t stride, size_t k, float* out) {
  const hn::ScalableTag<float> df;
  const auto* codes = reinterpret_cast<const uint8_t*>(row);
  const RowGroups grp = row_groups(f, row, k);
  const size_t groups = k / f.group, bytes = f.group * BITS / 8;
  hn::Vec<decltype(df)> acc0[N], acc1[N], s0[N], s1[N];
  for (size_t j = 0; j < N; ++j) acc0[j] = acc1[j] = hn::Zero(df);
  size_t g = 0;
  for (; g + 2 <= groups; g += 2) {
    hwy::Prefetch(codes + g * bytes + kPrefetchBytes);
    group_dot<N, BITS>(df, codes, x, stride, g * f.group, f.group, hn::Set(df, grp.zero(g)), s0);
    group_dot<N, BITS>(df, codes, x, stride, (g + 1) * f.group, f.group,
                       hn::Set(df, grp.zero(g + 1)), s1);
    const auto a0 = hn::Set(df, grp.scale[g]), a1 = hn::Set(df, grp.scale[g + 1]);
    for (size_t j = 0; j < N; ++j) {
      acc0[j] = hn::MulAdd(a0, s0[j], acc0[j]);
      acc1[j] = hn::MulAdd(a1, s1[j], acc1[j]);
    }
  }
  if (g < groups) {
    group_dot<N, BITS>(df, codes, x, stride, g * f.group, f.group, hn::Set(df, grp.zero(g)), s0);
    const auto a0 = hn::Set(df, grp.scale[g]);
    for (size_t j = 0; j < N; ++j) acc0[j] = hn::MulAdd(a0, s0[j], acc0[j]);
  }
  for (size_t j = 0; j < N; ++j)
    out[j] = hn::GetLane(hn::SumOfLanes(df, hn::Add(acc0[j], acc1[j])));
}

template <unsigned BITS>
void dot_quant_bits(const QuantFormat& f, const std::byte* row, const float* x, size_t stride,
                    size_t inputs, size_t k, float* out) {
  switch (inputs) {
    case 1:
      return dot_quant_n<1, BITS>(f, row, x, stride, k, out);
    case 2:
      return dot_quant_n<2, BITS>(f, row, x, stride, k, out);
    case 3:
      return dot_quant_n<3, BITS>(f, row, x, stride, k, out);
    default:
      return dot_quant_n<4, BITS>(f, row, x, stride, k, out);
  }
}

// One integer-coded row as f32 (scale x (code - zero)); 4-bit rows in split_pairs
// order (each 32: the even-indexed weights, then the odd), as their inputs are.
void DequantIntRow(const QuantFormat& f, const std::byte* row, size_t k, float* out) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint8_t, decltype(di)> du8;
  const size_t L = hn::Lanes(df);
  const auto* codes = reinterpret_cast<const uint8_t*>(row);
  const RowGroups grp = row_groups(f, row, k);
  const auto low = hn::Set(di, 15);
  for (size_t g = 0; g < k / f.group; ++g) {
    const auto zero = hn::Set(df, grp.zero(g));
    const auto scale = hn::Set(df, grp.scale[g]);
    const size_t c0 = g * f.group;
    if (f.bits == 8) {
      for (size_t c = c0; c < c0 + f.group; c += L)
        hn::StoreU(
            hn::Mul(scale,
                    hn::Sub(hn::ConvertTo(df, hn::PromoteTo(di, hn::LoadU(du8, codes + c))), zero)),
            df, out + c);
    } else {
      for (size_t c = c0; c < c0 + f.group; c += 2 * L) {
        const auto b = hn::PromoteTo(di, hn::LoadU(du8, codes + c / 2));
        const size_t even = c / 32 * 32 + (c % 32) / 2;
        hn::StoreU(hn::Mul(scale, hn::Sub(hn::ConvertTo(df, hn::And(b, low)), zero)), df,
                   out + even);
        hn::StoreU(hn::Mul(scale, hn::Sub(hn::ConvertTo(df, hn::ShiftRight<4>(b)), zero)), df,
                   out + even + 16);
      }
    }
  }
}

void DotQuantRows(const QuantFormat& f, const std::byte* row, const float* x, size_t stride,
                  size_t inputs, size_t k, float* out) {
  if (f.bits == 8) return dot_quant_bits<8>(f, row, x, stride, inputs, k, out);
  return dot_quant_bits<4>(f, row, x, stride, inputs, k, out);
}

void DotTile4(const float* HWY_RESTRICT w, const float* HWY_RESTRICT x, size_t stride, size_t k,
              float* out) {
  const hn::ScalableTag<float> df;
  const size_t L = hn::Lanes(df);
  hn::Vec<decltype(df)> a[16];
  for (auto& v : a) v = hn::Zero(df);
  size_t c = 0;
  for (; c + L <= k; c += L) {
    const auto w0 = hn::LoadU(df, w + c), w1 = hn::LoadU(df, w + k + c);
    const auto w2 = hn::LoadU(df, w + 2 * k + c), w3 = hn::LoadU(df, w + 3 * k + c);
    for (size_t j = 0; j < 4; ++j) {
      const auto xv = hn::LoadU(df, x + j * stride + c);
      a[j * 4 + 0] = hn::MulAdd(w0, xv, a[j * 4 + 0]);
      a[j * 4 + 1] = hn::MulAdd(w1, xv, a[j * 4 + 1]);
      a[j * 4 + 2] = hn::MulAdd(w2, xv, a[j * 4 + 2]);
      a[j * 4 + 3] = hn::MulAdd(w3, xv, a[j * 4 + 3]);
    }
  }
  for (size_t j = 0; j < 4; ++j)
    for (size_t i = 0; i < 4; ++i) {
      float s = hn::GetLane(hn::SumOfLanes(df, a[j * 4 + i]));
      for (size_t r = c; r < k; ++r) s += w[i * k + r] * x[j * stride + r];
      out[j * 4 + i] = s;
    }
}

void WidenRow(DType dtype, const void* w, size_t k, float* out) {
  switch (dtype) {
    case DType::BF16:
      return widen_typed(static_cast<const hwy::bfloat16_t*>(w), k, out);
    case DType::F16:
      return widen_typed(static_cast<const hwy::float16_t*>(w), k, out);
    default:
      return widen_typed(static_cast<const float*>(w), k, out);
  }
}

template <typename T>
void axpy_typed(const T* w, float a, size_t k, float* out) {
  const hn::ScalableTag<float> df;
  const size_t L = hn::Lanes(df);
  const auto av = hn::Set(df, a);
  size_t c = 0;
  for (; c + L <= k; c += L)
    hn::StoreU(hn::MulAdd(av, load_widened(df, w, c), hn::LoadU(df, out + c)), df, out + c);
  for (; c < k; ++c) out[c] += a * scalar(w, c);
}

void AxpyRow(DType dtype, const void* w, float a, size_t k, float* out) {
  switch (dtype) {
    case DType::BF16:
      return axpy_typed(static_cast<const hwy::bfloat16_t*>(w), a, k, out);
    case DType::F16:
      return axpy_typed(static_cast<const hwy::float16_t*>(w), a, k, out);
    default:
      return axpy_typed(static_cast<const float*>(w), a, k, out);
  }
}

// out[j * out_stride + c] += a[j] * w[c] for j < inputs (1..4): w widened once.
template <size_t N, typename T>
HWY_INLINE void axpy_n(const T* HWY_RESTRICT w, const float* a, size_t k, float* out,
                       size_t out_stride) {
  const hn::ScalableTag<float> df;
  const size_t L = hn::Lanes(df);
  hn::Vec<decltype(df)> av[N];
  for (size_t j = 0; j < N; ++j) av[j] = hn::Set(df, a[j]);
  size_t c = 0;
  for (; c + L <= k; c += L) {
    const auto wv = load_widened(df, w, c);
    for (size_t j = 0; j < N; ++j) {
      float* o = out + j * out_stride + c;
      hn::StoreU(hn::MulAdd(av[j], wv, hn::LoadU(df, o)), df, o);
    }
  }
  for (; c < k; ++c)
    for (size_t j = 0; j < N; ++j) out[j * out_stride + c] += a[j] * scalar(w, c);
}

template <typename T>
void axpy_rows_typed(const T* w, const float* a, size_t inputs, size_t k, float* out,
                     size_t out_stride) {
  switch (inputs) {
    case 1:
      return axpy_n<1>(w, a, k, out, out_stride);
    case 2:
      return axpy_n<2>(w, a, k, out, out_stride);
    case 3:
      return axpy_n<3>(w, a, k, out, out_stride);
    default:
      return axpy_n<4>(w, a, k, out, out_stride);
  }
}

void AxpyRows(DType dtype, const void* w, const float* a, size_t inputs, size_t k, float* out,
              size_t out_stride) {
  switch (dtype) {
    case DType::BF16:
      return axpy_rows_typed(static_cast<const hwy::bfloat16_t*>(w), a, inputs, k, out, out_stride);
    case DType::F16:
      return axpy_rows_typed(static_cast<const hwy::float16_t*>(w), a, inputs, k, out, out_stride);
    default:
      return axpy_rows_typed(static_cast<const float*>(w), a, inputs, k, out, out_stride);
  }
}

const char* Target() {
  return hwy::TargetName(HWY_TARGET);
}

}  // namespace HWY_NAMESPACE
}  // namespace vkllm::host::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vkllm::host::cpu {

void split_pairs(const float* x, size_t k, float* out) {
  for (size_t b = 0; b < k; b += 32)
    for (size_t i = 0; i < 16; ++i) {
      out[b + i] = x[b + 2 * i];
      out[b + 16 + i] = x[b + 2 * i + 1];
    }
}

HWY_EXPORT(DotRows);
HWY_EXPORT(WidenRow);
HWY_EXPORT(AxpyRow);
HWY_EXPORT(AxpyRows);
HWY_EXPORT(DotQuantRows);
HWY_EXPORT(DequantIntRow);
HWY_EXPORT(DotTile4);
HWY_EXPORT(DotPair);

void dot_pair(DType dtype, const void* w, const float* x, size_t k, float* out) {
  HWY_DYNAMIC_DISPATCH(DotPair)(dtype, w, x, k, out);
}

void dot_tile4(const float* w, const float* x, size_t x_stride, size_t k, float* out) {
  HWY_DYNAMIC_DISPATCH(DotTile4)(w, x, x_stride, k, out);
}

void dot_quant_rows(const QuantFormat& f, const std::byte* row, const float* x, size_t x_stride,
                    size_t inputs, size_t k, float* out) {
  HWY_DYNAMIC_DISPATCH(DotQuantRows)(f, row, x, x_stride, inputs, k, out);
}
HWY_EXPORT(Target);

void dequantize_int_row(const QuantFormat& f, const std::byte* row, size_t k, float* out) {
  HWY_DYNAMIC_DISPATCH(DequantIntRow)(f, row, k, out);
}

void axpy_row(DType dtype, const void* w, float a, size_t k, float* out) {
  HWY_DYNAMIC_DISPATCH(AxpyRow)(dtype, w, a, k, out);
}

void axpy_rows(DType dtype, const void* w, const float* a, size_t inputs, size_t k, float* out,
               size_t out_stride) {
  HWY_DYNAMIC_DISPATCH(AxpyRows)(dtype, w, a, inputs, k, out, out_stride);
}

void dot_rows(DType dtype, const void* w, const float* x, size_t x_stride, size_t inputs, size_t k,
              float* out) {
  HWY_DYNAMIC_DISPATCH(DotRows)(dtype, w, x, x_stride, inputs, k, out);
}

void widen_row(DType dtype, const void* w, size_t k, float* out) {
  HWY_DYNAMIC_DISPATCH(WidenRow)(dtype, w, k, out);
}

const char* simd_target() {
  return HWY_DYNAMIC_DISPATCH(Target)();
}

}  // namespace vkllm::host::cpu
#endif
