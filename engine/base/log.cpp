#include "engine/base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace vkllm {

void init_logging(const char* level) {
  static bool done = false;
  if (!done) {
    spdlog::set_default_logger(spdlog::stderr_color_mt("vkllm"));
    spdlog::set_pattern("%^%l%$: %v");
    done = true;
  }
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace vkllm
