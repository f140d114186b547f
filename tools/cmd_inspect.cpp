// vkllm inspect MODEL_DIR [--json] [--ctx N] [--precision f16|f32] [--quant q8|q4]:
// what a model folder holds and what it needs on the device (and, with --quant,
// what quantizing it at load would make of it).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "engine/base/error.h"
#include "engine/runtime/quantize_weights.h"
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
};

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
         std::fwrite(out.data(), 1, out.size(), stdout);
         return 0;
       };
     }}};

}  // namespace
