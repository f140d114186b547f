#include "tools/model_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>

#include "engine/base/error.h"
#include "engine/base/log.h"
#include "engine/base/progress.h"
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
                 "Device index or name; a comma list opens several (0,1), or one twice (0,0)");
  sub.add_option("--device-map", device_map,
                 "JSON file in transformers' explicit device_map form; indices into --device");
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

OpenModel open_model(const ModelOptions& o, uint32_t ctx_needed, uint32_t sequences) {
  OpenModel m;
  m.context =
      std::make_unique<vk::Context>(vk::ContextOptions{.device = o.device, .validation = o.debug});
  m.devices = m.context->open_devices(o.device);
  m.folder = std::make_unique<model::ModelFolder>(model::open_model_folder(o.folder()));
  const model::ModelConfig& cfg = m.folder->config;
  models::Placement placement =
      o.device_map.empty() ? runtime::single_device(cfg)
                           : runtime::load_device_map(o.device_map, cfg, int(m.devices.size()));
  if (o.device_map.empty() && m.devices.size() > 1)
    fail("--device opens {} devices: pass --device-map to say which layers run where",
         m.devices.size());
  uint32_t ctx = o.ctx;
  if (ctx == 0)
    ctx = ctx_needed ? std::min<uint32_t>(ctx_needed, uint32_t(cfg.max_position_embeddings))
                     : uint32_t(cfg.max_position_embeddings);
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
                             .cache = o.precision == "f32" ? DType::F32 : DType::F16,
                             .profile = o.profile,
                             .progress = Progress::stderr_is_terminal(),
                             .dump = o.dump,
                             .adapters = m.adapters,
                             .merge_adapters = m.adapters_merged,
                             .quant = o.quant};
  m.session = std::make_unique<runtime::Session>(m.devices, *m.folder, placement, so);
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
