// A fixed pool of worker threads for the CPU backend's kernels: parallel_for cuts
// a range into one contiguous block per thread and waits for all of them. The
// calling thread runs a block too, so a pool of 1 runs everything inline.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vkllm::host::cpu {

class ThreadPool {
 public:
  // threads: 0 means one per core the process may use.
  explicit ThreadPool(unsigned threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned threads() const { return unsigned(workers_.size()) + 1; }

  // fn(begin, end) over [0, n) in blocks of at least `grain` items, one block per
  // thread at most; returns when every block is done. Exceptions from fn are
  // rethrown here (the first one).
  void parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);

 private:
  void work(unsigned index);
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(size_t, size_t)>* fn_ = nullptr;
  size_t n_ = 0, block_ = 0;
  unsigned blocks_ = 0, pending_ = 0;
  unsigned long generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

// Cores this process may run on (its affinity mask), at least 1.
unsigned available_cores();

}  // namespace vkllm::host::cpu
