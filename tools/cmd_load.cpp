// vkllm load MODEL_DIR: open, check and upload a model's weights, and report
// how fast (what run and chat do first, alone: for load-time measurements).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "engine/base/progress.h"
#include "engine/runtime/device_weights.h"
#include "engine/vulkan/context.h"
#include "tools/command.h"

namespace vkllm::cli {
namespace {

// Peak and current resident set from /proc/self/status, in bytes.
struct Rss {
  uint64_t peak = 0, anon = 0, file = 0;
};
Rss read_rss() {
  Rss r;
  std::ifstream in("/proc/self/status");
  std::string key;
  uint64_t kb;
  while (in >> key) {
    if (key == "VmHWM:" && in >> kb) r.peak = kb << 10;
    if (key == "RssAnon:" && in >> kb) r.anon = kb << 10;
    if (key == "RssFile:" && in >> kb) r.file = kb << 10;
  }
  return r;
}

struct Options {
  std::string dir, device;
  bool json = false, debug = false;
  unsigned threads = 0;
};

Registration reg{
    {"load", "Load a model's weights onto a device and report the time", [](CLI::App& sub) {
       auto o = std::make_shared<Options>();
       sub.add_option("model", o->dir, "Model folder")->required();
       sub.add_option("--device", o->device, "Device index or name");
       sub.add_option("--threads", o->threads, "Reader threads (0: one per core)");
       sub.add_flag("--json", o->json, "Print JSON");
       sub.add_flag("--debug", o->debug, "Enable the validation layer");
       return [o]() -> int {
         vk::Context ctx({.device = o->device, .validation = o->debug});
         auto& dev = ctx.device();
         Progress timer("open", 0, false);
         model::ModelFolder folder = model::open_model_folder(o->dir);
         double open_s = timer.seconds();
         model::DeviceWeights w = model::upload_weights(
             &dev, folder, {.threads = o->threads, .progress = Progress::stderr_is_terminal()});
         Rss rss = read_rss();
         double gbs = double(w.bytes) / w.seconds / 1e9;
         if (o->json) {
           nlohmann::json j = {
               {"model", o->dir},      {"device", dev.info().name}, {"bytes", w.bytes},
               {"open_s", open_s},     {"upload_s", w.seconds},     {"gb_per_s", gbs},
               {"peak_rss", rss.peak}, {"rss_anon", rss.anon},      {"rss_file", rss.file}};
           std::printf("%s\n", j.dump(2).c_str());
         } else {
           std::printf(
               "%s: %.2f GB of weights in %.3f s (%.2f GB/s) onto %s; folder opened "
               "and checked in %.3f s; peak RSS %.0f MiB (anon %.0f MiB, file %.0f "
               "MiB)\n",
               o->dir.c_str(), double(w.bytes) / 1e9, w.seconds, gbs, dev.info().name.c_str(),
               open_s, double(rss.peak) / 1048576.0, double(rss.anon) / 1048576.0,
               double(rss.file) / 1048576.0);
         }
         return ctx.validation_messages() ? 1 : 0;
       };
     }}};

}  // namespace
}  // namespace vkllm::cli
