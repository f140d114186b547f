#include "loaders/safetensors/dtype.h"

#include <array>
#include <utility>

namespace vkllm::st {
namespace {

struct DTypeInfo {
  DType type;
  std::string_view name;
  std::uint32_t bits;
};

constexpr std::array<DTypeInfo, 22> kDTypes{{
    {DType::BOOL, "BOOL", 8},
    {DType::F4, "F4", 4},
    {DType::F6_E2M3, "F6_E2M3", 6},
    {DType::F6_E3M2, "F6_E3M2", 6},
    {DType::U8, "U8", 8},
    {DType::I8, "I8", 8},
    {DType::F8_E5M2, "F8_E5M2", 8},
    {DType::F8_E4M3, "F8_E4M3", 8},
    {DType::F8_E8M0, "F8_E8M0", 8},
    {DType::F8_E4M3FNUZ, "F8_E4M3FNUZ", 8},
    {DType::F8_E5M2FNUZ, "F8_E5M2FNUZ", 8},
    {DType::I16, "I16", 16},
    {DType::U16, "U16", 16},
    {DType::F16, "F16", 16},
    {DType::BF16, "BF16", 16},
    {DType::I32, "I32", 32},
    {DType::U32, "U32", 32},
    {DType::F32, "F32", 32},
    {DType::C64, "C64", 64},
    {DType::F64, "F64", 64},
    {DType::I64, "I64", 64},
    {DType::U64, "U64", 64},
}};

constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < kDTypes.size(); ++i)
    if (static_cast<std::size_t>(kDTypes[i].type) != i) return false;
  return true;
}
static_assert(in_enum_order(), "kDTypes must list DType in declaration order");

const DTypeInfo& info(DType t) {
  return kDTypes[static_cast<std::size_t>(t)];
}

}  // namespace

std::uint32_t dtype_bits(DType t) {
  return info(t).bits;
}

std::string_view dtype_name(DType t) {
  return info(t).name;
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (const auto& d : kDTypes)
    if (d.name == name) return d.type;
  return std::nullopt;
}

std::optional<DType> parse_torch_dtype(std::string_view name) {
  if (name.starts_with("torch.")) name.remove_prefix(6);
  static constexpr std::pair<std::string_view, DType> kTorch[] = {
      {"bfloat16", DType::BF16}, {"float16", DType::F16}, {"half", DType::F16},
      {"float32", DType::F32},   {"float", DType::F32},   {"float64", DType::F64},
      {"double", DType::F64},
  };
  for (const auto& [n, t] : kTorch)
    if (n == name) return t;
  return std::nullopt;
}

}  // namespace vkllm::st
