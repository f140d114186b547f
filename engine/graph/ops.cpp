#include "engine/graph/ops.h"

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "engine/base/error.h"
#include "engine/base/half.h"
#include "engine/kernels/elementwise.h"
#include "engine/kernels/embedding.h"
#include "engine/kernels/lora.h"
#include "engine/kernels/matmul.h"
#include "engine/kernels/matvec.h"
#include "engine/kernels/norm.h"
#include "engine/kernels/quant.h"
#include "engine/kernels/reduce.h"
#include "engine/kernels/rope.h"
#include "host/cpu/attention.h"
#include "host/cpu/layers.h"
#include "host/cpu/linear.h"

namespace vkllm::graph::ops {

namespace {

uint64_t rows_of(const Tensor& t) {
  return t.elements() / t.shape.back();
}

namespace cpu = host::cpu;

float* f32(std::byte* p) {
  return reinterpret_cast<float*>(p);
}
const uint32_t* u32(std::byte* p) {
  return reinterpret_cast<const uint32_t*>(p);
}

void expect_f32(const Tensor& t, const char* op) {
  if (t.dtype != DType::F32)
    fail("graph: {} takes f32 activations, '{}' is {}", op, t.name, dtype_name(t.dtype));
}

}  // namespace

TensorId embed(GraphBuilder& g, std::string name, TensorId table, TensorId ids, float scale) {
  const Tensor &tt = g.tensor(table), &it = g.tensor(ids);
  const uint32_t tokens = uint32_t(it.elements()), hidden = uint32_t(tt.shape[1]);
  kernels::EmbedShape shape{tokens, hidden, uint32_t(tt.shape[0]), scale};
  const DType dtype = tt.dtype;
  TensorId y = g.activation(std::move(name), DType::F32, {tokens, hidden});
  g.op(
      "embed", {ids, table}, {y},
      [=](vk::Stream& s, auto in, auto out) {
        kernels::embed(s, dtype, shape, in[0], in[1], out[0]);
      },
      [=](cpu::Cpu& c, auto in, auto out) {
        cpu::embed(c, dtype, in[1], u32(in[0]), shape.tokens, shape.hidden, shape.vocab,
                   shape.scale, f32(out[0]));
      });
  return y;
}

TensorId rms_norm(GraphBuilder& g, std::string name, TensorId x, TensorId w, float eps,
                  bool add_one, uint32_t n) {
  const Tensor &xt = g.tensor(x), &wt = g.tensor(w);
  expect_f32(xt, "rms_norm");
  if (n == 0) n = uint32_t(xt.shape.back());
  const uint32_t rows = uint32_t(xt.elements() / n);
  if (wt.elements() != n)
    fail("graph: norm weight '{}' has {} elements, '{}' rows have {}", wt.name, wt.elements(),
         xt.name, n);
  const kernels::RmsNormKey key{wt.dtype, add_one};
  TensorId y = g.activation(std::move(name), DType::F32, xt.shape);
  g.op(
      "rmsnorm", {x, w}, {y},
      [=](vk::Stream& s, auto in, auto out) {
        kernels::rmsnorm(s, key, in[0], in[1], out[0], rows, n, eps);
      },
      [=](cpu::Cpu& c, auto in, auto out) {
        cpu::rmsnorm(c, key.weight, in[1], add_one, f32(in[0]), f32(out[0]), rows, n, eps);
      });
  return y;
}

namespace {

// The CPU kernel of every Linear path (matvec, matmul, split-K, quantized): inputs
// x, W (and the residual r), output y first.
HostKernel cpu_linear(DType wtype, std::optional<QuantFormat> q, uint32_t t, uint32_t n, uint32_t k,
                      bool residual) {
  return [=](cpu::Cpu& c, auto in, auto out) {
    cpu::linear(c, {in[1], wtype, q}, f32(in[0]), residual ? f32(in[2]) : nullptr, f32(out[0]), t,
                n, k);
  };
}

// Checks x [t, k] against w [n, k]; returns {t, n, k}.
std::array<uint32_t, 3> linear_dims(GraphBuilder& g, const std::string& name, TensorId x,
                                    TensorId w) {
  const Tensor &xt = g.tensor(x), &wt = g.tensor(w);
  expect_f32(xt, "linear");
  const uint32_t k = uint32_t(xt.shape.back()), t = uint32_t(rows_of(xt));
  if (wt.shape.size() != 2 || wt.shape[1] != k)
    fail("graph: linear '{}': weight '{}' is [{}, {}], input rows have {} features", name, wt.name,
         wt.shape[0], wt.shape.size() > 1 ? wt.shape[1] : 0, k);
  return {t, uint32_t(wt.shape[0]), k};
}

}  // namespace

TensorId linear(GraphBuilder& g, std::string name, TensorId x, TensorId w,
                kernels::MatmulPrecision precision) {
  const auto [t, n, k] = linear_dims(g, name, x, w);
  const DType wtype = g.tensor(w).dtype;
  TensorId y = g.activation(std::move(name), DType::F32, {t, n});
  if (const auto q = g.tensor(w).quant) {
    kernels::check_quant_shape(*q, k, g.tensor(w).name.c_str());
    if (t == 1) {
      g.op(
          "matvec_quant", {x, w}, {y},
          [=](vk::Stream& s, auto in, auto out) {
            kernels::matvec_quant(s, *q, in[1], in[0], nullptr, out[0], n, k, precision);
          },
          cpu_linear(wtype, q, t, n, k, false));
    } else {
      g.op(
          "matmul_quant", {x, w}, {y},
          [=](vk::Stream& s, auto in, auto out) {
            kernels::matmul_quant(s, *q, kernels::matmul_quant_path(s.device().info(), precision),
                                  in[0], in[1], out[0], t, n, k);
          },
          cpu_linear(wtype, q, t, n, k, false));
    }
    return y;
  }
  // A few rows (a batched decode step, a short prefill chunk): each weight read once
  // for all of them by the matvec; more: the matmul.
  if (t <= kernels::kMatvecBatchLimit) {
    const kernels::MatvecKey key = kernels::matvec_key(wtype, k, {}, t);
    g.op(
        "matvec", {x, w}, {y},
        [=](vk::Stream& s, auto in, auto out) {
          kernels::matvec(s, key, in[1], in[0], out[0], n, k);
        },
        cpu_linear(wtype, {}, t, n, k, false));
  } else if (const uint32_t splits = kernels::matmul_splits(t, n, k); splits > 1) {
    // Partial sums for split K, used where the device takes the tensor-core path.
    TensorId part = g.activation(g.tensor(y).name + ".partial", DType::F32, {splits, t, n});
    g.op(
        "matmul", {x, w}, {y, part},
        [=](vk::Stream& s, auto in, auto out) {
          const auto key = kernels::matmul_key(s.device().info(), wtype, precision);
          if (key.path == kernels::MatmulPath::Coopmat)
            kernels::matmul_split(s, key, in[0], in[1], out[1], out[0], t, n, k, splits);
          else
            kernels::matmul(s, key, in[0], in[1], out[0], t, n, k);
        },
        cpu_linear(wtype, {}, t, n, k, false));
  } else {
    g.op(
        "matmul", {x, w}, {y},
        [=](vk::Stream& s, auto in, auto out) {
          kernels::matmul(s, kernels::matmul_key(s.device().info(), wtype, precision), in[0], in[1],
                          out[0], t, n, k);
        },
        cpu_linear(wtype, {}, t, n, k, false));
  }
  return y;
}

TensorId linear_residual(GraphBuilder& g, std::string proj_name, std::string name, TensorId x,
                         TensorId w, TensorId r, kernels::MatmulPrecision precision) {
  const auto [t, n, k] = linear_dims(g, name, x, w);
  if (t != 1 || g.kept(proj_name))
    return add(g, std::move(name), r, linear(g, std::move(proj_name), x, w, precision));
  if (g.tensor(r).elements() != n)
    fail("graph: linear '{}': residual '{}' has {} elements, the product {}", name,
         g.tensor(r).name, g.tensor(r).elements(), n);
  TensorId y = g.activation(std::move(name), DType::F32, {t, n});
  if (const auto q = g.tensor(w).quant) {
    kernels::check_quant_shape(*q, k, g.tensor(w).name.c_str());
    g.op(
        "matvec_quant", {x, w, r}, {y},
        [=](vk::Stream& s, auto in, auto out) {
          kernels::matvec_quant(s, *q, in[1], in[0], &in[2], out[0], n, k, precision);
        },
        cpu_linear(g.tensor(w).dtype, q, t, n, k, true));
    return y;
  }
  kernels::MatvecKey key = kernels::matvec_key(g.tensor(w).dtype, k);
  key.residual = true;
  g.op(
      "matvec", {x, w, r}, {y},
      [=](vk::Stream& s, auto in, auto out) {
        kernels::matvec_residual(s, key, in[1], in[0], in[2], out[0], n, k);
      },
      cpu_linear(g.tensor(w).dtype, {}, t, n, k, true));
  return y;
}

bool gated_linear_fits(const GraphBuilder& g, TensorId x, TensorId w, TensorId u,
                       const vk::DeviceInfo* gpu, kernels::MatmulPrecision precision) {
  const Tensor &xt = g.tensor(x), &wt = g.tensor(w), &ut = g.tensor(u);
  if (xt.dtype != DType::F32 || wt.shape != ut.shape || wt.shape.size() != 2 ||
      wt.shape[1] != xt.shape.back())
    return false;
  if (wt.quant || ut.quant)
    return wt.quant && wt.quant == ut.quant && rows_of(xt) == 1 && gpu &&
           kernels::matvec_quant_int8(*gpu, *wt.quant, uint32_t(wt.shape[1]), precision);
  return wt.dtype == ut.dtype && wt.dtype != DType::U32 &&
         rows_of(xt) <= kernels::kMatvecBatchLimit;
}

bool folded_norm_fits(const GraphBuilder& g, TensorId x, TensorId w, const vk::DeviceInfo* gpu,
                      kernels::MatmulPrecision precision) {
  const Tensor &xt = g.tensor(x), &wt = g.tensor(w);
  return wt.quant && gpu && xt.dtype == DType::F32 && rows_of(xt) == 1 && wt.shape.size() == 2 &&
         wt.shape[1] == xt.shape.back() &&
         kernels::matvec_quant_int8(*gpu, *wt.quant, uint32_t(wt.shape[1]), precision);
}

TensorId gated_linear(GraphBuilder& g, std::string name, kernels::Activation act, TensorId x,
                      TensorId w, TensorId u, const vk::DeviceInfo* gpu,
                      kernels::MatmulPrecision precision, const FoldedNorm* norm) {
  if (!gated_linear_fits(g, x, w, u, gpu, precision))
    fail(
        "graph: gated linear '{}': '{}' and '{}' are not two float weights of one shape and "
        "dtype taking '{}' ({} rows at most), nor two quantized ones the int8 kernel takes",
        name, g.tensor(w).name, g.tensor(u).name, g.tensor(x).name, kernels::kMatvecBatchLimit);
  const auto [t, n, k] = linear_dims(g, name, x, w);
  const DType wtype = g.tensor(w).dtype;
  const std::optional<QuantFormat> q = g.tensor(w).quant;
  if (norm && !q) fail("graph: gated linear '{}': a folded norm needs quantized weights", name);
  TensorId y = g.activation(std::move(name), DType::F32, {t, n});
  const std::optional<kernels::MatvecNorm> kn =
      norm ? std::optional(kernels::MatvecNorm{
                 .dtype = g.tensor(norm->w).dtype, .add_one = norm->add_one, .eps = norm->eps})
           : std::nullopt;
  // The CPU backend runs the three steps (the norm first where folded): its products
  // dominate either way.
  auto cpu_steps = [=](cpu::Cpu& c, auto in, auto out) {
    std::vector<float> gate(size_t(t) * n), up(size_t(t) * n), h;
    const float* xin = f32(in[0]);
    if (kn) {
      h.resize(k);
      cpu::rmsnorm(c, kn->dtype, in[3], kn->add_one, xin, h.data(), 1, k, kn->eps);
      xin = h.data();
    }
    cpu::linear(c, {in[1], wtype, q}, xin, nullptr, gate.data(), t, n, k);
    cpu::linear(c, {in[2], wtype, q}, xin, nullptr, up.data(), t, n, k);
    cpu::gated(c, act == kernels::Activation::SiLU ? cpu::Gate::SiLU : cpu::Gate::GeluTanh,
               gate.data(), up.data(), f32(out[0]), t, n);
  };
  if (q) {
    std::vector<TensorId> inputs{x, w, u};
    if (norm) {
      if (g.tensor(norm->w).elements() != k)
        fail("graph: norm weight '{}' has {} elements, '{}' rows have {}", g.tensor(norm->w).name,
             g.tensor(norm->w).elements(), g.tensor(x).name, k);
      inputs.push_back(norm->w);
    }
    g.op(
        "matvec_quant_gated", inputs, {y},
        [=](vk::Stream& s, auto in, auto out) {
          std::optional<kernels::MatvecNorm> with = kn;
          if (with) with->w = in[3];
          kernels::matvec_quant_gated(s, *q, act, in[1], in[2], in[0], out[0], n, k, nullptr,
                                      with ? &*with : nullptr);
        },
        cpu_steps);
    return y;
  }
  const kernels::MatvecKey key = kernels::matvec_gated_key(wtype, k, act, t);
  g.op(
      "matvec_gated", {x, w, u}, {y},
      [=](vk::Stream& s, auto in, auto out) {
        kernels::matvec_gated(s, key, in[1], in[2], in[0], out[0], n, k);
      },
      cpu_steps);
  return y;
}

void add_bias(GraphBuilder& g, TensorId x, TensorId b) {
  const Tensor &xt = g.tensor(x), &bt = g.tensor(b);
  const uint32_t n = uint32_t(xt.shape.back()), rows = uint32_t(rows_of(xt));
  if (bt.elements() != n)
    fail("graph: bias '{}' has {} elements, '{}' rows have {}", bt.name, bt.elements(), xt.name, n);
  const DType btype = bt.dtype;
  g.op(
      "add_bias", {x, b}, {x},
      [=](vk::Stream& s, auto in, auto) { kernels::add_bias(s, btype, in[0], in[1], rows, n); },
      [=](cpu::Cpu&, auto in, auto) { cpu::add_bias(btype, in[1], f32(in[0]), rows, n); });
}

TensorId add(GraphBuilder& g, std::string name, TensorId a, TensorId b) {
  const Tensor &at = g.tensor(a), &bt = g.tensor(b);
  if (at.shape != bt.shape)
    fail("graph: add '{}': '{}' and '{}' differ in shape", name, at.name, bt.name);
  const uint32_t n = uint32_t(at.elements());
  TensorId y = g.activation(std::move(name), DType::F32, at.shape);
  g.op(
      "add", {a, b}, {y},
      [=](vk::Stream& s, auto in, auto out) {
        kernels::binary(s, kernels::BinaryOp::Add, DType::F32, in[0], in[1], out[0], n);
      },
      [=](cpu::Cpu&, auto in, auto out) { cpu::add(f32(in[0]), f32(in[1]), f32(out[0]), n); });
  return y;
}

TensorId rope(GraphBuilder& g, std::string name, TensorId x, TensorId positions, TensorId cos,
              TensorId sin, uint32_t heads, uint32_t head_dim, uint32_t rot) {
  const Tensor &xt = g.tensor(x), &ct = g.tensor(cos);
  const kernels::RopeShape shape{uint32_t(rows_of(xt)), heads, head_dim, rot,
                                 uint32_t(ct.shape[0])};
  TensorId y = g.activation(std::move(name), DType::F32, xt.shape);
  g.op(
      "rope", {x, positions, cos, sin}, {y},
      [=](vk::Stream& s, auto in, auto out) {
        kernels::rope(s, shape, in[0], in[1], in[2], in[3], out[0]);
      },
      [=](cpu::Cpu& c, auto in, auto out) {
        cpu::rope(c, f32(in[0]), u32(in[1]), f32(in[2]), f32(in[3]), f32(out[0]), shape.tokens,
                  shape.heads, shape.head_dim, shape.rot, shape.max_pos);
      });
  return y;
}

namespace {

cpu::AttentionParams cpu_attention(const kernels::AttentionKey& key,
                                   const kernels::AttentionShape& s) {
  return {s.tokens, s.heads, s.kv_heads, s.head_dim, s.max_pos,
          s.window, s.scale, s.softcap,  key.cache};
}

}  // namespace

void kv_append(GraphBuilder& g, const kernels::AttentionKey& key,
               const kernels::AttentionShape& shape, TensorId k, TensorId v, TensorId positions,
               TensorId k_cache, TensorId v_cache) {
  g.op(
      "kv_append", {k, v, positions}, {k_cache, v_cache},
      [=](vk::Stream& s, auto in, auto out) {
        kernels::kv_append(s, key, shape, in[0], in[1], in[2], out[0], out[1]);
      },
      [a = cpu_attention(key, shape)](cpu::Cpu&, auto in, auto out) {
        cpu::kv_append(a, f32(in[0]), f32(in[1]), u32(in[2]), out[0], out[1]);
      });
}

TensorId rope_append(GraphBuilder& g, std::string name, const kernels::AttentionKey& key,
                     const kernels::AttentionShape& shape, uint32_t rot, TensorId q, TensorId k,
                     TensorId v, TensorId positions, TensorId cos, TensorId sin, TensorId k_cache,
                     TensorId v_cache) {
  const Tensor &qt = g.tensor(q), &kt = g.tensor(k), &vt = g.tensor(v);
  const uint64_t qrow = uint64_t(shape.heads) * shape.head_dim,
                 krow = uint64_t(shape.kv_heads) * shape.head_dim;
  if (qt.elements() != shape.tokens * qrow || kt.elements() != shape.tokens * krow ||
      vt.elements() != kt.elements())
    fail(
        "graph: rope_append '{}': q '{}', k '{}' and v '{}' hold {}, {} and {} values, {} tokens "
        "of {} and {} expected",
        name, qt.name, kt.name, vt.name, qt.elements(), kt.elements(), vt.elements(), shape.tokens,
        qrow, krow);
  const uint32_t rope_rows = uint32_t(g.tensor(cos).shape[0]);
  TensorId y = g.activation(std::move(name), DType::F32, qt.shape);
  g.op(
      "rope_append", {q, k, v, positions, cos, sin}, {y, k_cache, v_cache},
      [=](vk::Stream& s, auto in, auto out) {
        kernels::rope_append(s, key, shape, rot, rope_rows, in[0], in[1], in[2], in[3], in[4],
                             in[5], out[0], out[1], out[2]);
      },
      [=, a = cpu_attention(key, shape)](cpu::Cpu& c, auto in, auto out) {
        const uint32_t* pos = u32(in[3]);
        cpu::rope(c, f32(in[0]), pos, f32(in[4]), f32(in[5]), f32(out[0]), shape.tokens,
                  shape.heads, shape.head_dim, rot, rope_rows);
        std::vector<float> kr(shape.tokens * krow);
        cpu::rope(c, f32(in[1]), pos, f32(in[4]), f32(in[5]), kr.data(), shape.tokens,
                  shape.kv_heads, shape.head_dim, rot, rope_rows);
        cpu::kv_append(a, kr.data(), f32(in[2]), pos, out[1], out[2]);
      });
  return y;
}

TensorId attention(GraphBuilder& g, std::string name, const kernels::AttentionKey& key,
                   const kernels::AttentionShape& shape, bool decode, TensorId q, TensorId k_cache,
                   TensorId v_cache, TensorId positions) {
  TensorId y =
      g.activation(name, DType::F32, {shape.tokens, uint64_t(shape.heads) * shape.head_dim});
  if (!decode) {
    g.op(
        "attention", {q, k_cache, v_cache, positions}, {y},
        [=](vk::Stream& s, auto in, auto out) {
          kernels::attention_prefill(s, key, shape, in[0], in[1], in[2], in[3], out[0]);
        },
        [a = cpu_attention(key, shape)](cpu::Cpu& c, auto in, auto out) {
          cpu::attention(c, a, f32(in[0]), in[1], in[2], u32(in[3]), f32(out[0]));
        });
    return y;
  }
  const uint32_t splits = kernels::decode_splits(shape.max_pos, shape.tokens, shape.heads);
  TensorId po = g.activation(name + ".partial_o", DType::F32,
                             {kernels::decode_partial_o_floats(shape, splits)});
  TensorId pml = g.activation(name + ".partial_ml", DType::F32,
                              {kernels::decode_partial_ml_floats(shape, splits)});
  g.op(
      "attention_decode", {q, k_cache, v_cache, positions}, {y, po, pml},
      [=](vk::Stream& s, auto in, auto out) {
        kernels::attention_decode(s, key, shape, splits, in[0], in[1], in[2], in[3], out[1], out[2],
                                  out[0]);
      },
      [a = cpu_attention(key, shape)](cpu::Cpu& c, auto in, auto out) {
        cpu::attention(c, a, f32(in[0]), in[1], in[2], u32(in[3]), f32(out[0]));
      });
  return y;
}

TensorId gated(GraphBuilder& g, std::string name, kernels::Activation act, TensorId gate,
               TensorId up) {
  const Tensor& gt = g.tensor(gate);
  const uint32_t n = uint32_t(gt.shape.back()), rows = uint32_t(rows_of(gt));
  const kernels::GatedShape shape{rows, n, n, 0};
  TensorId y = g.activation(std::move(name), DType::F32, gt.shape);
  g.op(
      act == kernels::Activation::SiLU ? "silu_mul" : "gelu_tanh_mul", {gate, up}, {y},
      [=](vk::Stream& s, auto in, auto out) {
        kernels::gated_activation(s, act, shape, in[0], in[1], out[0]);
      },
      [=](cpu::Cpu& c, auto in, auto out) {
        cpu::gated(c, act == kernels::Activation::SiLU ? cpu::Gate::SiLU : cpu::Gate::GeluTanh,
                   f32(in[0]), f32(in[1]), f32(out[0]), rows, n);
      });
  return y;
}

void lora_combine(GraphBuilder& g, TensorId y, TensorId u, std::optional<TensorId> dora) {
  const Tensor &yt = g.tensor(y), &ut = g.tensor(u);
  if (yt.shape != ut.shape)
    fail("graph: lora '{}': the product '{}' differs in shape from the base '{}'", yt.name, ut.name,
         yt.name);
  const uint32_t n = uint32_t(yt.shape.back()), rows = uint32_t(rows_of(yt));
  if (dora && g.tensor(*dora).elements() != n)
    fail("graph: lora '{}': DoRA factors '{}' have {} elements, rows have {}", yt.name,
         g.tensor(*dora).name, g.tensor(*dora).elements(), n);
  // Without DoRA the factor binding is unused: u stands in for it.
  const bool d = dora.has_value();
  g.op(
      "lora_combine", {y, u, d ? *dora : u}, {y},
      [=](vk::Stream& s, auto in, auto) {
        kernels::lora_combine(s, d, in[0], in[1], in[2], rows, n);
      },
      [=](cpu::Cpu&, auto in, auto) {
        cpu::lora_combine(f32(in[0]), f32(in[1]), d ? f32(in[2]) : nullptr, rows, n);
      });
}

TensorId gather_columns(GraphBuilder& g, std::string name, TensorId x, TensorId perm) {
  const Tensor &xt = g.tensor(x), &pt = g.tensor(perm);
  const uint32_t k = uint32_t(xt.shape.back()), rows = uint32_t(rows_of(xt));
  if (pt.elements() != k)
    fail("graph: gather '{}': permutation '{}' has {} entries, rows have {}", name, pt.name,
         pt.elements(), k);
  TensorId y = g.activation(std::move(name), DType::F32, xt.shape);
  g.op(
      "gather_columns", {x, perm}, {y},
      [=](vk::Stream& s, auto in, auto out) {
        kernels::gather_columns(s, in[0], in[1], out[0], rows, k);
      },
      [=](cpu::Cpu&, auto in, auto out) {
        cpu::gather_columns(f32(in[0]), u32(in[1]), f32(out[0]), rows, k);
      });
  return y;
}

void softcap(GraphBuilder& g, TensorId x, float cap) {
  const uint32_t n = uint32_t(g.tensor(x).elements());
  g.op(
      "softcap", {x}, {x},
      [=](vk::Stream& s, auto in, auto) { kernels::softcap(s, in[0], n, cap); },
      [=](cpu::Cpu&, auto in, auto) { cpu::softcap(f32(in[0]), n, cap); });
}

TensorId dequantize(GraphBuilder& g, std::string name, TensorId w, DType out) {
  const Tensor& wt = g.tensor(w);
  if (!wt.quant || wt.shape.size() != 2)
    fail("graph: dequantize '{}': '{}' is not a quantized matrix", name, wt.name);
  const QuantFormat f = *wt.quant;
  const uint32_t n = uint32_t(wt.shape[0]), k = uint32_t(wt.shape[1]);
  kernels::check_quant_shape(f, k, wt.name.c_str());
  TensorId y = g.activation(std::move(name), out, {n, k});
  g.op(
      "dequantize", {w}, {y},
      [=](vk::Stream& s, auto in, auto o) { kernels::dequantize(s, f, in[0], o[0], out, n, k); },
      [=](cpu::Cpu&, auto in, auto o) {
        const uint64_t row_bytes = quant_row_bytes(f, k);
        std::vector<float> row(k);
        for (uint32_t r = 0; r < n; ++r) {
          float* dst = out == DType::F32 ? f32(o[0]) + uint64_t(r) * k : row.data();
          cpu::dequantize_row(f, k, in[0] + r * row_bytes, dst);
          if (out == DType::F16)
            for (uint32_t i = 0; i < k; ++i)
              reinterpret_cast<uint16_t*>(o[0])[uint64_t(r) * k + i] = f32_to_f16(row[i]);
        }
      });
  return y;
}

TensorId argmax(GraphBuilder& g, std::string name, TensorId x) {
  const Tensor& xt = g.tensor(x);
  expect_f32(xt, "argmax");
  const uint64_t n = xt.shape.back(), rows = rows_of(xt);
  TensorId y = g.activation(std::move(name), DType::U32, {rows});
  g.op(
      "argmax", {x}, {y},
      [=](vk::Stream& s, auto in, auto out) {
        kernels::argmax(s, in[0], out[0], uint32_t(rows), uint32_t(n));
      },
      [=](cpu::Cpu&, auto in, auto out) {
        const float* v = f32(in[0]);
        uint32_t* ids = reinterpret_cast<uint32_t*>(out[0]);
        for (uint64_t r = 0; r < rows; ++r) {
          const float* row = v + r * n;
          uint64_t best = 0;
          bool bad = false, seen = false;
          for (uint64_t i = 0; i < n; ++i) {
            bad = bad || std::isnan(row[i]) || row[i] == INFINITY;
            seen = seen || row[i] > -INFINITY;
            if (row[i] > row[best]) best = i;
          }
          ids[r] = bad || !seen ? 0xffffffffu : uint32_t(best);
        }
      });
  return y;
}

TensorId last_row(GraphBuilder& g, std::string name, TensorId x) {
  const Tensor& xt = g.tensor(x);
  const uint64_t n = xt.shape.back(), rows = rows_of(xt);
  TensorId y = g.activation(std::move(name), xt.dtype, {1, n});
  const uint64_t bytes = n * dtype_size(xt.dtype);
  g.op(
      "last_row", {x}, {y},
      [=](vk::Stream& s, auto in, auto out) {
        vk::BufferRange src = in[0];
        src.offset += (rows - 1) * bytes;
        s.copy_range(src, out[0], bytes);
      },
      [=](cpu::Cpu&, auto in, auto out) {
        std::memcpy(out[0], in[0] + (rows - 1) * bytes, bytes);
      });
  return y;
}

TensorId gather_rows(GraphBuilder& g, std::string name, TensorId x, TensorId rows) {
  expect_f32(g.tensor(x), "gather_rows");
  return embed(g, std::move(name), x, rows, 1.0f);
}

}  // namespace vkllm::graph::ops
