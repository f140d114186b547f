#include "loaders/model/rope.h"

#include <cmath>
#include <numbers>

#include "engine/base/error.h"

namespace vkllm::model {

std::string_view rope_type_name(RopeType t) {
  switch (t) {
    case RopeType::Default:
      return "default";
    case RopeType::Linear:
      return "linear";
    case RopeType::Llama3:
      return "llama3";
    case RopeType::LongRope:
      return "longrope";
  }
  return "?";
}

namespace {

double required(const Field<double>& f, const RopeContext& ctx, std::string_view type,
                const char* name) {
  if (!f.set())
    fail("{}: {}.{} is missing; rope_type '{}' needs it", ctx.file, ctx.field, name, type);
  return f.value;
}

}  // namespace

RopeConfig normalize_rope(const RawRope* s, double theta, const RopeContext& ctx) {
  RopeConfig r;
  std::string type = "default";
  if (s && s->rope_type.set())
    type = s->rope_type.value;
  else if (s && s->type.set())
    type = s->type.value;
  if (type == "su") type = "longrope";  // Phi-3's early name for it
  if (s && s->rope_theta.set()) theta = s->rope_theta.value;
  if (!(theta > 0)) fail("{}: {} rope_theta is {}, expected > 0", ctx.file, ctx.field, theta);
  r.theta = theta;
  const double partial = s && s->partial_rotary_factor.set() ? s->partial_rotary_factor.value
                                                             : ctx.partial_rotary_factor;
  if (!(partial > 0 && partial <= 1))
    fail("{}: partial_rotary_factor is {}, expected in (0, 1]", ctx.file, partial);
  r.rotary_dim = static_cast<std::int64_t>(static_cast<double>(ctx.head_dim) * partial);
  if (r.rotary_dim < 2 || r.rotary_dim % 2)
    fail(
        "{}: rotary dimension head_dim {} x partial_rotary_factor {} = {}, expected an even number",
        ctx.file, ctx.head_dim, partial, r.rotary_dim);

  if (type == "default") {
    r.type = RopeType::Default;
  } else if (type == "linear") {
    r.type = RopeType::Linear;
    r.factor = required(s->factor, ctx, type, "factor");
  } else if (type == "llama3") {
    r.type = RopeType::Llama3;
    r.factor = required(s->factor, ctx, type, "factor");
    r.low_freq_factor = required(s->low_freq_factor, ctx, type, "low_freq_factor");
    r.high_freq_factor = required(s->high_freq_factor, ctx, type, "high_freq_factor");
    if (!s->original_max_position_embeddings.set())
      fail("{}: {}.original_max_position_embeddings is missing; rope_type 'llama3' needs it",
           ctx.file, ctx.field);
    r.original_max_position_embeddings = s->original_max_position_embeddings.value;
    if (!(r.high_freq_factor > r.low_freq_factor))
      fail("{}: {}.high_freq_factor {} must exceed low_freq_factor {}", ctx.file, ctx.field,
           r.high_freq_factor, r.low_freq_factor);
  } else if (type == "longrope") {
    r.type = RopeType::LongRope;
    if (!s->short_factor.set() || !s->long_factor.set())
      fail("{}: {} needs short_factor and long_factor for rope_type 'longrope'", ctx.file,
           ctx.field);
    r.short_factor = s->short_factor.value;
    r.long_factor = s->long_factor.value;
    const auto half = static_cast<std::size_t>(r.rotary_dim / 2);
    if (r.short_factor.size() != half || r.long_factor.size() != half)
      fail("{}: {}.short_factor has {} and long_factor {} values, expected rotary_dim / 2 = {}",
           ctx.file, ctx.field, r.short_factor.size(), r.long_factor.size(), half);
    // Phi-3 keeps original_max_position_embeddings at the top level and derives the
    // factor from it, as transformers does.
    std::int64_t original = ctx.original_max_position_embeddings;
    if (s->original_max_position_embeddings.set())
      original = s->original_max_position_embeddings.value;
    double factor = s->factor.value_or(1.0);
    if (original > 0)
      factor = static_cast<double>(ctx.max_position_embeddings) / static_cast<double>(original);
    else
      original = ctx.max_position_embeddings;
    r.original_max_position_embeddings = original;
    r.factor = factor;
    if (s->attention_factor.set())
      r.attention_factor = s->attention_factor.value;
    else if (factor > 1.0)
      r.attention_factor =
          std::sqrt(1.0 + std::log(factor) / std::log(static_cast<double>(original)));
  } else {
    fail(
        "{}: {}.rope_type is '{}', which vkllm does not support (supported: default, linear, "
        "llama3, longrope)",
        ctx.file, ctx.field, type);
  }
  if (r.type != RopeType::Default && r.type != RopeType::LongRope && !(r.factor > 0))
    fail("{}: {}.factor is {}, expected > 0", ctx.file, ctx.field, r.factor);
  return r;
}

std::vector<double> rope_inv_freq(const RopeConfig& r, std::int64_t seq_len) {
  const std::int64_t half = r.rotary_dim / 2;
  std::vector<double> inv(static_cast<std::size_t>(half));
  for (std::int64_t i = 0; i < half; ++i)
    inv[i] =
        1.0 / std::pow(r.theta, static_cast<double>(2 * i) / static_cast<double>(r.rotary_dim));
  switch (r.type) {
    case RopeType::Default:
      break;
    case RopeType::Linear:
      for (auto& f : inv) f /= r.factor;
      break;
    case RopeType::Llama3: {
      const double old_ctx = static_cast<double>(r.original_max_position_embeddings);
      const double low_wavelen = old_ctx / r.low_freq_factor;
      const double high_wavelen = old_ctx / r.high_freq_factor;
      for (auto& f : inv) {
        const double wavelen = 2 * std::numbers::pi / f;
        if (wavelen > low_wavelen) {
          f /= r.factor;
        } else if (wavelen >= high_wavelen) {  // between: interpolate
          const double smooth =
              (old_ctx / wavelen - r.low_freq_factor) / (r.high_freq_factor - r.low_freq_factor);
          f = (1 - smooth) * f / r.factor + smooth * f;
        }
      }
      break;
    }
    case RopeType::LongRope: {
      const auto& ext =
          seq_len > r.original_max_position_embeddings ? r.long_factor : r.short_factor;
      for (std::int64_t i = 0; i < half; ++i) inv[i] /= ext[i];
      break;
    }
  }
  return inv;
}

}  // namespace vkllm::model
