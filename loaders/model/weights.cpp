#include "loaders/model/weights.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "engine/base/error.h"
#include "engine/base/log.h"

namespace vkllm::model {

std::string_view weight_role_name(WeightRole r) {
  static constexpr std::string_view kNames[] = {"token_embedding",
                                                "output_norm",
                                                "lm_head",
                                                "attn_norm",
                                                "q",
                                                "k",
                                                "v",
                                                "qkv",
                                                "q_bias",
                                                "k_bias",
                                                "v_bias",
                                                "o",
                                                "o_bias",
                                                "q_norm",
                                                "k_norm",
                                                "post_attn_norm",
                                                "pre_ffn_norm",
                                                "post_ffn_norm",
                                                "gate",
                                                "up",
                                                "gate_up",
                                                "down",
                                                "gate_bias",
                                                "up_bias",
                                                "down_bias"};
  return kNames[static_cast<std::size_t>(r)];
}

std::vector<ExpectedTensor> expected_tensors(const ModelConfig& c, const WeightPrefix& prefix) {
  using U = std::uint64_t;
  const U hidden = c.hidden_size, inter = c.intermediate_size, vocab = c.vocab_size;
  const U q = c.q_size(), kv = c.kv_size(), hd = c.head_dim;
  std::vector<ExpectedTensor> out;
  auto add = [&](std::string name, WeightRole role, int layer, std::vector<U> shape) {
    out.push_back({std::move(name), role, layer, std::move(shape)});
  };
  const std::string& m = prefix.decoder;
  add(m + "embed_tokens.weight", WeightRole::TokenEmbedding, -1, {vocab, hidden});
  for (int i = 0; i < static_cast<int>(c.num_layers); ++i) {
    const std::string l = m + "layers." + std::to_string(i) + ".";
    const std::string a = l + "self_attn.";
    const std::string f = l + "mlp.";
    add(l + "input_layernorm.weight", WeightRole::AttnNorm, i, {hidden});
    if (c.fused_qkv) {
      add(a + "qkv_proj.weight", WeightRole::QKV, i, {q + 2 * kv, hidden});
    } else {
      add(a + "q_proj.weight", WeightRole::Q, i, {q, hidden});
      add(a + "k_proj.weight", WeightRole::K, i, {kv, hidden});
      add(a + "v_proj.weight", WeightRole::V, i, {kv, hidden});
    }
    if (c.qkv_bias) {
      add(a + "q_proj.bias", WeightRole::QBias, i, {q});
      add(a + "k_proj.bias", WeightRole::KBias, i, {kv});
      add(a + "v_proj.bias", WeightRole::VBias, i, {kv});
    }
    if (c.qk_norm) {
      add(a + "q_norm.weight", WeightRole::QNorm, i, {hd});
      add(a + "k_norm.weight", WeightRole::KNorm, i, {hd});
    }
    add(a + "o_proj.weight", WeightRole::O, i, {hidden, q});
    if (c.o_bias) add(a + "o_proj.bias", WeightRole::OBias, i, {hidden});
    add(l + "post_attention_layernorm.weight", WeightRole::PostAttnNorm, i, {hidden});
    if (c.sandwich_norms) {
      add(l + "pre_feedforward_layernorm.weight", WeightRole::PreFfnNorm, i, {hidden});
      add(l + "post_feedforward_layernorm.weight", WeightRole::PostFfnNorm, i, {hidden});
    }
    if (c.fused_gate_up) {
      add(f + "gate_up_proj.weight", WeightRole::GateUp, i, {2 * inter, hidden});
    } else {
      add(f + "gate_proj.weight", WeightRole::Gate, i, {inter, hidden});
      add(f + "up_proj.weight", WeightRole::Up, i, {inter, hidden});
    }
    add(f + "down_proj.weight", WeightRole::Down, i, {hidden, inter});
    if (c.mlp_bias) {
      add(f + "gate_proj.bias", WeightRole::GateBias, i, {inter});
      add(f + "up_proj.bias", WeightRole::UpBias, i, {inter});
      add(f + "down_proj.bias", WeightRole::DownBias, i, {hidden});
    }
  }
  add(m + "norm.weight", WeightRole::OutputNorm, -1, {hidden});
  if (!c.tie_word_embeddings) add(prefix.lm_head, WeightRole::LmHead, -1, {vocab, hidden});
  return out;
}

const ResolvedWeight* WeightCheck::find(WeightRole role, int layer) const {
  for (const auto& w : weights)
    if (w.expected.role == role && w.expected.layer == layer) return &w;
  return nullptr;
}

namespace {

// Multimodal gemma3 checkpoints keep the text model under one of these prefixes
// (transformers 4 and 5 layouts).
WeightPrefix find_prefix(const ModelConfig& c, const st::ModelFiles& files) {
  if (!c.multimodal_wrapper) return {};
  const WeightPrefix candidates[] = {
      {"language_model.model.", "language_model.lm_head.weight"},
      {"model.language_model.", "lm_head.weight"},
      {"model.", "lm_head.weight"},
  };
  for (const auto& p : candidates)
    if (files.find(p.decoder + "embed_tokens.weight")) return p;
  return candidates[0];
}

bool known_unused(std::string_view name, const ModelConfig& c) {
  if (name.ends_with("rotary_emb.inv_freq")) return true;
  if (c.multimodal_wrapper)
    for (std::string_view p : {"vision_tower.", "multi_modal_projector.", "model.vision_tower.",
                               "model.multi_modal_projector."})
      if (name.starts_with(p)) return true;
  return false;
}

std::string searched_files(const st::ModelFiles& files) {
  if (files.files().size() == 1) return files.files().front().file_name();
  return fmt::format("any of the {} shards of {}", files.files().size(), st::kIndexFileName);
}

}  // namespace

uint64_t ResolvedWeight::perm_offset() const {
  const uint64_t rows = expected.shape[0] * quant_row_bytes(quant->format, expected.shape[1]);
  return (rows + 255) / 256 * 256;
}

uint64_t ResolvedWeight::device_bytes() const {
  if (!quant) return ref.info->size();
  if (!quant->perm.empty()) return perm_offset() + quant->perm.size() * 4;
  return expected.shape[0] * quant_row_bytes(quant->format, expected.shape[1]);
}

std::string CheckpointQuant::describe() const {
  if (kind == Kind::Bnb8) return "bitsandbytes LLM.int8 (per-row SCB)";
  if (kind == Kind::Gptq)
    return fmt::format("GPTQ {}-bit group {}{}{}", format.bits, format.group,
                       gptq_v1_zeros ? " (v1 zeros)" : " (v2 zeros)",
                       perm.empty() ? "" : ", act-order");
  if (kind == Kind::Awq) return fmt::format("AWQ GEMM 4-bit group {}", format.group);
  if (kind == Kind::CtPacked)
    return fmt::format("compressed-tensors pack-quantized int{} group {}{}", format.bits,
                       format.group, format.zeros ? " asymmetric" : "");
  if (kind == Kind::Fp8)
    return block_rows ? fmt::format("FP8 e4m3, {}x{} blocks", block_rows, format.group)
                      : fmt::format("FP8 e4m3, scale per {} weights of a row", format.group);
  return fmt::format("bitsandbytes {} (blocksize {}{})",
                     format.codes == QuantCodes::NF4 ? "nf4" : "fp4", blocksize,
                     nested ? ", double quant" : "");
}

namespace {

bool is_linear(WeightRole r) {
  using R = WeightRole;
  return r == R::Q || r == R::K || r == R::V || r == R::QKV || r == R::O || r == R::Gate ||
         r == R::Up || r == R::GateUp || r == R::Down;
}

// A tensor a quantized weight needs: present, of the dtype and element count given.
st::TensorRef quant_part(const st::ModelFiles& files, const std::string& name, st::DType dtype,
                         uint64_t numel, const std::string& why) {
  const auto ref = files.find(name);
  if (!ref) fail("model: {}: tensor '{}' is missing ({})", files.dir().string(), name, why);
  if (ref->info->dtype != dtype || (numel && ref->info->numel() != numel))
    fail("model: {}: tensor '{}' is {} {}, expected {} with {} elements ({})",
         ref->file->file_name(), name, st::dtype_name(ref->info->dtype),
         st::format_shape(ref->info->shape), st::dtype_name(dtype), numel, why);
  return *ref;
}

// A quantized weight's tensor of an exact shape, in one of the dtypes given.
st::TensorRef shaped_part(const st::ModelFiles& files, const std::string& name,
                          std::initializer_list<st::DType> dtypes,
                          const std::vector<uint64_t>& shape, const std::string& why) {
  const auto ref = files.find(name);
  if (!ref) fail("model: {}: tensor '{}' is missing ({})", files.dir().string(), name, why);
  bool dtype_ok = false;
  for (st::DType d : dtypes) dtype_ok |= ref->info->dtype == d;
  if (!dtype_ok || ref->info->shape != shape)
    fail("model: {}: tensor '{}' is {} {}, expected {} {} ({})", ref->file->file_name(), name,
         st::dtype_name(ref->info->dtype), st::format_shape(ref->info->shape),
         st::dtype_name(*dtypes.begin()), st::format_shape(shape), why);
  return *ref;
}

constexpr std::initializer_list<st::DType> kScaleTypes = {st::DType::F16, st::DType::BF16,
                                                          st::DType::F32};

// bitsandbytes' Linear4bit / Linear8bitLt as saved (docs/QUANT_FORMATS.md section 3).
std::optional<ResolvedWeight> resolve_bnb(const ModelConfig& c, const st::ModelFiles& files,
                                          const ExpectedTensor& e,
                                          std::unordered_set<std::string_view>& used) {
  const CheckpointQuantization& q = *c.quantization;
  const uint64_t n = e.shape[0], k = e.shape[1];
  CheckpointQuant cq;
  if (q.load_in_8bit) {
    const std::string module = e.name.substr(0, e.name.size() - std::string(".weight").size());
    if (!files.find(module + ".SCB")) return std::nullopt;  // a module left unquantized
    cq.kind = CheckpointQuant::Kind::Bnb8;
    cq.parts = {quant_part(files, e.name, st::DType::I8, n * k, "LLM.int8 weight [out, in]"),
                quant_part(files, module + ".SCB", st::DType::F32, n, "LLM.int8 row scales")};
    if (cq.parts[0].info->shape != e.shape)
      fail("model: {}: tensor '{}' has shape {}, config.json implies {}",
           cq.parts[0].file->file_name(), e.name, st::format_shape(cq.parts[0].info->shape),
           st::format_shape(e.shape));
    if (const auto fmt_ref = files.find(e.name + "_format")) {
      // 0 is the row-major layout; older bitsandbytes wrote tiled GPU layouts (1-3).
      const auto v = fmt_ref->data();
      if (fmt_ref->info->numel() != 1 || v.empty() || uint8_t(v[0]) != 0)
        fail("model: {}: '{}' is not 0 (row-major): tiled LLM.int8 layouts are not supported",
             fmt_ref->file->file_name(), fmt_ref->info->name);
      used.insert(fmt_ref->info->name);
    }
    cq.format = {.bits = 8,
                 .codes = QuantCodes::Int,
                 .group = uint32_t(k),
                 .scale_f16 = false,
                 .zeros = false,
                 .zero = 128};
  } else {
    const std::string state_name = e.name + ".quant_state.bitsandbytes__" + q.bnb_4bit_quant_type;
    const auto state_ref = files.find(state_name);
    if (!state_ref) return std::nullopt;
    const auto bytes = state_ref->data();
    const nlohmann::json state = nlohmann::json::parse(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), nullptr,
        false);
    if (state.is_discarded() || !state.is_object())
      fail("model: {}: tensor '{}' is not the JSON quant state bitsandbytes writes",
           state_ref->file->file_name(), state_name);
    auto shape = state.value("shape", std::vector<uint64_t>{});
    if (shape != e.shape)
      fail("model: {}: '{}' says shape {}, config.json implies {}", state_ref->file->file_name(),
           state_name, st::format_shape(shape), st::format_shape(e.shape));
    cq.kind = CheckpointQuant::Kind::Bnb4;
    try {
      cq.blocksize = state.value("blocksize", uint64_t(64));
      cq.nested = state.contains("nested_blocksize");
      cq.nested_blocksize = state.value("nested_blocksize", uint64_t(256));
      cq.nested_offset = state.value("nested_offset", 0.0f);
    } catch (const nlohmann::json::exception& x) {
      fail("model: {}: '{}': {}", state_ref->file->file_name(), state_name, x.what());
    }
    if (cq.nested && cq.nested_blocksize == 0)
      fail("model: {}: '{}' says nested_blocksize 0", state_ref->file->file_name(), state_name);
    if (cq.blocksize == 0 || cq.blocksize % 32 != 0 || k % cq.blocksize != 0)
      fail(
          "model: {}: '{}' uses blocks of {} weights over rows of {}: blocks that straddle "
          "rows are not supported",
          state_ref->file->file_name(), e.name, cq.blocksize, k);
    const uint64_t blocks = n * k / cq.blocksize;
    cq.parts = {quant_part(files, e.name, st::DType::U8, n * k / 2, "4-bit codes"),
                quant_part(files, e.name + ".absmax", cq.nested ? st::DType::U8 : st::DType::F32,
                           blocks, "block absmax"),
                quant_part(files, e.name + ".quant_map", st::DType::F32, 16, "code table")};
    if (cq.nested) {
      const uint64_t nested = (blocks + cq.nested_blocksize - 1) / cq.nested_blocksize;
      cq.parts.push_back(quant_part(files, e.name + ".nested_absmax", st::DType::F32, nested,
                                    "double-quant absmax"));
      cq.parts.push_back(quant_part(files, e.name + ".nested_quant_map", st::DType::F32, 256,
                                    "double-quant code table"));
    }
    used.insert(state_ref->info->name);
    cq.format = {.bits = 4,
                 .codes = q.bnb_4bit_quant_type == "nf4" ? QuantCodes::NF4 : QuantCodes::FP4,
                 .group = uint32_t(cq.blocksize),
                 .scale_f16 = false};
  }
  if (!quant_fits(cq.format, k))
    fail("model: {}: '{}' has {} columns; quantized weights need a multiple of 32",
         files.dir().string(), e.name, k);
  for (const st::TensorRef& p : cq.parts) used.insert(p.info->name);
  const DType compute = c.dtype.value_or(DType::BF16);
  return ResolvedWeight{e, cq.parts[0], compute, cq};
}

// GPTQ (packed along K, zeros along N) and AWQ GEMM (both along N, interleaved)
// as docs/QUANT_FORMATS.md sections 1 and 2 describe them.
std::optional<ResolvedWeight> resolve_gptq_awq(const ModelConfig& c, const st::ModelFiles& files,
                                               const ExpectedTensor& e,
                                               std::unordered_set<std::string_view>& used) {
  const CheckpointQuantization& q = *c.quantization;
  const std::string module = e.name.substr(0, e.name.size() - std::string(".weight").size());
  if (!files.find(module + ".qweight")) return std::nullopt;  // a module left unquantized
  const uint64_t n = e.shape[0], k = e.shape[1], bits = uint64_t(q.bits), pf = 32 / bits;
  const uint64_t gs = q.group_size > 0 ? uint64_t(q.group_size) : k;
  if (k % gs != 0)
    fail("model: {}: '{}' has {} columns, not a multiple of group_size {}", files.dir().string(),
         e.name, k, gs);
  const uint64_t groups = k / gs;
  CheckpointQuant cq;
  const bool gptq = q.method == "gptq";
  cq.kind = gptq ? CheckpointQuant::Kind::Gptq : CheckpointQuant::Kind::Awq;
  // Zeros are packed along N: N must fill whole words.
  const uint64_t n_pack = gptq ? pf : 8;
  if (n % n_pack != 0 || k % (gptq ? pf : 1) != 0)
    fail("model: {}: '{}' is [{}, {}]: {} packing needs rows a multiple of {}",
         files.dir().string(), e.name, n, k, q.method, n_pack);
  if (gptq) {
    cq.parts = {
        shaped_part(files, module + ".qweight", {st::DType::I32}, {k / pf, n}, "packed codes"),
        shaped_part(files, module + ".qzeros", {st::DType::I32}, {groups, n / pf}, "zeros"),
        shaped_part(files, module + ".scales", kScaleTypes, {groups, n}, "scales")};
    cq.gptq_v1_zeros = q.checkpoint_format == "gptq";
    if (q.sym) {
      // Symmetric zeros are 2^(b-1): stored - 1 in v1, as is in v2. Some checkpoints
      // labelled v1 store v2 zeros (QUANT_FORMATS.md section 1): trust the data.
      const auto z = cq.parts[1].data();
      const uint32_t half = 1u << (bits - 1), mask = (1u << bits) - 1;
      bool all_v1 = true, all_v2 = true;
      for (size_t i = 0; i + 4 <= z.size(); i += 4) {
        uint32_t word;
        std::memcpy(&word, z.data() + i, 4);
        for (uint64_t f = 0; f < pf; ++f) {
          const uint32_t v = (word >> (bits * f)) & mask;
          all_v1 &= v == half - 1;
          all_v2 &= v == half;
        }
      }
      if (!all_v1 && !all_v2)
        fail("model: {}: '{}.qzeros' holds zeros other than {} or {} although sym is true",
             cq.parts[1].file->file_name(), module, half - 1, half);
      if (all_v2 && cq.gptq_v1_zeros)
        spdlog::warn("model: {}: checkpoint_format says gptq (v1) but zeros are stored as v2",
                     module);
      cq.gptq_v1_zeros = all_v1;
    }
    if (const auto g = files.find(module + ".g_idx")) {
      cq.parts.push_back(quant_part(files, module + ".g_idx", st::DType::I32, k, "group index"));
      std::vector<int32_t> g_idx(k);
      std::memcpy(g_idx.data(), g->data().data(), k * 4);
      bool trivial = true;
      for (uint64_t i = 0; i < k; ++i) {
        if (g_idx[i] < 0 || uint64_t(g_idx[i]) >= groups)
          fail("model: {}: '{}.g_idx' entry {} is {}, outside the {} groups", g->file->file_name(),
               module, i, g_idx[i], groups);
        trivial &= uint64_t(g_idx[i]) == i / gs;
      }
      if (!trivial) {
        // Act-order: sort the columns by group; each group must hold gs of them.
        cq.perm.resize(k);
        for (uint64_t i = 0; i < k; ++i) cq.perm[i] = uint32_t(i);
        std::stable_sort(cq.perm.begin(), cq.perm.end(),
                         [&](uint32_t a, uint32_t b) { return g_idx[a] < g_idx[b]; });
        for (uint64_t j = 0; j < k; ++j)
          if (uint64_t(g_idx[cq.perm[j]]) != j / gs)
            fail("model: {}: '{}.g_idx' does not give each group {} columns", g->file->file_name(),
                 module, gs);
      }
    }
  } else {
    cq.parts = {
        shaped_part(files, module + ".qweight", {st::DType::I32}, {k, n / 8}, "packed codes"),
        shaped_part(files, module + ".qzeros", {st::DType::I32}, {groups, n / 8}, "zeros"),
        shaped_part(files, module + ".scales", kScaleTypes, {groups, n}, "scales")};
  }
  cq.format = {.bits = uint8_t(bits),
               .codes = QuantCodes::Int,
               .group = uint32_t(gs),
               .scale_f16 = false,
               .zeros = true};
  if (!quant_fits(cq.format, k))
    fail("model: {}: '{}' has {} columns and groups of {}; quantized weights need multiples of 32",
         files.dir().string(), e.name, k, gs);
  for (const st::TensorRef& p : cq.parts) used.insert(p.info->name);
  return ResolvedWeight{e, cq.parts[0], c.dtype.value_or(DType::F16), cq};
}

// compressed-tensors pack-quantized (docs/QUANT_FORMATS.md section 4): codes along K
// offset by 2^(b-1); scales [N, G]; zero points packed along N when asymmetric.
// Float-quantized (e4m3 weight, scale per tensor/row/group) and transformers'
// fine-grained FP8 (e4m3 weight, weight_scale_inv per 2-D block, a multiplier).
std::optional<ResolvedWeight> resolve_ct_fp8(const ModelConfig& c, const st::ModelFiles& files,
                                             const ExpectedTensor& e,
                                             std::unordered_set<std::string_view>& used) {
  const CheckpointQuantization& q = *c.quantization;
  const std::string module = e.name.substr(0, e.name.size() - std::string(".weight").size());
  const uint64_t n = e.shape[0], k = e.shape[1];
  CheckpointQuant cq;
  if (const auto packed = files.find(module + ".weight_packed")) {
    const auto& shape = packed->info->shape;
    if (packed->info->dtype != st::DType::I32 || shape.size() != 2 || shape[0] != n ||
        shape[1] == 0 || k % shape[1] != 0 || (32 / (k / shape[1])) * (k / shape[1]) != 32)
      fail("model: {}: '{}' is {} {}, expected I32 [{}, {} / (32 / bits)]",
           packed->file->file_name(), packed->info->name, st::dtype_name(packed->info->dtype),
           st::format_shape(shape), n, k);
    const uint64_t pf = k / shape[1], bits = 32 / pf;
    if (bits != 4 && bits != 8)
      fail("model: {}: '{}' packs {}-bit codes; vkllm runs 4- and 8-bit", packed->file->file_name(),
           packed->info->name, bits);
    const auto scale = files.find(module + ".weight_scale");
    if (!scale || scale->info->shape.size() != 2 || scale->info->shape[0] != n ||
        scale->info->shape[1] == 0 || k % scale->info->shape[1] != 0)
      fail("model: {}: '{}.weight_scale' is missing or not [{}, groups]", files.dir().string(),
           module, n);
    if (files.find(module + ".weight_g_idx"))
      fail("model: {}: '{}' has weight_g_idx (actorder): not supported yet", files.dir().string(),
           module);
    const uint64_t groups = scale->info->shape[1];
    const st::DType sd = scale->info->dtype;
    if (sd != st::DType::BF16 && sd != st::DType::F16 && sd != st::DType::F32)
      fail("model: {}: '{}' scales are {}", scale->file->file_name(), scale->info->name,
           st::dtype_name(sd));
    cq.kind = CheckpointQuant::Kind::CtPacked;
    cq.parts = {*packed, *scale};
    const auto zp = files.find(module + ".weight_zero_point");
    if (zp)
      cq.parts.push_back(quant_part(files, zp->info->name, st::DType::I32,
                                    (n + pf - 1) / pf * groups, "zero points"));
    cq.format = {.bits = uint8_t(bits),
                 .codes = QuantCodes::Int,
                 .group = uint32_t(k / groups),
                 .scale_f16 = false,
                 .zeros = zp.has_value(),
                 .zero = uint8_t(zp ? 0 : 1u << (bits - 1))};
    if (const auto shape_ref = files.find(module + ".weight_shape"))
      used.insert(shape_ref->info->name);
  } else {
    const auto w = files.find(e.name);
    if (!w || w->info->dtype != st::DType::F8_E4M3) return std::nullopt;  // left unquantized
    if (w->info->shape != e.shape)
      fail("model: {}: tensor '{}' has shape {}, config.json implies {}", w->file->file_name(),
           e.name, st::format_shape(w->info->shape), st::format_shape(e.shape));
    const bool block = q.method == "fp8" && q.block_rows > 0;
    const auto scale = files.find(module + (block ? ".weight_scale_inv" : ".weight_scale"));
    if (!scale)
      fail("model: {}: '{}' is e4m3 but '{}.{}' is missing", files.dir().string(), e.name, module,
           block ? "weight_scale_inv" : "weight_scale");
    const auto& ss = scale->info->shape;
    if (scale->info->dtype != st::DType::F32 && scale->info->dtype != st::DType::F16 &&
        scale->info->dtype != st::DType::BF16)
      fail("model: {}: '{}' is {}; scales must be F32, F16 or BF16", scale->file->file_name(),
           scale->info->name, st::dtype_name(scale->info->dtype));
    uint64_t group = k;
    if (block) {
      const uint64_t br = q.block_rows, bc = q.block_cols;
      if (ss != std::vector<uint64_t>{(n + br - 1) / br, (k + bc - 1) / bc} || k % bc != 0)
        fail("model: {}: '{}' is {}, expected [{}, {}] blocks of {}x{} over [{}, {}]",
             scale->file->file_name(), scale->info->name, st::format_shape(ss), (n + br - 1) / br,
             (k + bc - 1) / bc, br, bc, n, k);
      group = bc;
      cq.block_rows = br;
    } else if (scale->info->numel() == 1) {
      group = k;  // one scale for the tensor, repeated on every row
    } else if (ss.size() == 2 && ss[0] == n && ss[1] > 0 && k % ss[1] == 0) {
      group = k / ss[1];
    } else {
      fail(
          "model: {}: '{}' is {}: expected per-tensor, per-row [{}, 1] or per-group [{}, G] "
          "scales",
          scale->file->file_name(), scale->info->name, st::format_shape(ss), n, n);
    }
    cq.kind = CheckpointQuant::Kind::Fp8;
    cq.parts = {*w, *scale};
    cq.format = {.bits = 8,
                 .codes = QuantCodes::FP8E4M3,
                 .group = uint32_t(group),
                 .scale_f16 = false,
                 .zeros = false};
    for (const char* extra : {".input_scale", ".input_zero_point"})
      if (const auto r = files.find(module + extra)) used.insert(r->info->name);
  }
  if (!quant_fits(cq.format, k))
    fail("model: {}: '{}' has {} columns and groups of {}; quantized weights need multiples of 32",
         files.dir().string(), e.name, k, cq.format.group);
  for (const st::TensorRef& p : cq.parts) used.insert(p.info->name);
  return ResolvedWeight{e, cq.parts[0], c.dtype.value_or(DType::BF16), cq};
}

}  // namespace

