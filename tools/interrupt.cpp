#include "tools/interrupt.h"

#include <csignal>

namespace vkllm::cli {
namespace {

std::atomic<bool> g_interrupted{false};
struct sigaction g_previous;

void on_sigint(int) {
  g_interrupted.store(true);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  g_interrupted.store(false);
  struct sigaction sa = {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked read of the next chat line returns
  sigaction(SIGINT, &sa, &g_previous);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_previous, nullptr);
}

const std::atomic<bool>& InterruptGuard::flag() const {
  return g_interrupted;
}

bool InterruptGuard::take() {
  return g_interrupted.exchange(false);
}

}  // namespace vkllm::cli
