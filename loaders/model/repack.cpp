#include "loaders/model/repack.h"

#include <cstring>
#include <vector>

#include "engine/base/error.h"
#include "engine/base/half.h"

namespace vkllm::model {

namespace {

std::vector<float> floats(const st::TensorRef& r) {
  std::vector<float> v(r.info->numel());
  std::memcpy(v.data(), r.data().data(), v.size() * 4);
  return v;
}

// bitsandbytes 4-bit: codes over the row-major flattened weight, element 2j in the
// high nibble of byte j; absmax per block, itself 8-bit quantized with double quant.
void repack_bnb4(const ResolvedWeight& w, const CheckpointQuant& q, std::span<std::byte> out) {
  const uint64_t n = w.expected.shape[0], k = w.expected.shape[1];
  const std::vector<float> table = floats(q.parts[2]);
  for (uint32_t c = 0; c < 16; ++c)
    if (table[c] != quant_decode(q.format.codes, c, 0))
      fail(
          "load: {}: '{}' entry {} is {}, not the {} value {}: only the standard bitsandbytes "
          "code tables are supported",
          q.parts[2].file->file_name(), q.parts[2].info->name, c, table[c],
          q.format.codes == QuantCodes::NF4 ? "NF4" : "FP4", quant_decode(q.format.codes, c, 0));
  const uint64_t blocks = n * k / q.blocksize;
  std::vector<float> absmax(blocks);
  if (q.nested) {
    const auto codes = q.parts[1].data();
    const std::vector<float> nested_absmax = floats(q.parts[3]), nested_map = floats(q.parts[4]);
    for (uint64_t b = 0; b < blocks; ++b)
      absmax[b] =
          nested_map[uint8_t(codes[b])] * nested_absmax[b / q.nested_blocksize] + q.nested_offset;
  } else {
    absmax = floats(q.parts[1]);
  }
  const auto packed = q.parts[0].data();
  const uint64_t row_bytes = quant_row_bytes(q.format, k), groups = k / q.blocksize;
  std::vector<uint8_t> codes(k);
  for (uint64_t r = 0; r < n; ++r) {
    for (uint64_t c = 0; c < k; ++c) {
      const uint64_t e = r * k + c;
      const uint8_t byte = uint8_t(packed[e / 2]);
      codes[c] = e % 2 == 0 ? byte >> 4 : byte & 15;
    }
    quant_pack_row(q.format, k, codes.data(), absmax.data() + r * groups, nullptr,
                   out.data() + r * row_bytes);
  }
}

// LLM.int8: W = CB * SCB / 127 per row; codes offset by 128 to unsigned.
void repack_bnb8(const ResolvedWeight& w, const CheckpointQuant& q, std::span<std::byte> out) {
  const uint64_t n = w.expected.shape[0], k = w.expected.shape[1];
  const auto cb = q.parts[0].data();
  const std::vector<float> scb = floats(q.parts[1]);
  const uint64_t row_bytes = quant_row_bytes(q.format, k);
  std::vector<uint8_t> codes(k);
  for (uint64_t r = 0; r < n; ++r) {
    for (uint64_t c = 0; c < k; ++c) codes[c] = uint8_t(int(int8_t(cb[r * k + c])) + 128);
    const float scale = scb[r] / 127.0f;
    quant_pack_row(q.format, k, codes.data(), &scale, nullptr, out.data() + r * row_bytes);
  }
}

std::vector<uint32_t> words(const st::TensorRef& r) {
  std::vector<uint32_t> v(r.info->numel());
  std::memcpy(v.data(), r.data().data(), v.size() * 4);
  return v;
}

// A scale tensor (F32, F16 or BF16) as floats.
std::vector<float> scale_floats(const st::TensorRef& r) {
  if (r.info->dtype == st::DType::F32) return floats(r);
  std::vector<float> v(r.info->numel());
  const auto bytes = r.data();
  for (size_t i = 0; i < v.size(); ++i) {
    uint16_t h;
    std::memcpy(&h, bytes.data() + 2 * i, 2);
    v[i] = r.info->dtype == st::DType::BF16 ? bf16_to_f32(h) : f16_to_f32(h);
  }
  return v;
}

// GPTQ: q(k, n) = field k % pf of qweight[k / pf][n]; zeros along n (+1 for v1);
// scales [groups, n]; act-order columns taken in perm's order. AWQ GEMM: q(k, n)
// and z(g, n) in nibble AWQ_REVERSE_ORDER[n % 8] of word n / 8 of row k (or g).
void repack_gptq_awq(const ResolvedWeight& w, const CheckpointQuant& q, std::span<std::byte> out) {
  const uint64_t n = w.expected.shape[0], k = w.expected.shape[1], bits = q.format.bits;
  const uint64_t pf = 32 / bits, mask = (1u << bits) - 1, gs = q.format.group, groups = k / gs;
  const bool gptq = q.kind == CheckpointQuant::Kind::Gptq;
  static constexpr uint32_t kAwqReverse[8] = {0, 4, 1, 5, 2, 6, 3, 7};
  const std::vector<uint32_t> qweight = words(q.parts[0]), qzeros = words(q.parts[1]);
  const std::vector<float> scales = scale_floats(q.parts[2]);
  auto field = [&](uint32_t word, uint64_t i) { return uint8_t((word >> (bits * i)) & mask); };
  const uint64_t row_bytes = quant_row_bytes(q.format, k);
  std::vector<uint8_t> codes(k), zeros(groups);
  std::vector<float> row_scales(groups);
  for (uint64_t r = 0; r < n; ++r) {
    for (uint64_t j = 0; j < k; ++j) {
      const uint64_t c = q.perm.empty() ? j : q.perm[j];
      codes[j] = gptq ? field(qweight[(c / pf) * n + r], c % pf)
                      : field(qweight[c * (n / 8) + r / 8], kAwqReverse[r % 8]);
    }
    for (uint64_t g = 0; g < groups; ++g) {
      row_scales[g] = scales[g * n + r];
      uint8_t z = gptq ? field(qzeros[g * (n / pf) + r / pf], r % pf)
                       : field(qzeros[g * (n / 8) + r / 8], kAwqReverse[r % 8]);
      if (gptq && q.gptq_v1_zeros) z = uint8_t((z + 1) & mask);
      zeros[g] = z;
    }
    quant_pack_row(q.format, k, codes.data(), row_scales.data(), zeros.data(),
                   out.data() + r * row_bytes);
  }
  if (!q.perm.empty()) std::memcpy(out.data() + w.perm_offset(), q.perm.data(), q.perm.size() * 4);
}

// compressed-tensors pack-quantized: code (n, c) = field c % pf of word [n][c / pf]
// (already offset by 2^(b-1): the implicit zero); zero points along n when asymmetric.
void repack_ct(const ResolvedWeight& w, const CheckpointQuant& q, std::span<std::byte> out) {
  const uint64_t n = w.expected.shape[0], k = w.expected.shape[1], bits = q.format.bits;
  const uint64_t pf = 32 / bits, mask = (1u << bits) - 1, groups = k / q.format.group;
  const std::vector<uint32_t> packed = words(q.parts[0]);
  const std::vector<float> scales = scale_floats(q.parts[1]);
  const std::vector<uint32_t> zp = q.format.zeros ? words(q.parts[2]) : std::vector<uint32_t>{};
  const uint64_t row_bytes = quant_row_bytes(q.format, k);
  std::vector<uint8_t> codes(k), zeros(groups);
  for (uint64_t r = 0; r < n; ++r) {
    for (uint64_t c = 0; c < k; ++c)
      codes[c] = uint8_t((packed[r * (k / pf) + c / pf] >> (bits * (c % pf))) & mask);
    if (q.format.zeros)
      for (uint64_t g = 0; g < groups; ++g)
        zeros[g] = uint8_t((zp[(r / pf) * groups + g] >> (bits * (r % pf))) & mask);
    quant_pack_row(q.format, k, codes.data(), scales.data() + r * groups, zeros.data(),
                   out.data() + r * row_bytes);
  }
}

// FP8 e4m3: the bytes are the codes; a scale per tensor, row, group or 2-D block.
void repack_fp8(const ResolvedWeight& w, const CheckpointQuant& q, std::span<std::byte> out) {
  const uint64_t n = w.expected.shape[0], k = w.expected.shape[1], groups = k / q.format.group;
  const auto bytes = q.parts[0].data();
  const std::vector<float> scales = scale_floats(q.parts[1]);
  const uint64_t row_bytes = quant_row_bytes(q.format, k);
  std::vector<uint8_t> codes(k);
  std::vector<float> row_scales(groups);
  for (uint64_t r = 0; r < n; ++r) {
    std::memcpy(codes.data(), bytes.data() + r * k, k);
    for (uint64_t g = 0; g < groups; ++g)
      row_scales[g] = q.block_rows         ? scales[(r / q.block_rows) * groups + g]
                      : scales.size() == 1 ? scales[0]
                                           : scales[r * groups + g];
    quant_pack_row(q.format, k, codes.data(), row_scales.data(), nullptr,
                   out.data() + r * row_bytes);
  }
}

}  // namespace

void repack_quantized(const ResolvedWeight& w, std::span<std::byte> out) {
  if (!w.quant) fail("load: '{}' is not quantized", w.expected.name);
  if (out.size() != w.device_bytes())
    fail("load: '{}' repacks into {} bytes, {} given", w.expected.name, w.device_bytes(),
         out.size());
  switch (w.quant->kind) {
    case CheckpointQuant::Kind::Bnb4:
      repack_bnb4(w, *w.quant, out);
      break;
    case CheckpointQuant::Kind::Bnb8:
      repack_bnb8(w, *w.quant, out);
      break;
    case CheckpointQuant::Kind::Gptq:
    case CheckpointQuant::Kind::Awq:
      repack_gptq_awq(w, *w.quant, out);
      break;
    case CheckpointQuant::Kind::CtPacked:
      repack_ct(w, *w.quant, out);
      break;
    case CheckpointQuant::Kind::Fp8:
      repack_fp8(w, *w.quant, out);
      break;
  }
}

}  // namespace vkllm::model
