// Generated text passes through here before it is printed: text that could still
// become one of the stop strings is held back; when a stop string completes, the
// text before it is released and the rest is dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vkllm::runtime {

// Matches bytes, so a stop string may span any number of pushes (tokens). When one push
// completes several stop strings, the one that completes first in the byte stream wins
// (ties: the longer), which is what pushing the same text byte by byte would give.
class StopStrings {
 public:
  explicit StopStrings(std::vector<std::string> stops);  // empty strings are ignored

  // Returns the text that is safe to print now; nothing once stopped.
  std::string push(std::string_view text);
  // At the end of generation (not stopped): the held-back text.
  std::string finish();

  bool stopped() const { return stopped_; }
  const std::string& matched() const { return matched_; }  // the stop string that ended it

 private:
  // Bytes at the end of pending_ to hold back: the longest suffix that is a proper prefix
  // of a stop string, widened so that it does not start inside a UTF-8 character.
  size_t hold_back() const;

  std::vector<std::string> stops_;
  std::string pending_;  // pushed, not yet released
  bool stopped_ = false;
  std::string matched_;
};

}  // namespace vkllm::runtime
