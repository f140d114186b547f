#include <fmt/format.h>

#include <cmath>

#include <cstring>
#include "engine/kernels/activation.h"
#include "engine/kernels/embedding.h"
#include "engine/kernels/norm.h"
#include "engine/kernels/reduce.h"
#include "engine/kernels/rope.h"
#include "engine/runtime/rope_table.h"
#include "host/cpu/layers.h"
#include "host/reference/layers.h"
#include "tests/harness/cases.h"

namespace vkllm::harness {

// f32 math against double references: a few ulps per element, so nmse ~1e-13;
// the bounds leave room for summation order (norms) and exp/tanh (activations).
OpCase rmsnorm_case(std::mt19937& rng, DType w, size_t rows, size_t n, bool add_one) {
  OpCase c;
  c.op = "rmsnorm";
  c.shape = fmt::format("{} rows={} n={}{}", dtype_name(w), rows, n, add_one ? " 1+w" : "");
  c.inputs.push_back(random_tensor(rng, DType::F32, rows * n, 3.0f));
  c.inputs.push_back(random_tensor(rng, w, n));
  c.outputs.push_back({DType::F32, rows * n});
  const float eps = 1e-6f;
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::rmsnorm(s, {w, add_one}, in[0], in[1], out[0], uint32_t(rows), uint32_t(n), eps);
  };
  c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
    host::cpu::rmsnorm(cpu, w, in[1], add_one, reinterpret_cast<const float*>(in[0]),
                       reinterpret_cast<float*>(out[0]), rows, n, eps);
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{host::ref::rmsnorm(in[0], in[1], rows, n, eps, add_one)};
  };
  c.max_nmse = 1e-11;
  c.bytes = double(rows * n * 8 + n * dtype_size(w));
  c.write_bound = true;
  return c;
}

OpCase rope_case(std::mt19937& rng, size_t tokens, size_t heads, size_t head_dim, size_t rot,
                 uint32_t first_pos) {
  OpCase c;
  c.op = "rope";
  c.shape = fmt::format("tokens={} heads={} head_dim={} rot={} pos={}", tokens, heads, head_dim,
                        rot, first_pos);
  std::vector<double> inv_freq(rot / 2);
  for (size_t i = 0; i < inv_freq.size(); ++i)
    inv_freq[i] = std::pow(500000.0, -double(2 * i) / double(rot));
  const uint32_t max_pos = first_pos + uint32_t(tokens) + 3;
  RopeTable table = make_rope_table(inv_freq, max_pos, 1.0);
  std::vector<uint32_t> pos(tokens);
  for (size_t t = 0; t < tokens; ++t) pos[t] = first_pos + uint32_t((t * 7) % tokens);
  c.inputs.push_back(random_tensor(rng, DType::F32, tokens * heads * head_dim));
  c.inputs.push_back(HostTensor::from_u32(pos));
  HostTensor cos_t(DType::F32, table.cos.size()), sin_t(DType::F32, table.sin.size());
  for (size_t i = 0; i < table.cos.size(); ++i) {
    cos_t.set(i, table.cos[i]);
    sin_t.set(i, table.sin[i]);
  }
  c.inputs.push_back(cos_t);
  c.inputs.push_back(sin_t);
  c.outputs.push_back({DType::F32, tokens * heads * head_dim});
  kernels::RopeShape shape{uint32_t(tokens), uint32_t(heads), uint32_t(head_dim), uint32_t(rot),
                           max_pos};
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::rope(s, shape, in[0], in[1], in[2], in[3], out[0]);
  };
  c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
    host::cpu::rope(cpu, reinterpret_cast<const float*>(in[0]),
                    reinterpret_cast<const uint32_t*>(in[1]), reinterpret_cast<const float*>(in[2]),
                    reinterpret_cast<const float*>(in[3]), reinterpret_cast<float*>(out[0]), tokens,
                    heads, head_dim, rot, max_pos);
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{
        host::ref::rope(in[0], in[1].to_u32(), inv_freq, heads, head_dim, 1.0)};
  };
  c.max_nmse = 1e-11;
  c.bytes = double(tokens * heads * head_dim * 8);
  c.write_bound = true;
  return c;
}

OpCase gated_case(std::mt19937& rng, kernels::Activation act, size_t rows, size_t n, bool fused) {
  OpCase c;
  c.op = act == kernels::Activation::SiLU ? "silu_mul" : "gelu_tanh_mul";
  c.shape = fmt::format("rows={} n={}{}", rows, n, fused ? " fused" : "");
  size_t stride = fused ? 2 * n : n, up_offset = fused ? n : 0;
  c.inputs.push_back(random_tensor(rng, DType::F32, rows * stride, 6.0f));
  if (!fused) c.inputs.push_back(random_tensor(rng, DType::F32, rows * n, 2.0f));
  c.outputs.push_back({DType::F32, rows * n});
  kernels::GatedShape shape{uint32_t(rows), uint32_t(n), uint32_t(stride), uint32_t(up_offset)};
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::gated_activation(s, act, shape, in[0], fused ? in[0] : in[1], out[0]);
  };
  // The CPU kernel takes gate and up apart (the graph never fuses them there).
  if (!fused)
    c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
      host::cpu::gated(
          cpu, act == kernels::Activation::SiLU ? host::cpu::Gate::SiLU : host::cpu::Gate::GeluTanh,
          reinterpret_cast<const float*>(in[0]), reinterpret_cast<const float*>(in[1]),
          reinterpret_cast<float*>(out[0]), rows, n);
    };
  c.reference = [=](const std::vector<HostTensor>& in) {
    auto a = act == kernels::Activation::SiLU ? host::ref::Act::SiLU : host::ref::Act::GeluTanh;
    return std::vector<HostTensor>{
        host::ref::gated(a, in[0], fused ? in[0] : in[1], rows, n, stride, up_offset)};
  };
  c.max_nmse = 1e-11;
  c.bytes = double(rows * n * 12);
  c.write_bound = true;
  return c;
}

