#include "tools/model_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>

#include "engine/base/error.h"
#include "engine/base/log.h"
#include "engine/base/progress.h"
#include "engine/runtime/auto_device_map.h"
#include "engine/runtime/device_map.h"

namespace vkllm::cli {

std::string demo_model_dir() {
  if (const char* env = std::getenv("VKLLM_DEMO_MODEL"); env && *env) return env;
  return VKLLM_DEMO_MODEL_DIR;
}

std::string ModelOptions::folder() const {
  return dir.empty() ? demo_model_dir() : dir;
}

void ModelOptions::add_to(CLI::App& sub, bool with_dump, bool demo_default) {
  auto* m = sub.add_option("-m,--model", dir,
                           demo_default ? "Model folder (default: the bundled demo model)"
                                        : "Model folder (config.json, *.safetensors)");
  if (!demo_default) m->required();
  sub.add_option("--device", device,
                 "Device index or name, or cpu; a comma list opens several (0,1 or 0,cpu), or "
                 "one twice (0,0)");
  sub.add_option("--device-map", device_map,
                 "auto, balanced, balanced_low_0, sequential (accelerate's meaning, over --device "
                 "and the CPU), or a JSON file in transformers' explicit device_map form: indices "
                 "into --device, or \"cpu\" / \"disk\" for layers the CPU computes");
  sub.add_option("--max-memory", max_memory,
                 "Limits for an automatic --device-map, e.g. 0=20GiB,1=30GiB,cpu=64GiB (keys: "
                 "indices into --device, cpu); only the devices named are used");
  sub.add_option("--threads", threads, "CPU threads for layers on the CPU (default: one per core)");
  sub.add_option("--ctx", ctx, "Context length (KV cache rows); default: max_position_embeddings");
  sub.add_option("--precision", precision, "KV cache precision: f16 (default) or f32")
      ->check(CLI::IsMember({"f16", "f32"}));
  sub.add_option("--lora", lora,
                 "PEFT LoRA adapter folder, DIR or DIR:SCALE (repeatable; scale default 1)");
  sub.add_option("--lora-merge", lora_merge,
                 "Fold adapters into the weights at load (yes), apply them at run time (no), or "
                 "auto: merge, as the weights are f32/f16/bf16")
      ->check(CLI::IsMember({"auto", "yes", "no"}))
      ->capture_default_str();
  sub.add_option("--quant", quant,
                 "Quantize the weights at load: q8 (8-bit, 32 per f16 scale) or q4 (4-bit with "
                 "zeros); embeddings and norms stay as stored")
      ->check(CLI::IsMember({"q8", "q4"}));
  sub.add_flag("--no-op-offload", no_op_offload,
               "Compute the Linears of CPU-placed layers on the CPU for prompts too (default: a "
               "prompt chunk of 32 tokens or more sends them to a GPU of the map, weights "
               "copied over, as llama.cpp's op offload does)");
  sub.add_flag("--debug", debug, "Enable the Vulkan validation layer");
  sub.add_flag("--profile", profile, "Print per-op GPU time of the last step");
  if (with_dump)
    sub.add_option("--dump", dump, "Intermediates to write beside the logits (layers.0.attn_norm)");
}

// Integers separated by commas and/or whitespace.
std::vector<uint32_t> parse_token_ids(const std::string& text, const std::string& where) {
  std::vector<uint32_t> ids;
  std::string s = text;
  for (char& c : s)
    if (c == ',') c = ' ';
  std::istringstream in(s);
  std::string tok;
  while (in >> tok) {
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(tok, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != tok.size() || v < 0 || v > 0xffffffffll)
      fail("{}: '{}' (item {}) is not a token id", where, tok, ids.size());
    ids.push_back(uint32_t(v));
  }
  if (ids.empty()) fail("{}: no token ids", where);
  return ids;
}

namespace {

// The opened GPUs with their free memory, and the CPU at index cpu_at.
std::vector<runtime::MapDevice> map_candidates(const std::vector<graph::Backend>& backends,
                                               int cpu_at) {
  std::vector<runtime::MapDevice> out;
  for (int i = 0; i < int(backends.size()); ++i) {
    if (backends[size_t(i)].is_cpu()) continue;
    out.push_back(runtime::gpu_map_device(i, backends[size_t(i)].vulkan->info()));
  }
  out.push_back({cpu_at, "cpu", true, runtime::host_available_bytes()});
  return out;
}

}  // namespace

OpenModel open_model(const ModelOptions& o, uint32_t ctx_needed, uint32_t sequences) {
  OpenModel m;
  // --device: GPUs by index or name, and "cpu", in the order the map's indices count.
  std::vector<std::string> entries;
  for (size_t start = 0; start <= o.device.size();) {
    const size_t end = std::min(o.device.find(',', start), o.device.size());
    entries.push_back(o.device.substr(start, end - start));
    start = end + 1;
  }
  std::string gpus;
  int cpu_index = -1;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i] == "cpu") {
      if (cpu_index >= 0) fail("--device {}: cpu is named twice", o.device);
      cpu_index = int(i);
    } else if (!entries[i].empty() || entries.size() == 1) {
      gpus += (gpus.empty() ? "" : ",") + entries[i];
    } else {
      fail("--device {}: an empty entry", o.device);
    }
  }
  if (cpu_index < 0 || entries.size() > 1) {
    m.context =
        std::make_unique<vk::Context>(vk::ContextOptions{.device = gpus, .validation = o.debug});
    m.devices = m.context->open_devices(gpus);
  }
  auto use_cpu = [&] {
    if (!m.cpu) m.cpu = std::make_unique<host::cpu::Cpu>(o.threads);
    return m.cpu.get();
  };
  for (size_t i = 0, g = 0; i < entries.size(); ++i)
    m.backends.push_back(int(i) == cpu_index ? graph::Backend(use_cpu())
                                             : graph::Backend(m.devices.at(g++)));
  m.folder = std::make_unique<model::ModelFolder>(model::open_model_folder(o.folder()));
  const model::ModelConfig& cfg = m.folder->config;
  uint32_t ctx = o.ctx;
  if (ctx == 0)
    ctx = ctx_needed ? std::min<uint32_t>(ctx_needed, uint32_t(cfg.max_position_embeddings))
                     : uint32_t(cfg.max_position_embeddings);
  const int opened = int(m.backends.size());
  const int cpu_at = cpu_index >= 0 ? cpu_index : opened;
  const DType cache = o.precision == "f32" ? DType::F32 : DType::F16;
  runtime::DeviceMapPlan plan;
  if (const auto strategy = runtime::parse_map_strategy(o.device_map)) {
    const auto quant = o.quant.empty() ? std::optional<runtime::QuantPlan>()
                                       : runtime::plan_quantization(m.folder->weights, o.quant);
    plan = runtime::plan_device_map(
        runtime::module_sizes(cfg, m.folder->weights, quant ? &*quant : nullptr, ctx, sequences,
                              cache),
        runtime::apply_max_memory(map_candidates(m.backends, cpu_at), o.max_memory), *strategy);
  } else {
    if (!o.max_memory.empty())
      fail(
          "--max-memory sets the limits of an automatic map: pass --device-map auto (or "
          "balanced, balanced_low_0, sequential)");
    plan.placement = o.device_map.empty()
                         ? runtime::single_device(cfg)
                         : runtime::load_device_map(o.device_map, cfg, opened, cpu_index);
  }
  const models::Placement& placement = plan.placement;
  // "cpu" in a map without cpu in --device: the CPU joins as the last device.
  if (placement.devices > opened) m.backends.push_back(graph::Backend(use_cpu()));
  if (o.device_map.empty() && m.backends.size() > 1)
    fail("--device opens {} devices: pass --device-map to say which layers run where",
         m.backends.size());
  m.device_map = runtime::device_map_json(plan, cpu_at);
  if (!plan.devices.empty())
    std::fprintf(stderr, "%s\n", runtime::describe_device_map(plan).c_str());
  if (!o.device_map.empty() || placement.devices > 1 || m.cpu)
    std::fprintf(stderr, "device map: %s\n", m.device_map.c_str());
  if (o.ctx && uint64_t(o.ctx) > uint64_t(cfg.max_position_embeddings))
    spdlog::warn("--ctx {} is past the model's max_position_embeddings {}", o.ctx,
                 cfg.max_position_embeddings);
  for (const std::string& arg : o.lora) {
    const auto [dir, scale] = model::parse_lora_arg(arg);
    m.adapters.push_back(model::load_lora(dir, scale, m.folder->weights));
  }
  // auto merges where the weights are f32/f16/bf16 (a merged adapter costs nothing per
  // token) and applies adapters at run time over quantized weights.
  bool quantized = !o.quant.empty();
  for (const auto& w : m.folder->weights.weights) quantized |= w.quant.has_value();
  if (o.lora_merge == "yes" && quantized && !o.lora.empty())
    fail(
        "--lora-merge yes: adapters are not merged into quantized weights ({}); leave "
        "--lora-merge at auto or no",
        o.quant.empty() ? "the checkpoint's" : "--quant " + o.quant);
  m.adapters_merged = o.lora_merge == "yes" || (o.lora_merge == "auto" && !quantized);
  runtime::SessionOptions so{.ctx = ctx,
                             .sequences = sequences,
                             .cache = cache,
                             .profile = o.profile,
                             .progress = Progress::stderr_is_terminal(),
                             .dump = o.dump,
                             .adapters = m.adapters,
                             .merge_adapters = m.adapters_merged,
                             .quant = o.quant,
                             .offload_min_rows = o.no_op_offload ? 0u : 32u};
  m.session = std::make_unique<runtime::Session>(m.backends, *m.folder, placement, so);
  if (const int d = m.session->offload_device(); d >= 0)
    std::fprintf(stderr,
                 "op offload: prompt chunks of %u tokens or more run the CPU layers' Linears on "
                 "device %d, their weights copied over each time (--no-op-offload: on the CPU)\n",
                 so.offload_min_rows, d);
  if (const auto& plan = m.session->quant_plan())
    std::fprintf(stderr, "%s\n", describe_quant(*plan, *m.folder).c_str());
  for (const model::LoraAdapter& a : m.adapters)
    std::fprintf(stderr, "%s\n", describe_lora(a, m.adapters_merged).c_str());
  return m;
}

