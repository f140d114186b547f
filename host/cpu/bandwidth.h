// The host's streaming-read bandwidth as the CPU backend's threads see it: every
// thread sums its share of a buffer far larger than the caches. The ceiling CPU
// decode (a memory-bound matvec) is reported against.
#pragma once

#include <cstddef>

#include "host/cpu/cpu.h"

namespace vkllm::host::cpu {

// Bytes per second: the median of `reps` timed passes over `bytes`, after one warm pass.
double read_bandwidth(Cpu& cpu, size_t bytes = size_t(1) << 30, int reps = 7);

}  // namespace vkllm::host::cpu
