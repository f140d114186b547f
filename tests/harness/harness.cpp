#include "tests/harness/harness.h"

#include "engine/kernels/elementwise.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "engine/kernels/dispatch.h"
#include "engine/kernels/elementwise.h"
#include "shaders/shader_ids.h"

namespace vkllm::harness {

namespace {

constexpr uint64_t kGuard = 256;  // guard bytes before and after each buffer
constexpr std::byte kGuardByte{0xA5};

uint64_t padded(uint64_t n) {
  return (n + 255) / 256 * 256;
}

// One device buffer with guards: [guard][payload, padded][guard].
struct Guarded {
  vk::Buffer buffer;
  uint64_t payload = 0;
  vk::BufferRange range() const { return vk::BufferRange(buffer, kGuard, payload); }
};

Guarded make_guarded(vk::Device& d, uint64_t payload, const std::string& label) {
  Guarded g;
  g.payload = payload;
  g.buffer = d.buffer(kGuard + padded(payload) + kGuard, label);
  std::vector<std::byte> fill(g.buffer.size(), kGuardByte);
  d.upload(g.buffer, 0, fill);
  return g;
}

}  // namespace

HostTensor random_tensor(std::mt19937& rng, DType t, size_t n, float scale) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  HostTensor h(t, n);
  for (size_t i = 0; i < n; ++i) {
    float v = 0;
    while (v == 0) {
      h.set(i, u(rng) * scale);
      v = h.get(i);  // zero after rounding counts as zero too
    }
  }
  return h;
}

CheckResult check(vk::Device& device, const OpCase& c) {
  std::vector<Guarded> in, out;
  std::vector<vk::BufferRange> in_ranges, out_ranges;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    in.push_back(make_guarded(device, c.inputs[i].bytes.size(), fmt::format("input {}", i)));
    device.upload(in.back().buffer, kGuard, c.inputs[i].bytes);
    in_ranges.push_back(in.back().range());
  }
  for (size_t i = 0; i < c.outputs.size(); ++i) {
    auto [t, n] = c.outputs[i];
    out.push_back(make_guarded(device, n * dtype_size(t), fmt::format("output {}", i)));
    out_ranges.push_back(out.back().range());
  }

  vk::Stream s(device);
  s.begin();
  c.launch(s, in_ranges, out_ranges);
  s.submit_and_wait();

  std::vector<std::vector<std::byte>> got(out.size());
  for (size_t o = 0; o < out.size(); ++o) {
    got[o].resize(out[o].buffer.size());
    device.download(out[o].buffer, 0, got[o]);
  }
  if (c.device_bound) {
    OpCase bounded = c;
    bounded.max_nmse = c.device_bound(device.info());
    return compare(bounded, got);
  }
  return compare(c, got);
}

CheckResult check_cpu(host::cpu::Cpu& cpu, const OpCase& c) {
  if (!c.cpu) return {.ok = false, .message = "the case has no CPU kernel"};
  // The same guards as on the device, in host memory.
  auto guarded = [](uint64_t payload) {
    return std::vector<std::byte>(kGuard + padded(payload) + kGuard, kGuardByte);
  };
  std::vector<std::vector<std::byte>> in, out;
  std::vector<std::byte*> in_ptr, out_ptr;
  for (const HostTensor& t : c.inputs) {
    in.push_back(guarded(t.bytes.size()));
    std::memcpy(in.back().data() + kGuard, t.bytes.data(), t.bytes.size());
  }
  for (auto [t, n] : c.outputs) out.push_back(guarded(n * dtype_size(t)));
  for (auto& b : in) in_ptr.push_back(b.data() + kGuard);
  for (auto& b : out) out_ptr.push_back(b.data() + kGuard);
  c.cpu(cpu, in_ptr, out_ptr);
  return compare(c, out);
}

