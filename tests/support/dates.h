// Fixed instants for tests that render dated templates: a test never reads the
// clock, it passes the date its reference was made with (strftime_now reads it).
#pragma once

#include <chrono>

namespace vkllm::test {

// Noon UTC of a calendar day (templates render it in UTC: gmtime).
inline std::chrono::system_clock::time_point utc_noon(int year, unsigned month, unsigned day) {
  using namespace std::chrono;
  return sys_days{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}} +
         hours{12};
}

}  // namespace vkllm::test