std::string describe_quant(const runtime::QuantPlan& plan, const model::ModelFolder& folder) {
  std::map<std::string, int> by_format;  // "int4 g32 ..." -> weights
  uint64_t before = 0, after = 0;
  for (size_t i = 0; i < plan.formats.size(); ++i) {
    if (!plan.formats[i]) continue;
    const auto& w = folder.weights.weights[i];
    by_format[quant_format_name(*plan.formats[i]) +
              fmt::format(" ({:.2f} bits/weight)",
                          quant_bits_per_weight(*plan.formats[i], w.expected.shape[1]))]++;
    before += w.ref.info->size();
    after += w.expected.shape[0] * quant_row_bytes(*plan.formats[i], w.expected.shape[1]);
  }
  std::string s = fmt::format("quant {}: {:.1f} MB of weights -> {:.1f} MB;", plan.name,
                              double(before) / 1e6, double(after) / 1e6);
  for (const auto& [f, n] : by_format) s += fmt::format(" {} x {};", n, f);
  for (const auto& [name, why] : plan.kept) s += fmt::format(" kept {} ({});", name, why);
  s.pop_back();
  return s;
}

std::string describe_lora(const model::LoraAdapter& a, bool merged) {
  std::map<std::string, int> kinds;  // "q_proj" -> modules
  std::map<uint32_t, int> ranks;
  for (const model::LoraModule& m : a.modules) {
    kinds[m.module.substr(m.module.rfind('.') + 1)]++;
    ranks[m.rank]++;
  }
  std::string names, rank_list;
  for (const auto& [k, n] : kinds)
    names += fmt::format("{}{} x{}", names.empty() ? "" : ", ", k, n);
  for (const auto& [r, n] : ranks)
    rank_list += fmt::format("{}{}", rank_list.empty() ? "" : "/", r);
  return fmt::format(
      "lora: {} ({}{}{}): {} modules [{}], rank {}, scale x{:g}, {}{}", a.name,
      a.config.use_dora ? "DoRA" : "LoRA", a.config.use_rslora ? ", rsLoRA" : "",
      a.config.alpha_pattern.empty() ? "" : ", alpha_pattern", a.modules.size(), names, rank_list,
      a.user_scale, merged ? "merged" : "applied at run time",
      a.replacements.empty() ? "" : fmt::format(", {} tensors replaced", a.replacements.size()));
}

