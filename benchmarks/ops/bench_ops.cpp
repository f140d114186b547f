// The op harness's perf mode: measures the device's streaming-read and copy
// ceilings, then runs every perf case warm and repeated, and reports the median
// GPU time, GB/s, TFLOP/s and the fraction of the ceiling. --check runs the
// correctness cases on the chosen device instead (for GPUs CI does not have).
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <regex>
#include <stdexcept>

#include "engine/base/log.h"
#include "engine/kernels/quant.h"
#include "engine/vulkan/context.h"
#include "tests/harness/cases.h"

using namespace vkllm;

namespace {

int run_checks(vk::Context& ctx, const std::string& filter, bool verbose) {
  auto& dev = ctx.device();
  std::regex re(filter);
  int failed = 0, run = 0;
  for (auto& c : harness::correctness_cases(1234)) {
    if (!std::regex_search(c.op + " " + c.shape, re)) continue;
    auto r = harness::check(dev, c);
    ++run;
    if (verbose)
      std::printf("%s %s %s: nmse %.3g (bound %.3g), max abs %.3g\n", r.ok ? "ok" : "FAIL",
                  c.op.c_str(), c.shape.c_str(), r.nmse,
                  c.device_bound ? c.device_bound(dev.info()) : c.max_nmse, r.max_abs);
    if (!r.ok) {
      ++failed;
      std::printf("FAIL %s %s: %s\n", c.op.c_str(), c.shape.c_str(), r.message.c_str());
    }
  }
  std::printf("%d passed, %d failed\n", run - failed, failed);
  if (ctx.validation_messages())
    std::printf("validation messages: %u\n", ctx.validation_messages());
  return failed || ctx.validation_messages() ? 1 : 0;
}

// The quantized matvec's tunings at the 8B shapes (one set of weights each), every
// tuning first checked against the reference where its steps do not divide k: the fp32
// kernel (workgroup x rows x unroll, 16-byte loads), then the int8 one (workgroup x
// rows x batches)
// where the device has integer dot products.
template <class Add>
void sweep_quant_matvec(vk::Device& dev, std::mt19937& rng, const Add& add) {
  using kernels::MatmulPrecision;
  using kernels::QuantMatvecTuning;
  struct Tuned {
    MatmulPrecision precision;
    QuantMatvecTuning t;
  };
  std::vector<Tuned> tunings;
  for (uint32_t wg : {128u, 256u})
    for (uint32_t rows : {4u, 8u, 16u})
      for (uint32_t unroll : {1u, 2u})
        tunings.push_back({MatmulPrecision::F32, {wg, rows, unroll, 4}});
  for (uint32_t wg : {128u, 256u})
    for (uint32_t rows : {4u, 8u, 16u})
      for (uint32_t batches : {1u, 2u, 4u, 8u})
        tunings.push_back({MatmulPrecision::F16, {wg, rows, 1, 4, batches, true}});
  for (const QuantFormat& f : {quant_q8(), quant_q4()})
    for (auto [n, k] : {std::pair<size_t, size_t>{14336, 4096}, {4096, 14336}}) {
      harness::OpCase c = harness::matvec_quant_case(rng, f, n, k, false);
      const std::string shape = c.shape;
      harness::PerfBuffers buffers = harness::perf_buffers(dev, c);  // one upload for all tunings
      for (const Tuned& tu : tunings) {
        const bool int8 = tu.precision == MatmulPrecision::F16;
        if (int8 && !kernels::matvec_quant_int8(dev.info(), f, uint32_t(k), tu.precision)) continue;
        const QuantMatvecTuning t = tu.t;
        const MatmulPrecision precision = tu.precision;
        auto launch = [t, f, precision](size_t n, size_t k) {
          return [=](vk::Stream& s, auto in, auto out) {
            kernels::matvec_quant(s, f, in[0], in[1], nullptr, out[0], uint32_t(n), uint32_t(k),
                                  precision, &t);
          };
        };
        const std::string tuned = int8 ? fmt::format(" int8 wg={} rows={} batches={} unroll=1",
                                                     t.workgroup, t.rows, t.batches)
                                       : fmt::format(" vec={} wg={} rows={} unroll={}", t.vec,
                                                     t.workgroup, t.rows, t.unroll);
        const size_t small_n = 2 * t.rows * t.batches + t.rows + 1;  // a partial last batch
        harness::OpCase small =
            harness::matvec_quant_case(rng, f, small_n, 4096 + 96, false, precision);
        small.launch = launch(small_n, 4096 + 96);
        if (auto r = harness::check(dev, small); !r.ok)
          std::printf("FAIL %s%s: %s\n", small.shape.c_str(), tuned.c_str(), r.message.c_str());
        c.launch = launch(n, k);
        c.shape = shape + tuned;
        add(c, &buffers);
      }
    }
}

// The tensor-core matmul's tilings (harness::coopmat_tilings, each checked by the op
// harness's cases) at the 8B's prefill and batched-decode shapes, one set of inputs
// per shape; the default tiles with split K beside them where the engine splits.
template <class Add>
void sweep_coopmat_tiles(vk::Device& dev, std::mt19937& rng, const Add& add) {
  if (!kernels::matmul_coopmat_supported(dev.info())) {
    std::printf("sweep-coopmat: %s has no NV cooperative matrices\n", dev.info().name.c_str());
    return;
  }
  struct Shape {
    size_t t, n, k;
  };
  for (auto [t, n, k] : {Shape{512, 14336, 4096}, Shape{512, 4096, 14336}, Shape{512, 6144, 4096},
                         Shape{64, 14336, 4096}, Shape{64, 4096, 14336}, Shape{16, 14336, 4096}}) {
    harness::OpCase c = harness::matmul_coopmat_case(rng, DType::BF16, t, n, k, {});
    harness::PerfBuffers buffers = harness::perf_buffers(dev, c);  // one upload for all tilings
    const std::string shape = fmt::format("bf16 t={} n={} k={}", t, n, k);
    for (const kernels::CoopmatTiles& tiles : harness::coopmat_tilings()) {
      if (!kernels::coopmat_tiles_unfit(dev.info(), tiles).empty()) continue;
      c.launch = [=](vk::Stream& s, auto in, auto out) {
        const kernels::MatmulKey key{DType::BF16, kernels::MatmulPath::Coopmat, {}, tiles};
        kernels::matmul(s, key, in[0], in[1], out[0], uint32_t(t), uint32_t(n), uint32_t(k));
      };
      c.shape = shape + fmt::format(" coopmat sg={} tile={}x{} block={}x{} bk={} depth={}{}",
                                    tiles.subgroups, tiles.tile_t, tiles.tile_n, tiles.block_t,
                                    tiles.block_n, tiles.step_k, tiles.depth,
                                    tiles.fixed ? " fixed" : "");
      add(c, &buffers);
    }
    const uint32_t splits = kernels::matmul_splits(uint32_t(t), uint32_t(n), uint32_t(k));
    if (splits > 1) add(harness::matmul_split_case(rng, DType::BF16, t, n, k, splits));
  }
}

}  // namespace