CheckResult compare(const OpCase& c, const std::vector<std::vector<std::byte>>& outputs) {
  CheckResult r;
  std::vector<HostTensor> ref = c.reference(c.inputs);
  for (size_t o = 0; o < outputs.size(); ++o) {
    const std::vector<std::byte>& all = outputs[o];
    const uint64_t payload = c.outputs[o].second * dtype_size(c.outputs[o].first);
    // Everything outside [kGuard, kGuard + payload) must be untouched.
    for (uint64_t b = 0; b < all.size(); ++b) {
      bool inside = b >= kGuard && b < kGuard + payload;
      if (!inside && all[b] != kGuardByte) {
        r.ok = false;
        r.message = fmt::format("output {}: byte {} outside the output was written ({} {} bytes)",
                                o, int64_t(b) - int64_t(kGuard),
                                b < kGuard ? "before the start of" : "past the end of", payload);
        return r;
      }
    }
    HostTensor got(c.outputs[o].first, c.outputs[o].second);
    std::memcpy(got.bytes.data(), all.data() + kGuard, payload);
    const HostTensor& want = ref[o];
    double err = 0, norm = 0;
    size_t worst = 0;
    for (size_t i = 0; i < got.count; ++i) {
      double a = got.get(i), b = want.get(i);
      if (!std::isfinite(a)) {
        r.ok = false;
        r.message = fmt::format("output {}[{}] is {} (reference {})", o, i, a, b);
        return r;
      }
      double d = a - b;
      err += d * d;
      norm += b * b;
      if (std::abs(d) > r.max_abs) {
        r.max_abs = std::abs(d);
        worst = i;
      }
    }
    double nmse = norm > 0 ? err / norm : err;
    r.nmse = std::max(r.nmse, nmse);
    bool pass = c.max_nmse == 0 ? err == 0 : nmse <= c.max_nmse;
    if (!pass) {
      r.ok = false;
      r.message =
          fmt::format("output {}: nmse {:.3e} over bound {:.1e}; worst element {}: got {} want {}",
                      o, nmse, c.max_nmse, worst, got.get(worst), want.get(worst));
      return r;
    }
  }
  return r;
}

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Records reps x (record(), barrier, timestamp), runs it once to warm up and once
// timed; returns per-repetition nanoseconds.
std::vector<double> time_reps(vk::Device& device, int reps,
                              const std::function<void(vk::Stream&)>& record) {
  vk::Stream s(device, uint32_t(reps + 1));
  s.begin();
  s.timestamp();
  for (int i = 0; i < reps; ++i) {
    record(s);
    s.barrier();
    s.timestamp();
  }
  s.end();
  // Warm-up for at least 100 ms: clocks up, caches and TLBs touched.
  auto start = std::chrono::steady_clock::now();
  do s.submit_and_wait();
  while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(100));
  s.submit_and_wait();
  auto ts = s.timestamps_ns();
  std::vector<double> d;
  for (size_t i = 1; i < ts.size(); ++i) d.push_back(ts[i] - ts[i - 1]);
  return d;
}

}  // namespace

Ceilings measure_ceilings(vk::Device& device, int reps) {
  const auto& info = device.info();
  // 1 GiB outgrows any GPU's caches; a CPU implementation (lavapipe) streams 64 MiB,
  // past its host's caches too, where 1 GiB twenty times took minutes.
  const uint64_t want = info.type == "cpu" ? 64ull << 20 : 1ull << 30;
  uint64_t bytes = std::min<uint64_t>(
      {want, info.max_storage_buffer_range, info.max_memory_allocation_size / 2});
  bytes = bytes / 16 * 16;
  vk::Buffer a = device.buffer(bytes, "ceiling source");
  vk::Buffer b = device.buffer(bytes, "ceiling destination");
  vk::Buffer sink = device.buffer(256, "ceiling sink");
  const uint32_t wg = 256;
  // Enough workgroups to fill any GPU; each thread then loops over the rest.
  uint32_t groups = uint32_t(std::min<uint64_t>(bytes / 16 / wg, 65535));
  struct {
    uint32_t n16;
  } push{uint32_t(bytes / 16)};
  {  // Initialize the source so reads are of real data.
    vk::Stream s(device);
    s.begin();
    s.fill(a, 0, bytes, 0x3c003c00u);
    s.submit_and_wait();
  }
  auto& pipes = device.pipelines();
  const auto& rd = pipes.get({.shader = ShaderId::stream_read, .bindings = 2, .workgroup = wg});
  const auto& cp = pipes.get({.shader = ShaderId::stream_copy, .bindings = 2, .workgroup = wg});
  // Twice, keeping the faster: one H100 call's first measure read 1770 GB/s where the
  // same process's kernels then streamed 2880 (clocks still rising after the warm-up).
  Ceilings c;
  for (int round = 0; round < 2; ++round) {
    auto tr = time_reps(device, reps, [&](vk::Stream& s) {
      s.dispatch(rd, {a, sink}, push, groups);
    });
    auto tc = time_reps(device, reps, [&](vk::Stream& s) { s.dispatch(cp, {a, b}, push, groups); });
    c.read_gbs = std::max(c.read_gbs, double(bytes) / median(tr));
    c.copy_gbs = std::max(c.copy_gbs, 2.0 * double(bytes) / median(tc));
  }
  return c;
}

