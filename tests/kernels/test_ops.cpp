// Every kernel against its host reference at awkward shapes (tests/harness),
// with the validation layer on and guard bytes around every output.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "engine/base/error.h"
#include "engine/kernels/attention.h"
#include "engine/kernels/matmul.h"
#include "engine/vulkan/context.h"
#include "host/cpu/quantize.h"
#include "host/reference/quant.h"
#include "tests/harness/cases.h"

namespace vkllm {
namespace {

vk::Context& context() {
  static std::unique_ptr<vk::Context> ctx = [] {
    return std::make_unique<vk::Context>(vk::ContextOptions{
        .validation = true, .device_options = {.persist_pipeline_cache = false}});
  }();
  return *ctx;
}

std::vector<harness::OpCase>& cases() {
  static std::vector<harness::OpCase> c = harness::correctness_cases(1234);
  return c;
}

TEST(OpHarness, EveryCaseMatchesItsReference) {
  auto& dev = context().device();
  int failed = 0;
  for (auto& c : cases()) {
    auto r = harness::check(dev, c);
    if (!r.ok) {
      ++failed;
      ADD_FAILURE() << c.op << " " << c.shape << ": " << r.message;
    }
  }
  EXPECT_EQ(failed, 0);
  EXPECT_GT(cases().size(), 100u);
  EXPECT_EQ(context().validation_messages(), 0u) << "validation layer reported problems";
}

// The CPU backend's kernels (host/cpu) through the same cases, guards and bounds,
// with more threads than CI has cores (the blocks of a parallel_for must add up).
TEST(OpHarness, CpuKernelsMatchTheirReferences) {
  host::cpu::Cpu cpu(3);
  int failed = 0, run = 0;
  for (auto& c : cases()) {
    if (!c.cpu) continue;
    ++run;
    auto r = harness::check_cpu(cpu, c);
    if (!r.ok) {
      ++failed;
      ADD_FAILURE() << "cpu " << c.op << " " << c.shape << ": " << r.message;
    }
  }
  EXPECT_EQ(failed, 0);
  EXPECT_GT(run, 60);
}

// Quantize at load on the CPU writes the reference quantizer's bytes exactly (the
// harness checks it through values, as it must for the GPU's, where a division may
// round one code the other way): every source type, both formats, rows that do not
// fill a thread block, groups of one sign, of zeros and with a single non-zero.
TEST(CpuQuantize, SameBytesAsTheReference) {
  std::mt19937 rng(11);
  host::cpu::Cpu cpu(3);
  const size_t n = 37, k = 32 * 13;
  for (DType src : {DType::F32, DType::F16, DType::BF16})
    for (const QuantFormat& f : {quant_q8(), quant_q4()}) {
      host::HostTensor w = harness::random_tensor(rng, src, n * k, 3.0f);
      for (size_t j = 0; j < 32; ++j) {
        w.set(j, std::abs(w.get(j)) + 0.25f);           // row 0, group 0: all positive
        w.set(k + j, -std::abs(w.get(k + j)) - 0.25f);  // row 1, group 0: all negative
        w.set(2 * k + j, 0.0f);                         // row 2, group 0: zeros
        w.set(3 * k + j, j == 5 ? -1.5f : 0.0f);        // row 3, group 0: one value
      }
      const host::HostTensor want = host::ref::quantize(w, f, n, k);
      std::vector<std::byte> got(want.bytes.size());
      host::cpu::quantize_rows(cpu, src, w.bytes.data(), f, n, k, got.data());
      size_t differ = 0;
      for (size_t i = 0; i < got.size(); ++i) differ += got[i] != want.bytes[i];
      EXPECT_EQ(differ, 0u) << dtype_name(src) << " -> " << quant_format_name(f);
    }
  // Formats other than the load-time ones are refused by name.
  std::vector<std::byte> out(1 << 12);
  const std::vector<float> w(128, 1.0f);
  EXPECT_THROW(host::cpu::quantize_rows(cpu, DType::F32, w.data(),
                                        {.bits = 4, .codes = QuantCodes::NF4, .group = 64}, 1, 128,
                                        out.data()),
               Error);
}

// The harness itself must catch what it claims to catch.
// The tensor-core tilings: every one the sweep tries fits a device with 48 KiB of
// shared memory and 1024 threads, and tiles that cannot run say why.
TEST(CoopmatTiles, FitOrSayWhy) {
  vk::DeviceInfo d;
  d.max_shared_memory = 48 * 1024;
  d.max_workgroup_size = 1024;
  for (const kernels::CoopmatTiles& t : harness::coopmat_tilings())
    EXPECT_EQ(kernels::coopmat_tiles_unfit(d, t), "") << t.tile_t << "x" << t.tile_n;
  EXPECT_EQ(kernels::coopmat_tiles_unfit(d, kernels::coopmat_tiles(512)), "");
  auto why = [&](kernels::CoopmatTiles t) { return kernels::coopmat_tiles_unfit(d, t); };
  EXPECT_NE(why({8, 128, 128, 64, 64, 32}).find("do not cover"), std::string::npos);
  EXPECT_NE(why({4, 128, 128, 64, 64, 48}).find("k step"), std::string::npos);
  EXPECT_NE(why({8, 32, 256, 32, 32, 32}).find("evenly"), std::string::npos);
  EXPECT_NE(why({8, 128, 256, 64, 64, 32}).find("shared memory"), std::string::npos);
  d.max_workgroup_size = 128;
  EXPECT_NE(why({8, 128, 128, 64, 32, 32}).find("threads"), std::string::npos);
}

// The decode attention's split count: 32 chunks for one token at a long cache, one
// for a batch of 32 or more tokens, never more chunks than 16-key pieces of the cache.
TEST(DecodeSplits, ByBatchAndCache) {
  EXPECT_EQ(kernels::decode_splits(1024, 1, 32), 32u);
  EXPECT_EQ(kernels::decode_splits(1024, 8, 32), 4u);
  EXPECT_EQ(kernels::decode_splits(1024, 32, 32), 1u);
  EXPECT_EQ(kernels::decode_splits(1024, 64, 32), 1u);
  EXPECT_EQ(kernels::decode_splits(1024, 2, 8), 32u);  // 16 records: 64 wanted, 32 at most
  EXPECT_EQ(kernels::decode_splits(40, 1, 32), 3u);    // a short cache: 16-key chunks
  EXPECT_EQ(kernels::decode_splits(1, 1, 1), 1u);
}

// Prefill attention takes tensor cores only with an f16 cache, NV cooperative
// matrices and head_dim a multiple of 16 that fits shared memory, and when asked.
TEST(AttentionPrefillPath, TensorCoresWhereTheyApply) {
  vk::DeviceInfo d;
  d.coopmat_nv = true;
  d.fp16 = true;
  d.subgroup_size = 32;
  d.subgroup_arithmetic = d.subgroup_shuffle = true;
  d.max_shared_memory = 48 * 1024;
  d.max_workgroup_size = 1024;
  d.coopmat_shapes.push_back({.m = 16, .n = 16, .k = 16, .a_type = "f16", .c_type = "f32"});
  const kernels::AttentionShape s{512, 32, 8, 128, 1024, 0, 0.088f, 0};
  EXPECT_TRUE(kernels::attention_prefill_coopmat(d, {DType::F16}, s));
  EXPECT_FALSE(kernels::attention_prefill_coopmat(d, {DType::F32}, s));
  EXPECT_FALSE(kernels::attention_prefill_coopmat(d, {DType::F16, false}, s));
  kernels::AttentionShape odd = s;
  odd.head_dim = 72;
  EXPECT_FALSE(kernels::attention_prefill_coopmat(d, {DType::F16}, odd));
  odd.head_dim = 256;  // 47 KB of shared memory
  EXPECT_TRUE(kernels::attention_prefill_coopmat(d, {DType::F16}, odd));
  d.max_shared_memory = 32 * 1024;
  EXPECT_FALSE(kernels::attention_prefill_coopmat(d, {DType::F16}, odd));
  d.coopmat_nv = false;
  EXPECT_FALSE(kernels::attention_prefill_coopmat(d, {DType::F16}, s));
}

TEST(OpHarness, DetectsWrongResults) {
  std::mt19937 rng(7);
  auto c = harness::matvec_case(rng, DType::BF16, 33, 4097);
  auto reference = c.reference;
  c.reference = [reference](const std::vector<host::HostTensor>& in) {
    auto out = reference(in);
    out[0].set(5, out[0].get(5) + 0.05f);  // one element off
    return out;
  };
  EXPECT_FALSE(harness::check(context().device(), c).ok);
  host::cpu::Cpu cpu(2);
  EXPECT_FALSE(harness::check_cpu(cpu, c).ok);
}

TEST(OpHarness, DetectsOutOfBoundsWrites) {
  std::mt19937 rng(8);
  auto c = harness::convert_case(rng, DType::F32, DType::BF16, 33);
  // Launch over one element more than the output holds: the guard must notice.
  c.launch = [](vk::Stream& s, auto in, auto out) {
    vk::BufferRange wide = out[0];
    wide.size = VK_WHOLE_SIZE;
    kernels::convert(s, DType::F32, in[0], DType::BF16, wide, 34);
  };
  auto r = harness::check(context().device(), c);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("past the end"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace vkllm
