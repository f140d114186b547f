// Layers on the CPU as a user runs them: --device cpu (no Vulkan at all) generates
// what the GPU generates; an automatic map under --max-memory splits the demo over
// the GPU and the CPU, prints the map and puts it in --json; a long prompt's CPU
// Linears run on the GPU unless --no-op-offload; inspect plans a map without
// loading; a map that cannot fit says so before loading.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli.h"

namespace vkllm {
namespace {

const std::string kDemo = std::string(" -m ") + VKLLM_DEMO_DIR;

nlohmann::json run_json(const std::string& flags) {
  const test::CmdResult r = test::run_vkllm(
      "run --json --temp 0 -n 24 -p \"Once upon a time\"" + kDemo + " " + flags, "", false);
  EXPECT_EQ(r.code, 0) << r.out;
  return r.code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json{};
}

TEST(CliCpu, CpuGeneratesWhatTheGpuGenerates) {
  const auto gpu = run_json("--debug");
  const auto cpu = run_json("--device cpu --threads 2");
  ASSERT_TRUE(gpu.contains("ids") && cpu.contains("ids"));
  EXPECT_EQ(cpu["ids"], gpu["ids"]);
  EXPECT_EQ(cpu["device_map"]["model.layers.0"], "cpu");
  EXPECT_EQ(gpu["device_map"]["model.layers.0"], 0);
}

TEST(CliCpu, AutoMapSplitsUnderMaxMemory) {
  const auto gpu = run_json("--debug");
  // The demo's weights are about 9 MiB: 12 MiB for GPU 0 leaves room for a few layers.
  const auto split = run_json("--debug --device-map auto --max-memory 0=12MiB,cpu=1GiB");
  ASSERT_TRUE(split.contains("device_map"));
  const auto& map = split["device_map"];
  EXPECT_EQ(map["model.embed_tokens"], 0);
  EXPECT_EQ(map["model.layers.5"], "cpu");
  EXPECT_EQ(split["ids"], gpu["ids"]);
}

// --quant on layers the CPU computes: quantized on the host (host/cpu/quantize) into
// the bytes the GPU's quantizer writes, then read by the CPU's quantized Linear.
TEST(CliCpu, QuantizeAtLoadOnTheCpu) {
  for (const char* q : {"q8", "q4"}) {
    SCOPED_TRACE(q);
    const std::string quant = std::string(" --quant ") + q;
    const auto gpu = run_json("--debug" + quant);
    const auto cpu = run_json("--device cpu --threads 2" + quant);
    // 13 MiB: GPU 0 also keeps room for op offload's copies of a CPU layer's
    // quantized Linears.
    const auto split = run_json("--debug --device-map auto --max-memory 0=13MiB,cpu=1GiB" + quant);
    ASSERT_TRUE(gpu.contains("ids") && cpu.contains("ids") && split.contains("ids"));
    EXPECT_EQ(cpu["ids"], gpu["ids"]);
    EXPECT_EQ(split["ids"], gpu["ids"]);
    EXPECT_EQ(split["device_map"]["model.layers.0"], 0);
    EXPECT_EQ(split["device_map"]["model.layers.5"], "cpu");
  }
  // Quantization changes what the demo generates somewhere in 24 tokens at q4, or the
  // comparison above would not tell a quantized CPU layer from an unquantized one.
  EXPECT_NE(run_json("--device cpu --threads 2 --quant q4")["ids"],
            run_json("--device cpu")["ids"]);
}

// A prompt of 32 tokens or more under a GPU/CPU map: the CPU layers' Linears run on
// the GPU (op offload), which the run says; the greedy text is what the CPU computes.
// Float weights, and q4 (the quantized layout copied as stored, dequantized there).
TEST(CliCpu, OpOffloadForLongPrompts) {
  for (const char* quant : {"", " --quant q4 --max-memory 0=13MiB,cpu=1GiB"}) {
    SCOPED_TRACE(quant);
    const std::string run =
        "run --json --temp 0 -n 12 -p \"Once upon a time, there was a little girl named Lily. "
        "She loved to play outside in the park with her friends. One day, she saw a big red "
        "ball under a tree and ran to get it.\"" +
        kDemo + " --debug --device-map auto" +
        (*quant ? std::string(quant) : std::string(" --max-memory 0=12MiB,cpu=1GiB"));
    const test::CmdResult with = test::run_vkllm(run);
    const test::CmdResult without = test::run_vkllm(run + " --no-op-offload");
    ASSERT_EQ(with.code, 0) << with.out;
    ASSERT_EQ(without.code, 0) << without.out;
    EXPECT_NE(with.out.find("op offload: prompt chunks of 32 tokens"), std::string::npos)
        << with.out;
    EXPECT_EQ(without.out.find("op offload:"), std::string::npos) << without.out;
    auto ids = [](const std::string& out) {  // --json's line, after the stderr lines
      const size_t at = out.rfind("\n{");
      return at == std::string::npos ? nlohmann::json{}
                                     : nlohmann::json::parse(out.substr(at))["ids"];
    };
    EXPECT_EQ(ids(with.out), ids(without.out));
    EXPECT_EQ(ids(with.out).size(), 12u);
  }
}

TEST(CliCpu, InspectPlansWithoutLoading) {
  const test::CmdResult r =
      test::run_vkllm("inspect " + std::string(VKLLM_DEMO_DIR) +
                          " --json --device-map sequential --max-memory 0=12MiB,cpu=1GiB --ctx 512",
                      "", false);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["device_map"]["model.layers.0"], 0);
  EXPECT_EQ(j["device_map"]["model.layers.5"], "cpu");
  ASSERT_EQ(j["device_map_devices"].size(), 2u);
  EXPECT_GT(j["device_map_devices"][1]["weight_bytes"].get<uint64_t>(), 0u);
}

TEST(CliCpu, SaysWhenTheModelDoesNotFit) {
  const test::CmdResult r =
      test::run_vkllm("run -n 1 -p hi" + kDemo + " --device-map auto --max-memory 0=2MiB");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("does not fit"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cpu=64GiB"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("loading"), std::string::npos) << r.out;
  const test::CmdResult bad = test::run_vkllm("run -n 1 -p hi" + kDemo + " --max-memory 0=2MiB");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("--device-map auto"), std::string::npos) << bad.out;
}

}  // namespace
}  // namespace vkllm
