// The options every model-running subcommand shares (-m, --device, --device-map,
// --ctx, --precision, --debug, --profile, --dump), and opening a Session from them.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "engine/runtime/session.h"
#include "engine/vulkan/context.h"
#include "loaders/adapter/lora.h"

namespace vkllm::cli {

struct ModelOptions {
  std::string dir, device, device_map, precision = "f16";
  std::string max_memory;         // --max-memory 0=20GiB,cpu=64GiB (with an automatic map)
  std::vector<std::string> lora;  // DIR or DIR:SCALE, repeatable
  std::string lora_merge = "auto";
  std::string quant;           // --quant q8|q4
  bool no_op_offload = false;  // --no-op-offload
  uint32_t ctx = 0;
  unsigned threads = 0;  // the CPU's, 0: one per core
  bool debug = false, profile = false;
  std::vector<std::string> dump;

  // demo_default: -m may be left out, and the bundled demo model is used.
  void add_to(CLI::App& sub, bool with_dump, bool demo_default = false);
  // -m, or the demo model's folder when it was left out.
  std::string folder() const;
};

// A model opened on its devices: the Vulkan context (none when only the CPU runs
// it), the folder, the session.
struct OpenModel {
  std::unique_ptr<vk::Context> context;
  std::unique_ptr<host::cpu::Cpu> cpu;  // where --device or the map names "cpu"
  std::unique_ptr<model::ModelFolder> folder;
  std::unique_ptr<runtime::Session> session;
  std::vector<vk::Device*> devices;      // the GPUs
  std::vector<graph::Backend> backends;  // the session's devices, in --device order
  // Where each module runs, as transformers' hf_device_map reads (JSON text).
  std::string device_map;
  // Whether the validation layer reported anything (--debug).
  bool validation_messages() const { return context && context->validation_messages(); }
  // The adapters over the base (--lora), as read; the session merged or holds them.
  std::vector<model::LoraAdapter> adapters;
  bool adapters_merged = false;
};

// The bundled demo model's folder: $VKLLM_DEMO_MODEL, else models/demo of the
// source tree this binary was built from.
std::string demo_model_dir();

// Token ids separated by commas and/or whitespace; `where` names the source in errors.
std::vector<uint32_t> parse_token_ids(const std::string& text, const std::string& where);

// ctx_needed: the context to allocate when --ctx is not given (0: the model's);
// sequences: KV caches of that many tokens side by side (the server's slots).
OpenModel open_model(const ModelOptions& o, uint32_t ctx_needed, uint32_t sequences = 1);

// One line on a quantize-at-load plan: formats and counts, bytes before and after,
// what stays as stored and why.
std::string describe_quant(const runtime::QuantPlan& plan, const model::ModelFolder& folder);

// One line on an adapter: kind, modules by name, ranks, scale, merged or not.
std::string describe_lora(const model::LoraAdapter& a, bool merged);

// The adapters of an open model for --json: name, folder, modules, scale, merged.
nlohmann::json lora_json(const OpenModel& m);

// Prints the per-op GPU time table of the last step (--profile), grouped by op.
void print_profile(const std::vector<graph::OpTime>& times);

}  // namespace vkllm::cli
