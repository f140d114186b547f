#include "host/cpu/cpu.h"

#include <fmt/format.h>

#include <fstream>

#include "host/cpu/dot.h"

namespace vkllm::host::cpu {

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
    }
  return "CPU";
}

}  // namespace

Cpu::Cpu(unsigned threads) : pool_(threads), model_(cpu_model()) {}

std::string Cpu::name() const {
  return fmt::format("{} (cpu, {} threads, {})", model_, threads(), simd_target());
}

}  // namespace vkllm::host::cpu
