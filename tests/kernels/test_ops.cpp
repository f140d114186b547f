// Every kernel against its host reference at awkward shapes (tests/harness),
// with the validation layer on and guard bytes around every output.
#include <gtest/gtest.h>

#include <memory>

#include "engine/vulkan/context.h"
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

// The harness itself must catch what it claims to catch.
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
