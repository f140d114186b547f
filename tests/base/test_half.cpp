// Host f16/bf16 conversions against the compiler's _Float16 and exhaustive
// bf16 round trips: the references and the shaders rely on them bit for bit.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "engine/base/half.h"

namespace vkllm {
namespace {

TEST(Half, EveryF16WidensExactly) {
  for (uint32_t h = 0; h < 65536; ++h) {
    _Float16 ref = std::bit_cast<_Float16>(uint16_t(h));
    float want = float(ref);
    float got = f16_to_f32(uint16_t(h));
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << h;
    } else {
      EXPECT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(want)) << h;
    }
  }
}

TEST(Half, F32ToF16RoundsToNearestEven) {
  std::mt19937 rng(1);
  std::vector<float> values = {0.0f,
                               -0.0f,
                               65504.0f,
                               65519.99f,
                               65520.0f,
                               1e-8f,
                               2.98e-8f,
                               5.96e-8f,
                               6.1e-5f,
                               6.097e-5f,
                               std::numeric_limits<float>::infinity(),
                               -std::numeric_limits<float>::infinity()};
  for (int i = 0; i < 200000; ++i) values.push_back(std::bit_cast<float>(uint32_t(rng())));
  // Every halfway point between adjacent f16 values.
  for (uint32_t h = 0; h < 0x7c00; ++h) {
    float a = f16_to_f32(uint16_t(h)), b = f16_to_f32(uint16_t(h + 1));
    values.push_back(0.5f * (a + b));
  }
  for (float f : values) {
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(f))));
      continue;
    }
    uint16_t want = std::bit_cast<uint16_t>(_Float16(f));
    EXPECT_EQ(f32_to_f16(f), want) << f;
  }
}

TEST(Half, Bf16RoundTripsAndRounds) {
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = bf16_to_f32(uint16_t(h));
    if (std::isnan(f)) continue;
    EXPECT_EQ(f32_to_bf16(f), h);
  }
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie to even (down)
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f818000u)), 0x3f82);  // tie to even (up)
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f808001u)), 0x3f81);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(std::nanf("")))));
}

}  // namespace
}  // namespace vkllm
