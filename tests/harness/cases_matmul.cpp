#include <fmt/format.h>

#include <tuple>

#include "engine/kernels/matmul.h"
#include "host/cpu/linear.h"
#include "host/reference/matmul.h"
#include "tests/harness/cases.h"

namespace vkllm::harness {

namespace {

constexpr DType kTypes[] = {DType::F32, DType::F16, DType::BF16};

// The kernel a case asks for, resolved on the device as the engine would: coopmat
// falls back to the fp32 path without NV cooperative matrices, subgroup to tiled
// without the subgroup support it needs.
kernels::MatmulKey resolve(const vk::DeviceInfo& device, DType w, kernels::MatmulPath path,
                           const std::optional<kernels::MatmulTuning>& tuning) {
  using kernels::MatmulPath;
  switch (path) {
    case MatmulPath::Tiled:
      return {w, MatmulPath::Tiled};
    case MatmulPath::Subgroup:
      if (!kernels::matmul_subgroup_supported(device)) return {w, MatmulPath::Tiled};
      return {w, MatmulPath::Subgroup, tuning.value_or(kernels::matmul_subgroup_tuning(device))};
    case MatmulPath::Coopmat:
      return kernels::matmul_key(device, w, kernels::MatmulPrecision::F16);
  }
  return {w, MatmulPath::Tiled};
}

OpCase matmul_case(std::mt19937& rng, DType w, size_t t, size_t n, size_t k, std::string variant,
                   bool f16_inputs,
                   std::function<kernels::MatmulKey(const vk::DeviceInfo&)> key_for) {
  OpCase c;
  c.op = "matmul";
  c.shape = fmt::format("{} t={} n={} k={} {}", dtype_name(w), t, n, k, variant);
  c.inputs.push_back(random_tensor(rng, DType::F32, t * k));
  c.inputs.push_back(random_tensor(rng, w, n * k));
  c.outputs.push_back({DType::F32, t * n});
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    kernels::matmul(s, key_for(s.device().info()), in[0], in[1], out[0], uint32_t(t), uint32_t(n),
                    uint32_t(k));
  };
  c.cpu = [=](host::cpu::Cpu& cpu, auto in, auto out) {
    host::cpu::linear(cpu, {in[1], w, {}}, reinterpret_cast<const float*>(in[0]), nullptr,
                      reinterpret_cast<float*>(out[0]), t, n, k);
  };
  c.reference = [=](const std::vector<HostTensor>& in) {
    return std::vector<HostTensor>{host::ref::matmul(in[0], in[1], t, n, k)};
  };
  // fp32: accumulation over k terms, as for matvec. f16 inputs: each input is off by
  // a relative <= 2^-11 (bf16 and f16 weights convert exactly, up to subnormals), so
  // each product by <= 2^-10; with random signs the errors add in quadrature to an
  // nmse of about 2 (2^-11)^2 / 3 = 1.6e-7 (f32 W), half that otherwise.
  c.max_nmse = f16_inputs ? 1e-6 : 1e-9;
  c.bytes = double(t * k * 4 + n * k * dtype_size(w) + t * n * 4);
  c.flops = 2.0 * double(t) * double(n) * double(k);
  return c;
}

}  // namespace

OpCase matmul_case(std::mt19937& rng, DType w, size_t t, size_t n, size_t k,
                   kernels::MatmulPrecision precision) {
  const bool f16 = precision == kernels::MatmulPrecision::F16;
  return matmul_case(rng, w, t, n, k, f16 ? "coopmat" : "fp32", f16,
                     [=](const vk::DeviceInfo& d) { return kernels::matmul_key(d, w, precision); });
}

OpCase matmul_case(std::mt19937& rng, DType w, size_t t, size_t n, size_t k,
                   kernels::MatmulPath path, std::optional<kernels::MatmulTuning> tuning) {
  std::string variant = kernels::matmul_path_name(path);
  if (tuning)
    variant += fmt::format(" sg={} rows_t={} rows_n={} stack_t={} split_k={}", tuning->subgroups,
                           tuning->rows_t, tuning->rows_n, tuning->stack_t, tuning->split_k);
  return matmul_case(rng, w, t, n, k, variant, path == kernels::MatmulPath::Coopmat,
                     [=](const vk::DeviceInfo& d) { return resolve(d, w, path, tuning); });
}

