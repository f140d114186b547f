#include "host/cpu/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <exception>

namespace vkllm::host::cpu {

unsigned available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0) threads = available_cores();
  for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this, i] { work(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::work(unsigned index) {
  unsigned long seen = 0;
  for (;;) {
    const std::function<void(size_t, size_t)>* fn;
    size_t begin, end;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (index >= blocks_) continue;
      fn = fn_;
      begin = index * block_;
      end = std::min(n_, begin + block_);
    }
    std::exception_ptr error;
    try {
      (*fn)(begin, end);
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    if (error && !error_) error_ = error;
    if (--pending_ == 0) done_.notify_one();
  }
}

void ThreadPool::parallel_for(size_t n, size_t grain,
                              const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  const size_t most = std::min<size_t>(threads(), (n + grain - 1) / grain);
  if (most <= 1) {
    fn(0, n);
    return;
  }
  const size_t block = (n + most - 1) / most;
  const unsigned blocks = unsigned((n + block - 1) / block);
  {
    std::lock_guard lock(mutex_);
    fn_ = &fn;
    n_ = n;
    block_ = block;
    blocks_ = blocks;
    pending_ = blocks - 1;  // block 0 is the caller's
    error_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  std::exception_ptr mine;
  try {
    fn(0, std::min(n, block));
  } catch (...) {
    mine = std::current_exception();
  }
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return pending_ == 0; });
  fn_ = nullptr;
  if (mine) std::rethrow_exception(mine);
  if (error_) std::rethrow_exception(error_);
}

}  // namespace vkllm::host::cpu
