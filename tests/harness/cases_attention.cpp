#include <fmt/format.h>

#include <cmath>

#include <cstring>
#include "engine/base/error.h"
#include "engine/kernels/attention.h"
#include "engine/runtime/rope_table.h"
#include "host/cpu/attention.h"
#include "host/cpu/layers.h"
#include "host/reference/attention.h"
#include "host/reference/layers.h"
#include "tests/harness/cases.h"

namespace vkllm::harness {

namespace {

// Cache rows that no append wrote hold this: a kernel reading one as a key or value
// of a visible position moves the output far off (inputs are within [-1, 1]).
constexpr float kPoison = 16.0f;
// Rows past the last position, so reads beyond it meet poison.
constexpr uint32_t kSpareRows = 5;

std::string describe(const AttentionCaseShape& a) {
  return fmt::format("{} tokens={} heads={}/{} head_dim={} pos={}{}{}{}{}{}{}", dtype_name(a.cache),
                     a.tokens, a.heads, a.kv_heads, a.head_dim, a.first_pos,
                     a.window ? fmt::format(" window={}", a.window) : "",
                     a.softcap > 0 ? fmt::format(" cap={}", a.softcap) : "",
                     a.sequences > 1 ? fmt::format(" sequences={}", a.sequences) : "",
                     a.padded ? fmt::format(" padded={}", a.padded) : "",
                     a.key_ramp > 0 ? fmt::format(" ramp={}", a.key_ramp) : "",
                     a.tensor_cores ? "" : " scalar");
}

kernels::AttentionShape engine_shape(const AttentionCaseShape& a, uint32_t max_pos) {
  float scale = a.scale > 0 ? a.scale : 1.0f / std::sqrt(float(a.head_dim));
  return {uint32_t(a.tokens),
          uint32_t(a.heads),
          uint32_t(a.kv_heads),
          uint32_t(a.head_dim),
          max_pos,
          a.window,
          scale,
          a.softcap};
}

host::ref::AttentionParams ref_params(const kernels::AttentionShape& s) {
  return {s.heads, s.kv_heads, s.head_dim, s.max_pos, s.window, double(s.scale), double(s.softcap)};
}

std::vector<uint32_t> positions(uint32_t first, size_t n) {
  std::vector<uint32_t> pos(n);
  for (size_t t = 0; t < n; ++t) pos[t] = first + uint32_t(t);
  return pos;
}

// q [tokens, heads, head_dim] scaled so that the scores spread over a few units
// (softmax neither flat nor one-hot), or over about +-30 to exercise soft-capping.
HostTensor random_q(std::mt19937& rng, const AttentionCaseShape& a) {
  return random_tensor(rng, DType::F32, a.tokens * a.heads * a.head_dim,
                       a.softcap > 0 ? 90.0f : 4.0f);
}

// Places [2, tokens] of an attention case: positions first_pos.., and each query's
// sequence's first cache row (AttentionCaseShape).
std::vector<uint32_t> case_places(const AttentionCaseShape& a, uint32_t max_pos) {
  std::vector<uint32_t> base(a.tokens);
  for (size_t t = 0; t < a.tokens; ++t)
    base[t] = uint32_t(a.sequences - 1 - t % a.sequences) * max_pos;
  std::vector<uint32_t> pos = positions(a.first_pos, a.tokens);
  for (size_t t = a.tokens - a.padded; t < a.tokens; ++t) pos[t] = max_pos + uint32_t(t);
  return host::ref::places(pos, base);
}

// Caches [sequences * max_pos, kv_heads, head_dim]: in each sequence's block the rows
// below `filled` random (row j scaled by 1 + ramp j / filled) and the rest poison.
HostTensor cache_tensor(std::mt19937& rng, DType t, size_t max_pos, size_t row, size_t filled,
                        size_t sequences = 1, float ramp = 0) {
  HostTensor c = random_tensor(rng, t, sequences * max_pos * row);
  for (size_t s = 0; s < sequences; ++s) {
    for (size_t i = 0; ramp > 0 && i < filled * row; ++i) {
      const size_t at = s * max_pos * row + i;
      c.set(at, c.get(at) * (1.0 + double(ramp) * double(i / row) / double(filled)));
    }
    for (size_t i = filled * row; i < max_pos * row; ++i) c.set(s * max_pos * row + i, kPoison);
  }
  return c;
}

// fp32 scores, exp and sums against double: errors of a few ulps per term
// (nmse ~1e-13); f16 caches are exact inputs, the reference rounds them the same way.
constexpr double kAttentionBound = 1e-10;

}  // namespace

static host::cpu::AttentionParams cpu_params(const kernels::AttentionShape& s, DType cache) {
  return {s.tokens, s.heads, s.kv_heads, s.head_dim, s.max_pos,
          s.window, s.scale, s.softcap,  cache};
}

OpCase kv_append_case(std::mt19937& rng, DType cache, size_t tokens, size_t kv_heads,
                      size_t head_dim, uint32_t first_pos, size_t sequences) {
  OpCase c;
  c.op = "kv_append";
  c.shape = fmt::format("{} tokens={} kv_heads={} head_dim={} pos={} sequences={}",
                        dtype_name(cache), tokens, kv_heads, head_dim, first_pos, sequences);
  const size_t row = kv_heads * head_dim;
  const uint32_t max_pos = first_pos + uint32_t(tokens) + kSpareRows;
  std::vector<uint32_t> pos(tokens);  // a permutation: rows in any order
  for (size_t t = 0; t < tokens; ++t) pos[t] = first_pos + uint32_t((t * 7) % tokens);
  if (tokens % 7 == 0) pos = positions(first_pos, tokens);
  std::vector<uint32_t> base(tokens);
  for (size_t t = 0; t < tokens; ++t) base[t] = uint32_t(t % sequences) * max_pos;
  const size_t rows = sequences * max_pos;
  c.inputs.push_back(random_tensor(rng, DType::F32, tokens * row));
  c.inputs.push_back(random_tensor(rng, DType::F32, tokens * row));
  c.inputs.push_back(HostTensor::from_u32(host::ref::places(pos, base)));
  c.inputs.push_back(cache_tensor(rng, cache, rows, row, rows));  // earlier contents
  c.inputs.push_back(cache_tensor(rng, cache, rows, row, rows));
  c.outputs.push_back({cache, rows * row});
  c.outputs.push_back({cache, rows * row});
  kernels::AttentionShape shape{uint32_t(tokens),
                                uint32_t(kv_heads),
                                uint32_t(kv_heads),
                                uint32_t(head_dim),
                                max_pos,
                                0,
                                1.0f,
                                0.0f};
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    s.copy_range(in[3], out[0], in[3].size);
    s.copy_range(in[4], out[1], in[4].size);
    s.barrier();
    kernels::kv_append(s, {cache}, shape, in[0], in[1], in[2], out[0], out[1]);
  };
  c.cpu = [=](host::cpu::Cpu&, auto in, auto out) {
    std::memcpy(out[0], in[3], rows * row * dtype_size(cache));
    std::memcpy(out[1], in[4], rows * row * dtype_size(cache));
    host::cpu::kv_append(cpu_params(shape, cache), reinterpret_cast<const float*>(in[0]),
                         reinterpret_cast<const float*>(in[1]),
                         reinterpret_cast<const uint32_t*>(in[2]), out[0], out[1]);
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    HostTensor k = in[3], v = in[4];
    host::ref::kv_append(k, v, in[0], in[1], in[2].to_u32(), kv_heads, head_dim, max_pos);
    return std::vector<HostTensor>{k, v};
  };
  c.max_nmse = 0;  // one rounding to the cache type, as the reference does it
  c.bytes = double(tokens * row * 2 * (4 + dtype_size(cache)));
  c.write_bound = true;
  return c;
}

