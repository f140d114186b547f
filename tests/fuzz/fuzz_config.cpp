// libFuzzer target: config.json parsing into the mirror struct and normalization.
#include "tests/fuzz/entries.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vkllm::fuzz::config(data, size);
  return 0;
}
