#include "loaders/adapter/lora.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <unordered_map>

#include "engine/base/error.h"
#include "engine/base/half.h"
#include "engine/base/log.h"
#include "engine/base/paths.h"

namespace vkllm::model {

namespace {

constexpr std::string_view kPrefix = "base_model.model.";

// A tensor of the adapter file widened to f32 on the host (adapters are small:
// rank x features).
std::vector<float> to_f32(const st::SafetensorsFile& f, const st::TensorInfo& t) {
  const auto bytes = f.data(t);
  std::vector<float> out(t.numel());
  switch (t.dtype) {
    case st::DType::F32:
      std::memcpy(out.data(), bytes.data(), out.size() * 4);
      break;
    case st::DType::F16:
    case st::DType::BF16:
      for (size_t i = 0; i < out.size(); ++i) {
        uint16_t h;
        std::memcpy(&h, bytes.data() + 2 * i, 2);
        out[i] = t.dtype == st::DType::F16 ? f16_to_f32(h) : bf16_to_f32(h);
      }
      break;
    default:
      fail("lora: {}: tensor '{}' is {}; adapter tensors must be F32, F16 or BF16", f.file_name(),
           t.name, st::dtype_name(t.dtype));
  }
  return out;
}

std::string shape_str(const std::vector<uint64_t>& s) {
  return fmt::format("[{}]", fmt::join(s, ", "));
}

// The parts of an adapter key: "model.layers.0.self_attn.q_proj" + "lora_A.weight".
struct Key {
  std::string module, part;
};

Key split_key(std::string_view name) {
  if (name.starts_with(kPrefix)) name.remove_prefix(kPrefix.size());
  for (std::string_view part :
       {".lora_A.weight", ".lora_B.weight", ".lora_B.bias", ".lora_magnitude_vector.weight",
        ".lora_magnitude_vector", ".lora_embedding_A", ".lora_embedding_B"}) {
    if (name.ends_with(part))
      return {std::string(name.substr(0, name.size() - part.size())), std::string(part.substr(1))};
  }
  return {std::string(name), ""};
}

double alpha_of(const LoraConfig& c, const std::string& module) {
  for (const auto& [key, alpha] : c.alpha_pattern)
    if (lora_pattern_matches(key, module)) return alpha;
  return c.lora_alpha;
}

int rank_of(const LoraConfig& c, const std::string& module) {
  for (const auto& [key, r] : c.rank_pattern)
    if (lora_pattern_matches(key, module)) return r;
  return c.r;
}

}  // namespace

std::pair<std::string, double> parse_lora_arg(const std::string& arg) {
  const size_t colon = arg.rfind(':');
  if (colon != std::string::npos && colon + 1 < arg.size()) {
    const std::string tail = arg.substr(colon + 1);
    char* end = nullptr;
    const double scale = std::strtod(tail.c_str(), &end);
    if (end && *end == '\0') {
      if (!std::isfinite(scale))
        fail("--lora {}: the scale '{}' is not a finite number", arg, tail);
      return {arg.substr(0, colon), scale};
    }
  }
  return {arg, 1.0};
}

LoraAdapter load_lora(const std::filesystem::path& dir, double user_scale,
                      const WeightCheck& weights) {
  require_folder(dir, "lora: adapter folder",
                 "give a PEFT adapter folder (adapter_config.json, adapter_model.safetensors)");
  LoraAdapter a;
  a.dir = dir;
  const std::filesystem::path norm = dir.lexically_normal();
  a.name = (norm.has_filename() ? norm.filename() : norm.parent_path().filename()).string();
  a.user_scale = user_scale;
  const auto cfg_path = dir / "adapter_config.json";
  if (!std::filesystem::exists(cfg_path))
    fail("lora: {} has no adapter_config.json; give a PEFT adapter folder", dir.string());
  a.config = parse_lora_config(read_file(cfg_path, "lora: adapter config"), cfg_path.string());
  const auto st_path = dir / "adapter_model.safetensors";
  if (!std::filesystem::exists(st_path)) {
    if (std::filesystem::exists(dir / "adapter_model.bin"))
      fail(
          "lora: {} has adapter_model.bin (a PyTorch pickle), which vkllm does not read; save "
          "the adapter with safe_serialization=True",
          dir.string());
    fail("lora: {} has no adapter_model.safetensors", dir.string());
  }
  a.file = std::make_shared<const st::SafetensorsFile>(st::SafetensorsFile::open(st_path));
  const st::SafetensorsFile& f = *a.file;
  const std::string fname = st_path.string();
  if (a.config.fan_in_fan_out)
    spdlog::warn(
        "lora: {}: fan_in_fan_out is true, but the adapted modules are Linear layers; ignored, "
        "as PEFT does",
        cfg_path.string());

  std::unordered_map<std::string, size_t> base;  // HF tensor name -> weight index
  for (size_t i = 0; i < weights.weights.size(); ++i) base[weights.weights[i].expected.name] = i;

  struct Parts {
    const st::TensorInfo *a = nullptr, *b = nullptr, *bias = nullptr, *m = nullptr;
  };
  std::map<std::string, Parts> modules;
  std::vector<std::string> order;
  for (const st::TensorInfo& t : f.tensors()) {
    const Key k = split_key(t.name);
    if (k.part.empty()) {
      auto it = base.find(k.module);
      if (it == base.end())
        fail(
            "lora: {}: tensor '{}' is neither a LoRA factor nor a tensor of the base model "
            "(modules_to_save replaces base tensors under their own names)",
            fname, t.name);
      const ExpectedTensor& e = weights.weights[it->second].expected;
      if (t.shape != e.shape)
        fail("lora: {}: tensor '{}' replaces '{}' {}, but is {}", fname, t.name, e.name,
             shape_str(e.shape), shape_str(t.shape));
      if (!st::to_engine_dtype(t.dtype))
        fail("lora: {}: tensor '{}' is {}; expected F32, F16 or BF16", fname, t.name,
             st::dtype_name(t.dtype));
      a.replacements.push_back({it->second, &t});
      continue;
    }
    if (k.part.starts_with("lora_embedding"))
      fail(
          "lora: {}: tensor '{}' is LoRA on an embedding, which vkllm does not run; merge the "
          "adapter with PEFT (merge_and_unload) or train it without embed_tokens",
          fname, t.name);
    if (!modules.contains(k.module)) order.push_back(k.module);
    Parts& p = modules[k.module];
    if (k.part == "lora_A.weight") p.a = &t;
    if (k.part == "lora_B.weight") p.b = &t;
    if (k.part == "lora_B.bias") p.bias = &t;
    if (k.part.starts_with("lora_magnitude_vector")) p.m = &t;
  }

  for (const std::string& module : order) {
    const Parts& p = modules[module];
    if (!p.a || !p.b)
      fail("lora: {}: module '{}' has no {}", fname, module,
           p.a ? "lora_B.weight" : "lora_A.weight");
    auto it = base.find(module + ".weight");
    if (it == base.end())
      fail("lora: {}: tensor '{}' adapts '{}.weight', which the base model does not have", fname,
           p.a->name, module);
    const ExpectedTensor& w = weights.weights[it->second].expected;
    using R = WeightRole;
    static constexpr R kLinear[] = {R::Q,    R::K,  R::V,      R::QKV,  R::O,
                                    R::Gate, R::Up, R::GateUp, R::Down, R::LmHead};
    if (std::find(std::begin(kLinear), std::end(kLinear), w.role) == std::end(kLinear))
      fail(
          "lora: {}: tensor '{}' adapts '{}', which is not a Linear projection (LoRA runs on "
          "attention, MLP and output projections)",
          fname, p.a->name, w.name);
    if (w.shape.size() != 2)
      fail("lora: {}: '{}' adapts '{}', which is not a Linear weight", fname, p.a->name, w.name);
    const uint64_t out = w.shape[0], in = w.shape[1];
    if (p.a->shape.size() != 2 || p.a->shape[1] != in)
      fail("lora: {}: tensor '{}' is {}, expected [rank, {}] for '{}' {}", fname, p.a->name,
           shape_str(p.a->shape), in, w.name, shape_str(w.shape));
    const uint64_t r = p.a->shape[0];
    if (p.b->shape != std::vector<uint64_t>{out, r})
      fail("lora: {}: tensor '{}' is {}, expected [{}, {}] ('{}' {} at rank {})", fname, p.b->name,
           shape_str(p.b->shape), out, r, w.name, shape_str(w.shape), r);
    if (r == 0) fail("lora: {}: tensor '{}' has rank 0", fname, p.a->name);
    if (p.m && !a.config.use_dora)
      fail("lora: {}: tensor '{}' is a DoRA magnitude, but use_dora is false", fname, p.m->name);
    if (a.config.use_dora && !p.m)
      fail("lora: {}: use_dora is true, but module '{}' has no lora_magnitude_vector", fname,
           module);
    if (p.m && p.m->numel() != out)
      fail("lora: {}: tensor '{}' has {} elements, '{}' has {} rows", fname, p.m->name,
           p.m->numel(), w.name, out);
    if (p.bias && p.bias->numel() != out)
      fail("lora: {}: tensor '{}' has {} elements, '{}' has {} rows", fname, p.bias->name,
           p.bias->numel(), w.name, out);
    if (!lora_targets(a.config, module))
      spdlog::warn("lora: {}: module '{}' has factors but is not among target_modules", fname,
                   module);
    if (!a.config.layers_to_transform.empty() && w.layer >= 0 &&
        std::find(a.config.layers_to_transform.begin(), a.config.layers_to_transform.end(),
                  w.layer) == a.config.layers_to_transform.end())
      spdlog::warn("lora: {}: module '{}' is in layer {}, not among layers_to_transform", fname,
                   module, w.layer);
    if (int(r) != rank_of(a.config, module))
      spdlog::warn("lora: {}: '{}' has rank {}, the config says {}; the tensor's rank is used",
                   fname, module, r, rank_of(a.config, module));

    LoraModule m;
    m.module = module;
    m.weight = it->second;
    m.rank = uint32_t(r);
    m.out = uint32_t(out);
    m.in = uint32_t(in);
    m.alpha = alpha_of(a.config, module);
    m.scale =
        (a.config.use_rslora ? m.alpha / std::sqrt(double(r)) : m.alpha / double(r)) * user_scale;
    m.a = to_f32(f, *p.a);
    m.b = to_f32(f, *p.b);
    for (float& x : m.b) x = float(double(x) * m.scale);
    if (p.bias) {
      m.bias = to_f32(f, *p.bias);
      for (float& x : m.bias) x = float(double(x) * m.scale);
    }
    if (p.m) m.magnitude = to_f32(f, *p.m);
    a.modules.push_back(std::move(m));
  }
  if (a.modules.empty() && a.replacements.empty())
    fail("lora: {}: the adapter file has no tensors", fname);
  return a;
}

}  // namespace vkllm::model