DispatchCost measure_dispatch_cost(vk::Device& device) {
  constexpr uint32_t kChain = 256, kFloats = 1024;
  vk::Buffer a = device.buffer(kFloats * 4, "dispatch cost a");
  vk::Buffer b = device.buffer(kFloats * 4, "dispatch cost b");
  auto chain = [&](bool barriers) {
    const auto t = time_reps(device, 5, [&](vk::Stream& s) {
      for (uint32_t i = 0; i < kChain; ++i) {
        kernels::binary(s, kernels::BinaryOp::Add, DType::F32, a, a, b, kFloats);
        if (barriers) s.barrier();
      }
    });
    return median(t) / 1e3 / kChain;
  };
  return {chain(true), chain(false)};
}

PerfBuffers perf_buffers(vk::Device& device, const OpCase& c) {
  // Enough copies of the inputs that consecutive dispatches read different memory
  // and together outgrow the last-level cache (50 MB on H100/H200): a 29 MB 4-bit
  // weight read twice in a row would otherwise come from L2, not from memory.
  constexpr size_t kRotateBytes = size_t(256) << 20;
  size_t in_bytes = 0;
  for (const HostTensor& t : c.inputs) in_bytes += t.bytes.size();
  const size_t copies =
      std::clamp<size_t>(in_bytes ? (kRotateBytes + in_bytes - 1) / in_bytes : 1, 1, 16);
  PerfBuffers b;
  b.inputs.resize(copies);
  for (size_t r = 0; r < copies; ++r)
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      b.owned.push_back(device.buffer(c.inputs[i].bytes.size(), fmt::format("input {}", i)));
      device.upload(b.owned.back(), 0, c.inputs[i].bytes);
      b.inputs[r].emplace_back(b.owned.back());
    }
  for (size_t i = 0; i < c.outputs.size(); ++i) {
    b.owned.push_back(device.buffer(c.outputs[i].second * dtype_size(c.outputs[i].first),
                                    fmt::format("output {}", i)));
    b.outputs.emplace_back(b.owned.back());
  }
  return b;
}

PerfResult measure(vk::Device& device, const OpCase& c, int reps) {
  PerfBuffers b = perf_buffers(device, c);
  return measure(device, c, b, reps);
}

PerfResult measure(vk::Device& device, const OpCase& c, PerfBuffers& b, int reps) {
  size_t next = 0;
  auto t = time_reps(device, reps, [&](vk::Stream& s) {
    c.launch(s, b.inputs[next], b.outputs);
    next = (next + 1) % b.inputs.size();
  });
  PerfResult p;
  double med = median(t);
  p.median_us = med / 1e3;
  p.min_us = *std::min_element(t.begin(), t.end()) / 1e3;
  p.gbs = c.bytes / med;
  p.tflops = c.flops / med / 1e3;
  return p;
}

}  // namespace vkllm::harness

namespace vkllm::harness {

PerfResult measure_cpu(host::cpu::Cpu& cpu, const OpCase& c, int reps) {
  std::vector<std::vector<std::byte>> in, out;
  std::vector<std::byte*> in_ptr, out_ptr;
  for (const HostTensor& t : c.inputs) in.push_back(t.bytes);
  for (auto [t, n] : c.outputs) out.emplace_back(n * dtype_size(t));
  for (auto& b : in) in_ptr.push_back(b.data());
  for (auto& b : out) out_ptr.push_back(b.data());
  std::vector<double> t;
  for (int r = 0; r <= reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    c.cpu(cpu, in_ptr, out_ptr);
    const double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    if (r > 0) t.push_back(ns);  // the first run warms the caches and the pool
  }
  PerfResult p;
  const double med = median(t);
  p.median_us = med / 1e3;
  p.min_us = *std::min_element(t.begin(), t.end()) / 1e3;
  p.gbs = c.bytes / med;
  p.tflops = c.flops / med / 1e3;
  return p;
}

}  // namespace vkllm::harness
