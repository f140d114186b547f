// The host's CPU as a device of the graph: a thread pool sized to the cores (or
// --threads), and what vkllm devices prints about it.
#pragma once

#include <string>

#include "host/cpu/thread_pool.h"

namespace vkllm::host::cpu {

class Cpu {
 public:
  explicit Cpu(unsigned threads = 0);
  ThreadPool& pool() { return pool_; }
  unsigned threads() const { return pool_.threads(); }
  // "Intel(R) Xeon(R) Processor (cpu, 2 threads, AVX3_SPR)"
  std::string name() const;

 private:
  ThreadPool pool_;
  std::string model_;
};

}  // namespace vkllm::host::cpu