std::vector<OpCase> matmul_cases(std::mt19937& rng) {
  using kernels::MatmulPath;
  using Shape = std::tuple<size_t, size_t, size_t>;
  std::vector<OpCase> cases;
  // Both fp32 kernels. k not a multiple of 4: scalar loads; k a multiple of 8 (4 for
  // f32) but not of a whole step: 16-byte loads with a remainder. t and n are no
  // multiple of any tile except in the last two shapes.
  const Shape fp32_shapes[] = {{1, 1, 1},      {7, 33, 31},     {31, 129, 65}, {33, 7, 4097},
                               {65, 4097, 33}, {129, 65, 129},  {1, 4097, 7},  {1, 7, 8},
                               {7, 65, 1032},  {33, 129, 4104}, {65, 31, 264}, {129, 4097, 56},
                               {4097, 7, 520}, {31, 33, 516},   {130, 64, 64}, {256, 256, 40}};
  for (DType w : kTypes)
    for (auto [t, n, k] : fp32_shapes)
      for (MatmulPath path : {MatmulPath::Tiled, MatmulPath::Subgroup})
        cases.push_back(matmul_case(rng, w, t, n, k, path));
  // Other tiles of the subgroup kernel, as the perf sweep uses them: one lane per
  // row, and k split over 2 to 8 lanes.
  for (DType w : kTypes)
    for (kernels::MatmulTuning tuning :
         {kernels::MatmulTuning{1, 1, 1, 1, 1}, kernels::MatmulTuning{2, 4, 2, 2, 1},
          kernels::MatmulTuning{8, 16, 1, 4, 1}, kernels::MatmulTuning{4, 2, 8, 1, 1},
          kernels::MatmulTuning{2, 3, 5, 1, 2}, kernels::MatmulTuning{4, 8, 4, 2, 4},
          kernels::MatmulTuning{4, 16, 2, 2, 8}}) {
      cases.push_back(matmul_case(rng, w, 37, 301, 1048, MatmulPath::Subgroup, tuning));
      cases.push_back(matmul_case(rng, w, 19, 77, 333, MatmulPath::Subgroup, tuning));
      cases.push_back(matmul_case(rng, w, 5, 9, 4104, MatmulPath::Subgroup, tuning));
    }
  // The coopmat path's 128 x 128 tile and 32-deep steps: scalar loads (k % 8 != 0),
  // 16-byte loads, direct and staged stores, one and several workgroups.
  const Shape coopmat_shapes[] = {{1, 1, 1},     {7, 33, 31},     {65, 130, 17},   {33, 257, 1000},
                                  {130, 64, 64}, {200, 100, 333}, {129, 260, 512}, {256, 256, 40}};
  for (DType w : kTypes)
    for (auto [t, n, k] : coopmat_shapes)
      cases.push_back(matmul_case(rng, w, t, n, k, MatmulPath::Coopmat));
  // Every tiling the perf sweep tries, at shapes that fit none of them (scalar and
  // 16-byte loads, edge blocks).
  for (const kernels::CoopmatTiles& tiles : coopmat_tilings())
    for (auto [t, n, k] : {Shape{37, 300, 1000}, Shape{150, 270, 1032}})
      cases.push_back(matmul_coopmat_case(rng, DType::BF16, t, n, k, tiles));
  // Split K (few rows): ranges with a tail step, scalar and 16-byte loads.
  for (DType w : kTypes)
    for (auto [t, n, k] : {Shape{37, 300, 4100}, Shape{5, 4096, 4096}, Shape{64, 1000, 1032}})
      cases.push_back(matmul_split_case(rng, w, t, n, k));
  return cases;
}