WeightCheck check_weights(const ModelConfig& c, const st::ModelFiles& files) {
  WeightCheck check;
  check.prefix = find_prefix(c, files);
  check.lm_head_tied = c.tie_word_embeddings;
  std::unordered_set<std::string_view> used;
  for (auto& e : expected_tensors(c, check.prefix)) {
    if (c.quantization && is_linear(e.role)) {
      const std::string& m = c.quantization->method;
      if (auto q = m == "bitsandbytes"         ? resolve_bnb(c, files, e, used)
                   : m == "gptq" || m == "awq" ? resolve_gptq_awq(c, files, e, used)
                                               : resolve_ct_fp8(c, files, e, used)) {
        check.weights.push_back(std::move(*q));
        continue;
      }
    }
    const auto ref = files.find(e.name);
    if (!ref)
      fail("model: {}: tensor '{}' ({}{}) is not in {}", files.dir().string(), e.name,
           weight_role_name(e.role), e.layer >= 0 ? fmt::format(" of layer {}", e.layer) : "",
           searched_files(files));
    const st::TensorInfo& info = *ref->info;
    if (info.shape != e.shape)
      fail("model: {}: tensor '{}' has shape {}, config.json implies {}", ref->file->file_name(),
           e.name, st::format_shape(info.shape), st::format_shape(e.shape));
    const auto dtype = st::to_engine_dtype(info.dtype);
    if (!dtype)
      fail("model: {}: tensor '{}' has dtype {}, expected F32, F16 or BF16", ref->file->file_name(),
           e.name, st::dtype_name(info.dtype));
    used.insert(info.name);
    check.weights.push_back({std::move(e), *ref, *dtype});
  }
  for (const auto& ref : files.tensors()) {
    const std::string& name = ref.info->name;
    if (used.contains(name)) continue;
    if (known_unused(name, c) || (c.tie_word_embeddings && name == check.prefix.lm_head))
      check.ignored.push_back(name);
    else
      check.unexpected.push_back(name);
  }
  if (!check.unexpected.empty()) {
    const std::size_t shown = std::min<std::size_t>(check.unexpected.size(), 8);
    spdlog::warn("model: {}: {} tensors that a {} model does not use: {}{}", files.dir().string(),
                 check.unexpected.size(), c.model_type,
                 fmt::join(check.unexpected.begin(), check.unexpected.begin() + shown, ", "),
                 shown < check.unexpected.size() ? ", ..." : "");
  }
  return check;
}

}  // namespace vkllm::model
