#include "host/cpu/dot.h"

#include <cstring>
#include <type_traits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "host/cpu/dot.cpp"
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

// N inputs against one row, two accumulators each (FMA latency).
template <size_t N, typename T>
HWY_INLINE void dot_n(const T* HWY_RESTRICT w, const float* HWY_RESTRICT x, size_t stride, size_t k,
                      float* out) {
  const hn::ScalableTag<float> df;
  const size_t L = hn::Lanes(df);
  hn::Vec<decltype(df)> a0[N], a1[N];
  for (size_t j = 0; j < N; ++j) a0[j] = a1[j] = hn::Zero(df);
  size_t c = 0;
  for (; c + 2 * L <= k; c += 2 * L) {
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

const char* Target() {
  return hwy::TargetName(HWY_TARGET);
}

}  // namespace HWY_NAMESPACE
}  // namespace vkllm::host::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vkllm::host::cpu {

HWY_EXPORT(DotRows);
HWY_EXPORT(WidenRow);
HWY_EXPORT(AxpyRow);
HWY_EXPORT(Target);

void axpy_row(DType dtype, const void* w, float a, size_t k, float* out) {
  HWY_DYNAMIC_DISPATCH(AxpyRow)(dtype, w, a, k, out);
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
