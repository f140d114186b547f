// vkllm inspect MODEL_DIR [--json] [--ctx N] [--precision f16|f32]: what a model
// folder holds and what it needs on the device.
#include <cstdio>
#include <memory>
#include <string>

#include "engine/base/error.h"
#include "loaders/model/inspect.h"
#include "tools/command.h"

namespace {

struct InspectArgs {
  std::string model_dir;
  bool json = false;
  std::uint64_t ctx = 4096;
  std::string precision = "f16";
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
       return [args]() -> int {
         vkllm::model::InspectOptions options;
         options.ctx = args->ctx;
         options.kv_dtype = args->precision == "f32" ? vkllm::DType::F32 : vkllm::DType::F16;
         const auto report = vkllm::model::inspect_model(args->model_dir, options);
         const std::string out =
             args->json ? vkllm::model::inspect_json(report) : vkllm::model::inspect_text(report);
         std::fwrite(out.data(), 1, out.size(), stdout);
         return 0;
       };
     }}};

}  // namespace