OpCase rope_append_case(std::mt19937& rng, DType cache, size_t tokens, size_t heads,
                        size_t kv_heads, size_t head_dim, size_t rot, uint32_t first_pos,
                        size_t sequences) {
  OpCase c;
  c.op = "rope_append";
  c.shape =
      fmt::format("{} tokens={} heads={}/{} head_dim={} rot={} pos={} sequences={}",
                  dtype_name(cache), tokens, heads, kv_heads, head_dim, rot, first_pos, sequences);
  const size_t qrow = heads * head_dim, row = kv_heads * head_dim;
  const uint32_t max_pos = first_pos + uint32_t(tokens) + kSpareRows;
  std::vector<double> inv_freq(rot / 2);
  for (size_t i = 0; i < inv_freq.size(); ++i)
    inv_freq[i] = std::pow(10000.0, -double(2 * i) / double(rot));
  const RopeTable table = make_rope_table(inv_freq, max_pos, 1.0);
  std::vector<uint32_t> pos(tokens);  // a permutation: rows in any order
  for (size_t t = 0; t < tokens; ++t) pos[t] = first_pos + uint32_t((t * 7) % tokens);
  if (tokens % 7 == 0) pos = positions(first_pos, tokens);
  std::vector<uint32_t> base(tokens);
  for (size_t t = 0; t < tokens; ++t) base[t] = uint32_t(t % sequences) * max_pos;
  const size_t rows = sequences * max_pos;
  c.inputs.push_back(random_tensor(rng, DType::F32, tokens * qrow));
  c.inputs.push_back(random_tensor(rng, DType::F32, tokens * row));
  c.inputs.push_back(random_tensor(rng, DType::F32, tokens * row));
  c.inputs.push_back(HostTensor::from_u32(host::ref::places(pos, base)));
  HostTensor cos_t(DType::F32, table.cos.size()), sin_t(DType::F32, table.sin.size());
  for (size_t i = 0; i < table.cos.size(); ++i) {
    cos_t.set(i, table.cos[i]);
    sin_t.set(i, table.sin[i]);
  }
  c.inputs.push_back(cos_t);
  c.inputs.push_back(sin_t);
  c.inputs.push_back(cache_tensor(rng, cache, rows, row, rows));  // earlier contents
  c.inputs.push_back(cache_tensor(rng, cache, rows, row, rows));
  c.outputs.push_back({DType::F32, tokens * qrow});
  c.outputs.push_back({cache, rows * row});
  c.outputs.push_back({cache, rows * row});
  const kernels::AttentionShape shape{uint32_t(tokens),
                                      uint32_t(heads),
                                      uint32_t(kv_heads),
                                      uint32_t(head_dim),
                                      max_pos,
                                      0,
                                      1.0f,
                                      0.0f};
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    s.copy_range(in[6], out[1], in[6].size);
    s.copy_range(in[7], out[2], in[7].size);
    s.barrier();
    kernels::rope_append(s, {cache}, shape, uint32_t(rot), max_pos, in[0], in[1], in[2], in[3],
                         in[4], in[5], out[0], out[1], out[2]);
  };
  // The CPU backend composes its rope and kv_append (graph::ops::rope_append).
  c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
    auto f = [](std::byte* p) { return reinterpret_cast<float*>(p); };
    const auto* places = reinterpret_cast<const uint32_t*>(in[3]);
    std::memcpy(out[1], in[6], rows * row * dtype_size(cache));
    std::memcpy(out[2], in[7], rows * row * dtype_size(cache));
    host::cpu::rope(cpu, f(in[0]), places, f(in[4]), f(in[5]), f(out[0]), tokens, heads, head_dim,
                    rot, max_pos);
    std::vector<float> kr(tokens * row);
    host::cpu::rope(cpu, f(in[1]), places, f(in[4]), f(in[5]), kr.data(), tokens, kv_heads,
                    head_dim, rot, max_pos);
    host::cpu::kv_append(cpu_params(shape, cache), kr.data(), f(in[2]), places, out[1], out[2]);
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    const std::vector<uint32_t> p = in[3].to_u32();
    const std::vector<uint32_t> at(p.begin(), p.begin() + long(tokens));
    HostTensor q = host::ref::rope(in[0], at, inv_freq, heads, head_dim, 1.0);
    HostTensor k = host::ref::rope(in[1], at, inv_freq, kv_heads, head_dim, 1.0);
    HostTensor kc = in[6], vc = in[7];
    host::ref::kv_append(kc, vc, k, in[2], p, kv_heads, head_dim, max_pos);
    return std::vector<HostTensor>{q, kc, vc};
  };
  // f32 rotation against double (rope's bound); the caches take one more rounding
  // to f16, where the reference's double and the kernel's f32 may round apart.
  c.max_nmse = cache == DType::F16 ? 1e-7 : 1e-11;
  c.bytes = double(tokens * (qrow * 8 + row * 2 * (4 + dtype_size(cache))));
  c.write_bound = true;
  return c;
}

