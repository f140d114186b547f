// The op harness's perf mode for the CPU backend (host/cpu): measures the host's
// streaming-read bandwidth with the backend's own threads, then times the CPU
// kernels at the forward pass's decode and prefill shapes, warm and repeated, and
// reports the median, GB/s (the bytes each case states) and the fraction of the
// read ceiling. --check runs every correctness case that has a CPU kernel.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <regex>

#include "engine/base/log.h"
#include "host/cpu/bandwidth.h"
#include "host/cpu/dot.h"
#include "tests/harness/cases.h"

using namespace vkllm;

int main(int argc, char** argv) {
  init_logging("warn");
  CLI::App app{"vkllm-bench-cpu: CPU kernel roofline benchmark against the host's read bandwidth"};
  std::string filter = ".*";
  unsigned threads = 0;
  int reps = 10;
  bool json = false, check = false;
  app.add_option("--threads", threads, "Threads (default: one per core)");
  app.add_option("--filter", filter, "Regex over 'op shape'");
  app.add_option("-r,--reps", reps, "Timed repetitions per case")->capture_default_str();
  app.add_flag("--json", json, "Print JSON");
  app.add_flag("--check", check, "Run the correctness cases' CPU kernels instead");
  CLI11_PARSE(app, argc, argv);
  host::cpu::Cpu cpu(threads);
  std::regex re(filter);
  if (check) {
    int failed = 0, run = 0;
    for (auto& c : harness::correctness_cases(1234)) {
      if (!c.cpu || !std::regex_search(c.op + " " + c.shape, re)) continue;
      ++run;
      const auto r = harness::check_cpu(cpu, c);
      if (!r.ok) {
        ++failed;
        std::printf("FAIL %s %s: %s\n", c.op.c_str(), c.shape.c_str(), r.message.c_str());
      }
    }
    std::printf("%d passed, %d failed\n", run - failed, failed);
    return failed ? 1 : 0;
  }
  const double read_gbs = host::cpu::read_bandwidth(cpu) / 1e9;
  nlohmann::json out = {{"device", cpu.name()}, {"read_gbs", read_gbs}, {"cases", {}}};
  if (!json) {
    std::printf("device: %s\nceiling: streaming read %.1f GB/s (%u threads)\n", cpu.name().c_str(),
                read_gbs, cpu.threads());
    std::printf("%-14s %-40s %10s %10s %9s %8s %7s\n", "op", "shape", "median_us", "min_us", "GB/s",
                "GFLOP/s", "%read");
  }
  std::mt19937 rng(42);
  auto add = [&](harness::OpCase c) {
    if (!c.cpu || !std::regex_search(c.op + " " + c.shape, re)) return;
    const auto p = harness::measure_cpu(cpu, c, reps);
    const double frac = p.gbs / read_gbs;
    out["cases"].push_back({{"op", c.op},
                            {"shape", c.shape},
                            {"bytes", c.bytes},
                            {"median_us", p.median_us},
                            {"gbs", p.gbs},
                            {"gflops", p.tflops * 1e3},
                            {"fraction_of_read", frac}});
    if (!json) {
      std::printf("%-14s %-40s %10.1f %10.1f %9.1f %8.1f %6.1f%%\n", c.op.c_str(), c.shape.c_str(),
                  p.median_us, p.min_us, p.gbs, p.tflops * 1e3, 100 * frac);
      std::fflush(stdout);
    }
  };
  // Llama-3.1-8B's decode matvecs (bf16, and the engine's q8 / q4), and a prefill chunk.
  for (auto [n, k] : {std::pair<size_t, size_t>{4096, 4096}, {14336, 4096}, {4096, 14336}}) {
    add(harness::matvec_case(rng, DType::BF16, n, k));
    add(harness::matvec_quant_case(rng, quant_q8(), n, k, false));
    add(harness::matvec_quant_case(rng, quant_q4(), n, k, false));
  }
  add(harness::matvec_batch_case(rng, DType::BF16, 14336, 4096, 4));
  add(harness::matmul_case(rng, DType::BF16, 64, 4096, 4096));
  add(harness::rmsnorm_case(rng, DType::BF16, 64, 4096, false));
  add(harness::attention_prefill_case(
      rng, {.tokens = 1, .heads = 32, .kv_heads = 8, .head_dim = 128, .first_pos = 4095}, false));
  if (json) std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
