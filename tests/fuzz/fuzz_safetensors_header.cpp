// libFuzzer target: safetensors header parsing and validation over raw bytes.
#include "tests/fuzz/entries.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vkllm::fuzz::safetensors_header(data, size);
  return 0;
}