nlohmann::json lora_json(const OpenModel& m) {
  nlohmann::json out = nlohmann::json::array();
  for (const model::LoraAdapter& a : m.adapters)
    out.push_back({{"name", a.name},
                   {"dir", a.dir.string()},
                   {"dora", a.config.use_dora},
                   {"modules", a.modules.size()},
                   {"replaced_tensors", a.replacements.size()},
                   {"scale", a.user_scale},
                   {"merged", m.adapters_merged}});
  return out;
}

void print_profile(const std::vector<graph::OpTime>& times) {
  struct Row {
    double ns = 0;
    int count = 0;
  };
  std::map<std::string, Row> by_kind;
  double total = 0;
  for (const auto& t : times) {
    by_kind[t.kind].ns += t.ns;
    by_kind[t.kind].count++;
    total += t.ns;
  }
  std::vector<std::pair<std::string, Row>> rows(by_kind.begin(), by_kind.end());
  std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.second.ns > b.second.ns; });
  std::fprintf(stderr, "%-18s %8s %12s %7s\n", "op", "count", "GPU ms", "share");
  for (const auto& [kind, r] : rows)
    std::fprintf(stderr, "%-18s %8d %12.3f %6.1f%%\n", kind.c_str(), r.count, r.ns / 1e6,
                 total > 0 ? 100.0 * r.ns / total : 0.0);
  std::fprintf(stderr, "%-18s %8zu %12.3f\n", "total", times.size(), total / 1e6);
}

}  // namespace vkllm::cli
