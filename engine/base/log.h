// Logging goes to stderr through spdlog; stdout is reserved for results.
#pragma once

#include <spdlog/spdlog.h>

namespace vkllm {

// Sets the global level from a name ("info", "debug", ...) and sends logs to stderr.
void init_logging(const char* level = "warn");

}  // namespace vkllm