OpCase embed_case(std::mt19937& rng, DType table_type, size_t vocab, size_t hidden, size_t tokens,
                  float scale) {
  OpCase c;
  c.op = "embed";
  c.shape = fmt::format("{} vocab={} hidden={} tokens={} scale={}", dtype_name(table_type), vocab,
                        hidden, tokens, scale);
  std::vector<uint32_t> ids(tokens);
  for (auto& id : ids) id = uint32_t(rng() % vocab);
  ids.back() = uint32_t(vocab - 1);
  c.inputs.push_back(HostTensor::from_u32(ids));
  c.inputs.push_back(random_tensor(rng, table_type, vocab * hidden));
  c.outputs.push_back({DType::F32, tokens * hidden});
  kernels::EmbedShape shape{uint32_t(tokens), uint32_t(hidden), uint32_t(vocab), scale};
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::embed(s, table_type, shape, in[0], in[1], out[0]);
  };
  c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
    host::cpu::embed(cpu, table_type, in[1], reinterpret_cast<const uint32_t*>(in[0]), tokens,
                     hidden, vocab, scale, reinterpret_cast<float*>(out[0]));
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{host::ref::embed(in[0].to_u32(), in[1], hidden, scale)};
  };
  c.max_nmse = 1e-13;  // one rounding of a product
  c.bytes = double(tokens * hidden * (dtype_size(table_type) + 4));
  c.write_bound = true;
  return c;
}

OpCase bias_case(std::mt19937& rng, DType b, size_t rows, size_t n) {
  OpCase c;
  c.op = "add_bias";
  c.shape = fmt::format("{} rows={} n={}", dtype_name(b), rows, n);
  c.inputs.push_back(random_tensor(rng, DType::F32, rows * n));
  c.inputs.push_back(random_tensor(rng, b, n));
  c.outputs.push_back({DType::F32, rows * n});
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    s.copy_range(in[0], out[0], in[0].size);
    s.barrier();
    kernels::add_bias(s, b, out[0], in[1], uint32_t(rows), uint32_t(n));
  };
  c.cpu = [=](host::cpu::Cpu&, auto in, auto out) {
    std::memcpy(out[0], in[0], rows * n * 4);
    host::cpu::add_bias(b, in[1], reinterpret_cast<float*>(out[0]), rows, n);
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{host::ref::add_bias(in[0], in[1], rows, n)};
  };
  c.max_nmse = 1e-13;  // one rounding of a sum
  c.bytes = double(rows * n * 8);
  c.write_bound = true;
  return c;
}

OpCase softcap_case(std::mt19937& rng, size_t n, float cap) {
  OpCase c;
  c.op = "softcap";
  c.shape = fmt::format("n={} cap={}", n, cap);
  c.inputs.push_back(random_tensor(rng, DType::F32, n, 3.0f * cap));
  c.outputs.push_back({DType::F32, n});
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    s.copy_range(in[0], out[0], in[0].size);
    s.barrier();
    kernels::softcap(s, out[0], uint32_t(n), cap);
  };
  c.cpu = [=](host::cpu::Cpu&, auto in, auto out) {
    std::memcpy(out[0], in[0], n * 4);
    host::cpu::softcap(reinterpret_cast<float*>(out[0]), n, cap);
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{host::ref::softcap(in[0], cap)};
  };
  c.max_nmse = 1e-11;
  c.bytes = double(n * 8);
  c.write_bound = true;
  return c;
}

OpCase argmax_case(std::mt19937& rng, size_t rows, size_t n, bool ties) {
  OpCase c;
  c.op = "argmax";
  c.shape = fmt::format("rows={} n={}{}", rows, n, ties ? " ties" : "");
  HostTensor x = random_tensor(rng, DType::F32, rows * n);
  if (ties)  // the maximum appears twice in each row: the first must win
    for (size_t r = 0; r < rows; ++r) {
      x.set(r * n + (r * 13) % n, 5.0f);
      x.set(r * n + n - 1 - (r % 2), 5.0f);
    }
  // Rows without an answer (every fourth): a NaN, a +inf, only -inf.
  for (size_t r = 3; r < rows; r += 4) {
    const size_t kind = (r / 4) % 3;
    if (kind == 2)
      for (size_t i = 0; i < n; ++i) x.set(r * n + i, -INFINITY);
    else
      x.set(r * n + (r * 7) % n, kind == 0 ? NAN : INFINITY);
  }
  c.inputs.push_back(x);
  c.outputs.push_back({DType::U32, rows});
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::argmax(s, in[0], out[0], uint32_t(rows), uint32_t(n));
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{HostTensor::from_u32(host::ref::argmax(in[0], rows, n))};
  };
  c.max_nmse = 0;
  c.bytes = double(rows * n * 4);
  return c;
}

}  // namespace vkllm::harness