OpCase attention_prefill_case(std::mt19937& rng, const AttentionCaseShape& a, bool with_append) {
  OpCase c;
  c.op = "attention_prefill";
  c.shape = describe(a) + (with_append ? " +append" : "");
  const size_t row = a.kv_heads * a.head_dim;
  const uint32_t end = a.first_pos + uint32_t(a.tokens);
  const uint32_t max_pos = end + kSpareRows;
  const kernels::AttentionShape shape = engine_shape(a, max_pos);
  const kernels::AttentionKey key{a.cache, a.tensor_cores};
  const auto params = ref_params(shape);
  const size_t out_n = a.tokens * a.heads * a.head_dim;
  // Inputs: q, positions, then the caches (random up to the last position), or with
  // the append: k, v of this chunk and of the previous one, both appended in the launch.
  if (with_append && a.sequences > 1) fail("attention_prefill_case: +append takes one sequence");
  c.inputs.push_back(random_q(rng, a));
  c.inputs.push_back(HostTensor::from_u32(case_places(a, max_pos)));
  c.outputs.push_back({DType::F32, out_n});
  double visible = 0;  // (query, key) pairs
  for (uint32_t p = a.first_pos; p < end; ++p)
    visible += a.window > 0 ? std::min<double>(a.window, p + 1) : p + 1;
  c.flops = 4.0 * visible * double(a.heads * a.head_dim);
  c.bytes = double(out_n * 8 + 2 * end * row * dtype_size(a.cache));
  c.max_nmse = kAttentionBound;
  // On tensor cores q and the softmax weights are rounded to f16 (relative 2^-11):
  // a score s moves by about 2^-12 |s|, which moves the output by about that much
  // times the spread of the values; soft-capped cases have scores in the tens.
  c.device_bound = [key, shape, bound = a.softcap > 0 ? 1e-4 : 1e-5](const vk::DeviceInfo& d) {
    return kernels::attention_prefill_coopmat(d, key, shape) ? bound : kAttentionBound;
  };

  if (!with_append) {
    c.inputs.push_back(cache_tensor(rng, a.cache, max_pos, row, end, a.sequences, a.key_ramp));
    c.inputs.push_back(cache_tensor(rng, a.cache, max_pos, row, end, a.sequences));
    c.launch = [=](vk::Stream& s, auto in, auto out) {
      kernels::attention_prefill(s, key, shape, in[0], in[2], in[3], in[1], out[0]);
    };
    c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
      host::cpu::attention(cpu, cpu_params(shape, a.cache), reinterpret_cast<const float*>(in[0]),
                           in[2], in[3], reinterpret_cast<const uint32_t*>(in[1]),
                           reinterpret_cast<float*>(out[0]));
    };
    c.reference = [=](const std::vector<HostTensor>& in) {
      return std::vector<HostTensor>{
          host::ref::attention(in[0], in[2], in[3], in[1].to_u32(), params)};
    };
    return c;
  }

  // Inputs 2..4: this chunk's k, v and the caches' earlier contents (all poison);
  // 5..7: the previous chunk's k, v and positions when first_pos > 0.
  c.inputs.push_back(random_tensor(rng, DType::F32, a.tokens * row));
  c.inputs.push_back(random_tensor(rng, DType::F32, a.tokens * row));
  c.inputs.push_back(cache_tensor(rng, a.cache, max_pos, row, 0));
  const bool previous = a.first_pos > 0;
  if (previous) {
    c.inputs.push_back(random_tensor(rng, DType::F32, a.first_pos * row));
    c.inputs.push_back(random_tensor(rng, DType::F32, a.first_pos * row));
    c.inputs.push_back(HostTensor::from_u32(host::ref::places(positions(0, a.first_pos))));
  }
  c.outputs.push_back({a.cache, max_pos * row});
  c.outputs.push_back({a.cache, max_pos * row});
  kernels::AttentionShape prev_shape = shape;
  prev_shape.tokens = a.first_pos;
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    s.copy_range(in[4], out[1], in[4].size);
    s.copy_range(in[4], out[2], in[4].size);
    s.barrier();
    if (previous) kernels::kv_append(s, key, prev_shape, in[5], in[6], in[7], out[1], out[2]);
    kernels::kv_append(s, key, shape, in[2], in[3], in[1], out[1], out[2]);
    s.barrier();
    kernels::attention_prefill(s, key, shape, in[0], out[1], out[2], in[1], out[0]);
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    HostTensor k = in[4], v = in[4];
    if (previous)
      host::ref::kv_append(k, v, in[5], in[6], in[7].to_u32(), a.kv_heads, a.head_dim, max_pos);
    host::ref::kv_append(k, v, in[2], in[3], in[1].to_u32(), a.kv_heads, a.head_dim, max_pos);
    return std::vector<HostTensor>{host::ref::attention(in[0], k, v, in[1].to_u32(), params), k, v};
  };
  return c;
}

