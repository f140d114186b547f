#include "host/cpu/bandwidth.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

namespace vkllm::host::cpu {

double read_bandwidth(Cpu& cpu, size_t bytes, int reps) {
  const size_t n = bytes / sizeof(uint64_t);
  std::vector<uint64_t> data(n);
  // Touched by the threads that read it (first-touch NUMA placement).
  cpu.pool().parallel_for(n, 1 << 16, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) data[i] = i;
  });
  std::atomic<uint64_t> sink{0};
  std::vector<double> times;
  for (int r = 0; r <= reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    cpu.pool().parallel_for(n, 1 << 16, [&](size_t b, size_t e) {
      uint64_t s[8] = {};
      size_t i = b;
      for (; i + 8 <= e; i += 8) {
        // 1 KB ahead, as the decode dots ask (the hardware prefetchers stop at pages).
        __builtin_prefetch(data.data() + i + 128);
        for (size_t j = 0; j < 8; ++j) s[j] += data[i + j];
      }
      for (; i < e; ++i) s[0] += data[i];
      sink += s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
    });
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r > 0) times.push_back(t);
  }
  std::sort(times.begin(), times.end());
  return double(n * sizeof(uint64_t)) / times[times.size() / 2] + double(sink.load() & 0);
}

}  // namespace vkllm::host::cpu
