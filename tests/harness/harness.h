// The op harness: every kernel runs on the device and through its host reference
// on the same random inputs, compared by normalized error with a bound per case,
// with guard bytes around every buffer to catch out-of-bounds writes. The same
// cases run in perf mode at large sizes, warm and repeated, timed on the GPU.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "engine/vulkan/stream.h"
#include "host/cpu/cpu.h"
#include "host/reference/host_tensor.h"

namespace vkllm::harness {

using host::HostTensor;

struct OpCase {
  std::string op;     // "matvec", "convert", ... (groups cases in reports)
  std::string shape;  // "bf16 n=33 k=4097"
  std::vector<HostTensor> inputs;
  // Output dtypes and element counts.
  std::vector<std::pair<DType, size_t>> outputs;
  // Records the kernel(s): buffers are bound in the order inputs..., outputs...
  std::function<void(vk::Stream&, std::span<const vk::BufferRange> in,
                     std::span<const vk::BufferRange> out)>
      launch;
  // The CPU backend's kernel for the same op (host/cpu), where it has one: the
  // first byte of each buffer, inputs..., outputs....
  std::function<void(host::cpu::Cpu&, std::span<std::byte* const> in,
                     std::span<std::byte* const> out)>
      cpu;
  std::function<std::vector<HostTensor>(const std::vector<HostTensor>&)> reference;
  double max_nmse = 0;  // bound on sum((y-ref)^2) / sum(ref^2); 0 means bit-exact
  // Where the device picks a kernel that rounds more (tensor cores), the bound for
  // that device's kernel; unset: max_nmse everywhere (the CPU kernels too).
  std::function<double(const vk::DeviceInfo&)> device_bound;
  // What perf mode counts: bytes moved to/from memory and floating-point operations.
  double bytes = 0;
  double flops = 0;
  // Which ceiling the bytes are compared to: streaming read, or read+write copy.
  bool write_bound = false;
};

struct CheckResult {
  bool ok = true;
  double nmse = 0;
  double max_abs = 0;
  std::string message;  // what failed, when !ok
};

// Runs the case on the device and its reference, and compares them.
CheckResult check(vk::Device& device, const OpCase& c);
// Runs the case's CPU kernel (OpCase::cpu) with the same guards, and compares.
CheckResult check_cpu(host::cpu::Cpu& cpu, const OpCase& c);
// The outputs as run (each with kGuard bytes before and after) against the reference.
CheckResult compare(const OpCase& c, const std::vector<std::vector<std::byte>>& outputs);

struct Ceilings {
  double read_gbs = 0;  // shader streaming read, GB/s
  double copy_gbs = 0;  // shader copy, GB/s of (read + write) bytes
};

// Measures the device's streaming-read and copy bandwidth with the bench shaders.
Ceilings measure_ceilings(vk::Device& device, int reps = 20);

// What a step of dependent kernels pays per kernel whatever it computes: GPU time of
// a chain of small dispatches (an add of 1024 floats each) divided by their count,
// with a barrier after each (every dispatch waits for the one before, as the ops of a
// decode step do) and without (they may overlap).
struct DispatchCost {
  double dependent_us = 0;
  double independent_us = 0;
};
DispatchCost measure_dispatch_cost(vk::Device& device);

struct PerfResult {
  double median_us = 0;
  double min_us = 0;
  double gbs = 0;     // bytes / median time
  double tflops = 0;  // flops / median time
};

// A case's inputs on the device, in enough copies that dispatches rotating over
// them outgrow the last-level cache, and its outputs.
struct PerfBuffers {
  std::vector<vk::Buffer> owned;
  std::vector<std::vector<vk::BufferRange>> inputs;  // [copy][input]
  std::vector<vk::BufferRange> outputs;
};
PerfBuffers perf_buffers(vk::Device& device, const OpCase& c);

// Times `reps` dispatches of the case after a warm-up submission, rotating over
// copies of its inputs; inputs are not checked. The second form reuses buffers made
// for a case of the same inputs (a sweep over launches).
PerfResult measure(vk::Device& device, const OpCase& c, int reps = 20);
PerfResult measure(vk::Device& device, const OpCase& c, PerfBuffers& buffers, int reps = 20);

// Times `reps` calls of the case's CPU kernel after a warm-up call (host clock).
PerfResult measure_cpu(host::cpu::Cpu& cpu, const OpCase& c, int reps = 20);

// Uniform in [-1, 1] with exact zeros replaced: inputs are never zero.
HostTensor random_tensor(std::mt19937& rng, DType t, size_t n, float scale = 1.0f);

}  // namespace vkllm::harness
