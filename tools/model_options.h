// The options every model-running subcommand shares (-m, --device, --device-map,
// --ctx, --precision, --debug, --profile, --dump), and opening a Session from them.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "engine/runtime/session.h"
#include "engine/vulkan/context.h"

namespace vkllm::cli {

struct ModelOptions {
  std::string dir, device, device_map, precision = "f16";
  uint32_t ctx = 0;
  bool debug = false, profile = false;
  std::vector<std::string> dump;

  void add_to(CLI::App& sub, bool with_dump);
};

// A model opened on its devices: the Vulkan context, the folder, the session.
struct OpenModel {
  std::unique_ptr<vk::Context> context;
  std::unique_ptr<model::ModelFolder> folder;
  std::unique_ptr<runtime::Session> session;
  std::vector<vk::Device*> devices;
};

// ctx_needed: the context to allocate when --ctx is not given (0: the model's).
OpenModel open_model(const ModelOptions& o, uint32_t ctx_needed);

// Prints the per-op GPU time table of the last step (--profile), grouped by op.
void print_profile(const std::vector<graph::OpTime>& times);

}  // namespace vkllm::cli
