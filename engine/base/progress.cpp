#include "engine/base/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace vkllm {

Progress::Progress(std::string label, uint64_t total_bytes, bool enabled)
    : label_(std::move(label)),
      total_(total_bytes),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  finish();
}

bool Progress::stderr_is_terminal() {
  return isatty(2) && !std::getenv("VKLLM_NO_PROGRESS");
}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::add(uint64_t bytes) {
  done_.fetch_add(bytes);
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(false);
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

void Progress::draw(bool final) {
  uint64_t done = done_.load();
  double s = seconds();
  double frac = total_ ? double(done) / double(total_) : 1.0;
  double gbs = s > 0 ? double(done) / s / 1e9 : 0;
  double eta = gbs > 0 ? double(total_ - std::min(done, total_)) / 1e9 / gbs : 0;
  const int width = 30;
  int fill = int(frac * width);
  std::string bar(size_t(fill), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r%s [%s] %5.1f%% %.2f/%.2f GB %.2f GB/s %s %.1fs", label_.c_str(),
               bar.c_str(), 100 * frac, double(done) / 1e9, double(total_) / 1e9, gbs,
               final ? "in" : "ETA", final ? s : eta);
  if (final) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace vkllm
