// A progress bar on stderr for long operations (loading weights): bytes done,
// GB/s and ETA, redrawn at most 10 times a second, only when stderr is a terminal.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace vkllm {

class Progress {
 public:
  Progress(std::string label, uint64_t total_bytes, bool enabled);
  ~Progress();
  // Thread-safe.
  void add(uint64_t bytes);
  void finish();
  double seconds() const;

  // True when stderr is a terminal (and VKLLM_NO_PROGRESS is unset).
  static bool stderr_is_terminal();

 private:
  void draw(bool final);

  std::string label_;
  uint64_t total_;
  bool enabled_;
  std::atomic<uint64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::mutex mutex_;
  bool finished_ = false;
};

}  // namespace vkllm