OpCase matmul_coopmat_case(std::mt19937& rng, DType w, size_t t, size_t n, size_t k,
                           kernels::CoopmatTiles tiles) {
  const std::string variant = fmt::format("coopmat sg={} tile={}x{} block={}x{} bk={} depth={}",
                                          tiles.subgroups, tiles.tile_t, tiles.tile_n,
                                          tiles.block_t, tiles.block_n, tiles.step_k, tiles.depth);
  return matmul_case(rng, w, t, n, k, variant, true, [=](const vk::DeviceInfo& d) {
    kernels::MatmulKey key = resolve(d, w, kernels::MatmulPath::Coopmat, std::nullopt);
    if (key.path == kernels::MatmulPath::Coopmat) key.coop = tiles;
    return key;
  });
}

std::vector<kernels::CoopmatTiles> coopmat_tilings() {
  // subgroups, tile t x n, block t x n, k step, steps in flight: the default, wider
  // blocks per subgroup, deeper and shallower k steps, narrow tiles for few rows, and
  // loads 2 to 4 steps ahead (more bytes in flight where few rows leave one
  // workgroup per multiprocessor).
  kernels::CoopmatTiles fixed = kernels::coopmat_tiles(512);
  fixed.fixed = true;
  return {fixed,
          {8, 128, 128, 64, 32, 32, 1},
          {8, 128, 128, 32, 64, 32, 1},
          {4, 128, 128, 64, 64, 32, 1},
          {8, 256, 128, 64, 64, 16, 1},
          {4, 64, 64, 32, 32, 64, 1},
          {4, 32, 128, 32, 32, 32, 1},
          {8, 128, 128, 64, 32, 32, 2},
          {8, 128, 128, 64, 32, 32, 3},
          {8, 128, 128, 64, 32, 32, 4},
          {4, 64, 128, 32, 64, 32, 2},
          {4, 64, 128, 32, 64, 32, 4},
          {4, 32, 128, 32, 32, 32, 2},
          {4, 32, 128, 32, 32, 32, 4},
          {2, 16, 128, 16, 64, 32, 4},
          {4, 64, 64, 32, 32, 64, 2},
          {4, 64, 64, 32, 32, 64, 3},
          {8, 256, 128, 64, 64, 16, 2},
          {8, 128, 128, 32, 64, 32, 2}};
}

OpCase matmul_split_case(std::mt19937& rng, DType w, size_t t, size_t n, size_t k,
                         uint32_t splits) {
  if (splits == 0) splits = kernels::matmul_splits(uint32_t(t), uint32_t(n), uint32_t(k));
  OpCase c = matmul_case(rng, w, t, n, k, kernels::MatmulPath::Coopmat);
  c.shape += fmt::format(" split={}", splits);
  c.inputs.push_back(HostTensor(DType::F32, splits * t * n));  // scratch for the partial sums
  c.launch = [=](vk::Stream& s, auto in, auto out) {
    const auto key = resolve(s.device().info(), w, kernels::MatmulPath::Coopmat, std::nullopt);
    if (key.path == kernels::MatmulPath::Coopmat)
      kernels::matmul_split(s, key, in[0], in[1], in[2], out[0], uint32_t(t), uint32_t(n),
                            uint32_t(k), splits);
    else  // no tensor cores: what the engine runs instead
      kernels::matmul(s, key, in[0], in[1], out[0], uint32_t(t), uint32_t(n), uint32_t(k));
  };
  return c;
}

std::vector<OpCase> matmul_perf_cases(std::mt19937& rng) {
  using kernels::MatmulPath;
  std::vector<OpCase> cases;
  // Prefill of 512 tokens through the 8B projections (up/gate and down), on each kernel.
  for (auto [n, k] : {std::pair<size_t, size_t>{14336, 4096}, {4096, 14336}})
    for (MatmulPath path : {MatmulPath::Tiled, MatmulPath::Subgroup, MatmulPath::Coopmat})
      cases.push_back(matmul_case(rng, DType::BF16, 512, n, k, path));
  return cases;
}

}  // namespace vkllm::harness
