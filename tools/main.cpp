// vkllm: one binary, one subcommand per tools/cmd_*.cpp.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "engine/base/error.h"
#include "engine/base/log.h"
#include "tools/command.h"

namespace vkllm::cli {
std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}
}  // namespace vkllm::cli

int main(int argc, char** argv) {
  using namespace vkllm;
  init_logging("warn");
  CLI::App app{"vkllm: run Hugging Face language models on Vulkan GPUs"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", "vkllm " VKLLM_VERSION);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  auto& commands = cli::registry();
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions;
  for (auto& c : commands) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    actions.emplace_back(sub, c.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; a usage error exits 2, as getopt tools do.
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (app.get_subcommands().empty()) {
    std::fputs(app.help().c_str(), stderr);
    std::fputs("error: give a subcommand (vkllm SUBCOMMAND --help tells its options)\n", stderr);
    return 2;
  }
  init_logging(log_level.c_str());
  try {
    for (auto& [sub, run] : actions)
      if (sub->parsed()) return run();
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 1;
}
