// Ctrl-C while generating ends the reply, not the program: a SIGINT handler that
// sets a flag the generation loop reads between tokens.
#pragma once

#include <atomic>

namespace vkllm::cli {

class InterruptGuard {
 public:
  // Installs the handler (the previous one comes back in the destructor).
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  const std::atomic<bool>& flag() const;
  // True (and cleared) when Ctrl-C was pressed since the last call.
  bool take();
};

}  // namespace vkllm::cli