OpCase attention_decode_case(std::mt19937& rng, const AttentionCaseShape& a, uint32_t splits) {
  OpCase c;
  c.op = "attention_decode";
  const size_t row = a.kv_heads * a.head_dim;
  const uint32_t end = a.first_pos + uint32_t(a.tokens);
  const uint32_t max_pos = end + kSpareRows;
  if (splits == 0) splits = kernels::decode_splits(max_pos, uint32_t(a.tokens), uint32_t(a.heads));
  c.shape = describe(a) + fmt::format(" splits={}", splits);
  const kernels::AttentionShape shape = engine_shape(a, max_pos);
  const kernels::AttentionKey key{a.cache};
  const auto params = ref_params(shape);
  c.inputs.push_back(random_q(rng, a));
  c.inputs.push_back(HostTensor::from_u32(case_places(a, max_pos)));
  c.inputs.push_back(cache_tensor(rng, a.cache, max_pos, row, end, a.sequences));
  c.inputs.push_back(cache_tensor(rng, a.cache, max_pos, row, end, a.sequences));
  const size_t out_n = a.tokens * a.heads * a.head_dim;
  // The partial results are outputs too: their layout is part of the kernel's contract.
  c.outputs.push_back({DType::F32, out_n});
  c.outputs.push_back({DType::F32, kernels::decode_partial_o_floats(shape, splits)});
  c.outputs.push_back({DType::F32, kernels::decode_partial_ml_floats(shape, splits)});
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::attention_decode(s, key, shape, splits, in[0], in[2], in[3], in[1], out[1], out[2],
                              out[0]);
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    auto pos = in[1].to_u32();
    auto parts = host::ref::attention_partials(in[0], in[2], in[3], pos, params, splits);
    return std::vector<HostTensor>{host::ref::attention(in[0], in[2], in[3], pos, params), parts.o,
                                   parts.ml};
  };
  c.max_nmse = kAttentionBound;
  double visible = 0;
  for (uint32_t p = a.first_pos; p < end; ++p)
    visible += a.window > 0 ? std::min<double>(a.window, p + 1) : p + 1;
  c.flops = 4.0 * visible * double(a.heads * a.head_dim);
  c.bytes = double(2 * end * row * dtype_size(a.cache) + out_n * 8);
  return c;
}

}  // namespace vkllm::harness
