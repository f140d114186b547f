// vkllm inspect MODEL_DIR [--json] [--ctx N] [--precision f16|f32] [--quant q8|q4]:
// what a model folder holds and what it needs on the device (and, with --quant,
// what quantizing it at load would make of it).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "engine/base/error.h"
#include "engine/runtime/auto_device_map.h"
#include "engine/runtime/quantize_weights.h"
#include "engine/vulkan/context.h"
#include "loaders/model/inspect.h"
#include "tools/command.h"
#include "tools/model_options.h"

namespace {

struct InspectArgs {
  std::string model_dir;
  bool json = false;
  std::uint64_t ctx = 4096;
  std::string precision = "f16";
  std::string quant;
  std::string device = "0", device_map, max_memory;
};

// The automatic device map inspect prints, planned without loading anything: the
// GPUs of --device with their free memory (or --max-memory's limits) and the CPU.
vkllm::runtime::DeviceMapPlan plan_map(const InspectArgs& a, const vkllm::model::ModelFolder& f,
                                       const vkllm::runtime::QuantPlan* quant, int& cpu_at) {
  using namespace vkllm;
  const auto strategy = runtime::parse_map_strategy(a.device_map);
  if (!strategy)
    fail("inspect --device-map {}: inspect plans auto, balanced, balanced_low_0 or sequential",
         a.device_map);
  std::vector<std::string> entries;
  for (size_t start = 0; start <= a.device.size();) {
    const size_t end = std::min(a.device.find(',', start), a.device.size());
    entries.push_back(a.device.substr(start, end - start));
    start = end + 1;
  }
  cpu_at = int(entries.size());
  std::vector<runtime::MapDevice> candidates;
  std::unique_ptr<vk::Context> ctx;
  for (int i = 0; i < int(entries.size()); ++i) {
    if (entries[size_t(i)] == "cpu") {
      cpu_at = i;
      continue;
    }
    if (!ctx) ctx = std::make_unique<vk::Context>(vk::ContextOptions{});
    const uint32_t index = vk::select_device(ctx->devices(), entries[size_t(i)]);
    for (const auto& info : ctx->devices())
      if (info.index == index) candidates.push_back(runtime::gpu_map_device(i, info));
  }
  candidates.push_back({cpu_at, "cpu", true, runtime::host_available_bytes()});
  const auto sizes = runtime::module_sizes(f.config, f.weights, quant, uint32_t(a.ctx), 1,
                                           a.precision == "f32" ? DType::F32 : DType::F16);
  return runtime::plan_device_map(sizes, runtime::apply_max_memory(candidates, a.max_memory),
                                  *strategy);
}

vkllm::cli::Registration reg{
    {"inspect", "Show a model folder's architecture, normalized config, tensors and memory needs",
     [](CLI::App& sub) {
       auto args = std::make_shared<InspectArgs>();
       sub.add_option("MODEL_DIR", args->model_dir, "Hugging Face model folder")->required();
       sub.add_flag("--json", args->json, "print one JSON object");
       sub.add_option("--ctx", args->ctx, "tokens of KV cache to account for")
           ->capture_default_str();
       sub.add_option("--precision", args->precision, "KV cache precision")
           ->check(CLI::IsMember({"f16", "f32"}))
           ->capture_default_str();
       sub.add_option("--quant", args->quant,
                      "Also show what --quant q8|q4 would quantize, into what, and the bytes")
           ->check(CLI::IsMember({"q8", "q4"}));
       sub.add_option("--device-map", args->device_map,
                      "Also plan an automatic map (auto, balanced, balanced_low_0, sequential) "
                      "over --device and the CPU, without loading");
       sub.add_option("--max-memory", args->max_memory,
                      "Limits for the map, e.g. 0=20GiB,cpu=64GiB (only the devices named)");
       sub.add_option("--device", args->device, "GPUs the map may use (0,1); cpu is always there")
           ->capture_default_str();
       return [args]() -> int {
         vkllm::model::InspectOptions options;
         options.ctx = args->ctx;
         options.kv_dtype = args->precision == "f32" ? vkllm::DType::F32 : vkllm::DType::F16;
         const auto report = vkllm::model::inspect_model(args->model_dir, options);
         std::string out =
             args->json ? vkllm::model::inspect_json(report) : vkllm::model::inspect_text(report);
         if (!args->quant.empty()) {
           if (!report.weights_present)
             vkllm::fail("inspect --quant: {} has no weights to plan for", args->model_dir);
           const auto plan = vkllm::runtime::plan_quantization(report.folder.weights, args->quant);
           const std::string line = vkllm::cli::describe_quant(plan, report.folder);
           if (args->json) {
             auto j = nlohmann::ordered_json::parse(out);
             j["quant_plan"] = line;
             out = j.dump(2) + "\n";
           } else {
             out += line + "\n";
           }
         }
         if (!args->device_map.empty()) {
           if (!report.weights_present)
             vkllm::fail("inspect --device-map: {} has no weights to place", args->model_dir);
           const auto quant = args->quant.empty() ? std::optional<vkllm::runtime::QuantPlan>()
                                                  : vkllm::runtime::plan_quantization(
                                                        report.folder.weights, args->quant);
           int cpu_at = 0;
           const auto plan = plan_map(*args, report.folder, quant ? &*quant : nullptr, cpu_at);
           const std::string map = vkllm::runtime::device_map_json(plan, cpu_at);
           if (args->json) {
             auto j = nlohmann::ordered_json::parse(out);
             j["device_map"] = nlohmann::ordered_json::parse(map);
             nlohmann::ordered_json devices = nlohmann::ordered_json::array();
             for (size_t i = 0; i < plan.devices.size(); ++i)
               devices.push_back({{"device", plan.devices[i].name},
                                  {"weight_bytes", plan.weight_bytes[i]},
                                  {"kv_cache_bytes", plan.kv_bytes[i]},
                                  {"limit_bytes", plan.devices[i].capacity}});
             j["device_map_devices"] = devices;
             out = j.dump(2) + "\n";
           } else {
             out += vkllm::runtime::describe_device_map(plan) + "\ndevice map: " + map + "\n";
           }
         }
         std::fwrite(out.data(), 1, out.size(), stdout);
         return 0;
       };
     }}};

}  // namespace
