#include "engine/runtime/stop_strings.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace vkllm::runtime {
namespace {

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Moves a byte offset back to the start of the UTF-8 character it falls in.
size_t char_start(std::string_view s, size_t at) {
  while (at > 0 && at < s.size() && is_continuation(s[at])) --at;
  return at;
}

}  // namespace

StopStrings::StopStrings(std::vector<std::string> stops) : stops_(std::move(stops)) {
  std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
}

std::string StopStrings::push(std::string_view text) {
  if (stopped_) return {};
  pending_ += text;

  // Earliest end in the stream, then the longer stop string (earlier start).
  size_t best_end = std::numeric_limits<size_t>::max(), best_start = 0;
  const std::string* best = nullptr;
  for (const std::string& stop : stops_) {
    const size_t at = pending_.find(stop);
    if (at == std::string::npos) continue;
    const size_t end = at + stop.size();
    if (end < best_end || (end == best_end && at < best_start)) {
      best_end = end;
      best_start = at;
      best = &stop;
    }
  }
  if (best) {
    stopped_ = true;
    matched_ = *best;
    // A stop string that is not valid UTF-8 can start mid-character; drop that half too.
    std::string out = pending_.substr(0, char_start(pending_, best_start));
    pending_.clear();
    return out;
  }

  const size_t release = pending_.size() - hold_back();
  std::string out = pending_.substr(0, release);
  pending_.erase(0, release);
  return out;
}

std::string StopStrings::finish() {
  if (stopped_) return {};
  return std::exchange(pending_, {});
}

size_t StopStrings::hold_back() const {
  const std::string_view p = pending_;
  size_t longest = 0;
  for (const std::string& stop : stops_) {
    // Proper prefixes only: a whole stop string would have matched above.
    for (size_t len = std::min(p.size(), stop.size() - 1); len > longest; --len) {
      if (p.substr(p.size() - len) == std::string_view(stop).substr(0, len)) {
        longest = len;
        break;
      }
    }
  }
  return p.size() - char_start(p, p.size() - longest);
}

}  // namespace vkllm::runtime