int main(int argc, char** argv) {
  init_logging("warn");
  CLI::App app{"vkllm-bench-ops: kernel roofline benchmark and device-side op check"};
  std::string device, filter = ".*";
  bool json = false, check = false, verbose = false, debug = false, sweep = false,
       sweep_quant = false, sweep_coopmat = false;
  int reps = 20;
  app.add_option("--device", device, "Device index or name");
  app.add_option("--filter", filter, "Regex over 'op shape'");
  app.add_option("-r,--reps", reps, "Timed repetitions per case")->capture_default_str();
  app.add_flag("--json", json, "Print JSON");
  app.add_flag("--check", check, "Run the correctness cases on this device instead");
  app.add_flag("-v,--verbose", verbose, "With --check: every case's error and its bound");
  app.add_flag("--sweep", sweep,
               "Also time matvec tunings (workgroup x rows) and matmul subgroup tiles");
  app.add_flag("--sweep-quant", sweep_quant,
               "Time the quantized matvec's tunings (words x workgroup x rows x unroll, q8 and q4) "
               "instead of the perf cases");
  app.add_flag(
      "--sweep-coopmat", sweep_coopmat,
      "Time the tensor-core matmul's tilings at the 8B's shapes instead of the perf cases");
  std::vector<std::string> matmul_shapes;
  app.add_option("--matmul", matmul_shapes,
                 "Also time the fp32 matmul kernels (tiled, subgroup) at TxNxK, bf16 weights");
  app.add_flag("--debug", debug, "Enable the validation layer");
  CLI11_PARSE(app, argc, argv);
  try {
    vk::Context ctx({.device = device, .validation = debug || check});
    if (check) return run_checks(ctx, filter, verbose);
    auto& dev = ctx.device();
    // The cases are made first (seconds on the CPU with the GPU idle), so that the
    // ceilings' seconds of streaming come right before the first timed case.
    std::vector<harness::OpCase> cases;
    if (!sweep_quant && !sweep_coopmat) cases = harness::perf_cases(42);
    harness::Ceilings ceil = harness::measure_ceilings(dev);
    const harness::DispatchCost cost = harness::measure_dispatch_cost(dev);
    nlohmann::json out = {{"device", dev.info().name},
                          {"read_gbs", ceil.read_gbs},
                          {"copy_gbs", ceil.copy_gbs},
                          {"dependent_dispatch_us", cost.dependent_us},
                          {"independent_dispatch_us", cost.independent_us},
                          {"cases", nlohmann::json::array()}};
    if (!json) {
      std::printf("device: %s\n", dev.info().name.c_str());
      std::printf("ceilings: streaming read %.0f GB/s, copy (read+write) %.0f GB/s\n",
                  ceil.read_gbs, ceil.copy_gbs);
      std::printf(
          "dispatch: %.2f us a kernel in a chain of dependent ones (barrier after each), %.2f us "
          "without barriers (a 4 KB add each)\n",
          cost.dependent_us, cost.independent_us);
      std::printf("%-8s %-48s %10s %10s %9s %8s %8s\n", "op", "shape", "median_us", "min_us",
                  "GB/s", "TFLOP/s", "%ceil");
    }
    // Each case is timed as it is made and then dropped (sweep inputs are large).
    std::regex re(filter);
    auto add = [&](const harness::OpCase& c, harness::PerfBuffers* buffers = nullptr) {
      if (!std::regex_search(c.op + " " + c.shape, re)) return;
      auto p = buffers ? harness::measure(dev, c, *buffers, reps) : harness::measure(dev, c, reps);
      double frac = p.gbs / (c.write_bound ? ceil.copy_gbs : ceil.read_gbs);
      out["cases"].push_back({{"op", c.op},
                              {"shape", c.shape},
                              {"bytes", c.bytes},
                              {"flops", c.flops},
                              {"median_us", p.median_us},
                              {"min_us", p.min_us},
                              {"gbs", p.gbs},
                              {"tflops", p.tflops},
                              {"ceiling", c.write_bound ? "copy" : "read"},
                              {"fraction_of_ceiling", frac}});
      if (!json) {
        std::printf("%-8s %-48s %10.1f %10.1f %9.0f %8.3f %7.1f%%\n", c.op.c_str(), c.shape.c_str(),
                    p.median_us, p.min_us, p.gbs, p.tflops, 100 * frac);
        std::fflush(stdout);
      }
    };
    for (auto& c : cases) add(c);
    struct Shape {
      size_t t, n, k;
    };
    std::vector<Shape> matmuls;
    for (const auto& m : matmul_shapes) {
      Shape sh{};
      if (std::sscanf(m.c_str(), "%zux%zux%zu", &sh.t, &sh.n, &sh.k) != 3 || !sh.t || !sh.n ||
          !sh.k)
        throw std::runtime_error("--matmul: expected TxNxK such as 128x4096x4096, got '" + m + "'");
      matmuls.push_back(sh);
    }
    std::mt19937 rng(43);
    for (auto [t, n, k] : matmuls)
      for (auto path : {kernels::MatmulPath::Tiled, kernels::MatmulPath::Subgroup})
        add(harness::matmul_case(rng, DType::BF16, t, n, k, path));
    if (sweep) {
      // Subgroup tiles at the --matmul shapes, else at the 8B up projection.
      if (matmuls.empty()) matmuls.push_back({512, 14336, 4096});
      for (auto [t, n, k] : matmuls)
        for (uint32_t split_k : {1u, 4u, 8u, 32u})
          for (uint32_t subgroups : {2u, 4u, 8u})
            for (uint32_t stack_t : {1u, 2u})
              for (uint32_t rows_t : {8u, 16u})
                for (uint32_t rows_n : {2u, 4u, 8u}) {
                  if (split_k > dev.info().subgroup_size) continue;
                  kernels::MatmulTuning tuning{subgroups, rows_t, rows_n, stack_t, split_k};
                  add(harness::matmul_case(rng, DType::BF16, t, n, k, kernels::MatmulPath::Subgroup,
                                           tuning));
                }
      for (uint32_t wg : {64u, 128u, 256u})
        for (uint32_t rows : {1u, 2u, 4u})
          for (uint32_t unroll : {2u, 4u, 8u}) {
            add(harness::matvec_case(rng, DType::BF16, 14336, 4096, {wg, rows, unroll}));
            add(harness::matvec_case(rng, DType::BF16, 4096, 14336, {wg, rows, unroll}));
          }
    }
    if (sweep_quant) sweep_quant_matvec(dev, rng, add);
    if (sweep_coopmat) sweep_coopmat_tiles(dev, rng, add);
    if (json) std::printf("%s\n", out.dump(2).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
