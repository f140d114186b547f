#include "loaders/safetensors/header.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <set>

#include "loaders/safetensors/utf8.h"

namespace vkllm::st {
namespace {

using nlohmann::json;

template <typename... Args>
[[noreturn]] void header_fail(HeaderErrorKind kind, std::string_view file,
                              fmt::format_string<Args...> f, Args&&... args) {
  throw HeaderError(
      kind, fmt::format("safetensors: {}: {}", file, fmt::format(f, std::forward<Args>(args)...)));
}

std::uint64_t read_u64_le(std::span<const std::byte> b) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(b[i]);
  return v;
}

std::string known_dtypes() {
  std::string s;
  for (int i = 0; i <= static_cast<int>(DType::U64); ++i) {
    if (i) s += ' ';
    s += dtype_name(static_cast<DType>(i));
  }
  return s;
}

// Parses JSON text, reporting the first key that repeats within one object
// (nlohmann would silently keep the last one).
json parse_json_unique_keys(std::string_view text, std::string_view file) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  json::parser_callback_t cb = [&](int, json::parse_event_t ev, json& parsed) {
    switch (ev) {
      case json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() &&
            !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty())
          duplicate = parsed.get<std::string>();
        break;
      default:
        break;
    }
    return true;
  };
  json j;
  try {
    j = json::parse(text.begin(), text.end(), cb);
  } catch (const json::exception& e) {
    header_fail(HeaderErrorKind::InvalidJson, file, "header is not valid JSON: {}", e.what());
  }
  if (!duplicate.empty())
    header_fail(HeaderErrorKind::DuplicateKey, file, "header has the key '{}' more than once",
                duplicate);
  return j;
}

std::vector<std::uint64_t> read_u64_array(const json& v, std::string_view file,
                                          const std::string& tensor, const char* field) {
  if (!v.is_array())
    header_fail(HeaderErrorKind::InvalidEntry, file,
                "tensor '{}': {} is a JSON {}, expected an array", tensor, field, v.type_name());
  std::vector<std::uint64_t> out;
  out.reserve(v.size());
  for (const auto& e : v) {
    if (!e.is_number_unsigned())
      header_fail(HeaderErrorKind::InvalidEntry, file,
                  "tensor '{}': {} has {}, expected non-negative integers", tensor, field,
                  e.dump());
    out.push_back(e.get<std::uint64_t>());
  }
  return out;
}

TensorInfo read_entry(const std::string& name, const json& v, std::string_view file) {
  if (!v.is_object())
    header_fail(HeaderErrorKind::InvalidEntry, file, "tensor '{}' is a JSON {}, expected an object",
                name, v.type_name());
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!v.contains(field))
      header_fail(HeaderErrorKind::InvalidEntry, file, "tensor '{}' has no '{}'", name, field);
  TensorInfo t;
  t.name = name;
  const json& d = v["dtype"];
  if (!d.is_string())
    header_fail(HeaderErrorKind::InvalidEntry, file, "tensor '{}': dtype is {}, expected a string",
                name, d.dump());
  const auto dtype = parse_dtype(d.get<std::string>());
  if (!dtype)
    header_fail(HeaderErrorKind::UnknownDType, file,
                "tensor '{}' has unknown dtype '{}' (expected one of {})", name,
                d.get<std::string>(), known_dtypes());
  t.dtype = *dtype;
  t.shape = read_u64_array(v["shape"], file, name, "shape");
  const auto offsets = read_u64_array(v["data_offsets"], file, name, "data_offsets");
  if (offsets.size() != 2)
    header_fail(HeaderErrorKind::InvalidEntry, file,
                "tensor '{}': data_offsets has {} values, expected 2 [begin, end]", name,
                offsets.size());
  t.begin = offsets[0];
  t.end = offsets[1];
  return t;
}

std::map<std::string, std::string> read_metadata(const json& v, std::string_view file) {
  std::map<std::string, std::string> out;
  if (v.is_null()) return out;
  if (!v.is_object())
    header_fail(HeaderErrorKind::InvalidMetadata, file,
                "__metadata__ is a JSON {}, expected an object of strings", v.type_name());
  for (const auto& [k, s] : v.items()) {
    if (!s.is_string())
      header_fail(HeaderErrorKind::InvalidMetadata, file,
                  "__metadata__['{}'] is a JSON {}, expected a string", k, s.type_name());
    out.emplace(k, s.get<std::string>());
  }
  return out;
}

// The data section must be tiled exactly, in offset order, as the reference checks.
void validate_layout(std::vector<TensorInfo>& tensors, std::uint64_t data_start,
                     std::uint64_t file_size, std::string_view file) {
  std::sort(tensors.begin(), tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  const std::uint64_t data_size = file_size - data_start;
  std::uint64_t expected = 0;
  const TensorInfo* prev = nullptr;
  for (auto& t : tensors) {
    if (t.end < t.begin)
      header_fail(HeaderErrorKind::InvalidOffsets, file,
                  "tensor '{}' has data_offsets [{}, {}]: end before begin", t.name, t.begin,
                  t.end);
    if (t.begin < expected)
      header_fail(HeaderErrorKind::OffsetOverlap, file,
                  "tensor '{}' data_offsets [{}, {}] overlap tensor '{}' which ends at {}", t.name,
                  t.begin, t.end, prev->name, expected);
    if (t.begin > expected)
      header_fail(HeaderErrorKind::OffsetGap, file,
                  "tensor '{}' starts at data offset {}, expected {} ({}): {} bytes belong to no "
                  "tensor",
                  t.name, t.begin, expected,
                  prev ? fmt::format("the end of '{}'", prev->name) : "the start of the data",
                  t.begin - expected);
    std::uint64_t numel = 1;
    for (auto d : t.shape)
      if (__builtin_mul_overflow(numel, d, &numel))
        header_fail(HeaderErrorKind::SizeOverflow, file,
                    "tensor '{}': shape {} has more elements than fit in 64 bits", t.name,
                    format_shape(t.shape));
    std::uint64_t bits = 0;
    if (__builtin_mul_overflow(numel, std::uint64_t{dtype_bits(t.dtype)}, &bits))
      header_fail(HeaderErrorKind::SizeOverflow, file,
                  "tensor '{}': shape {} of {} has more bits than fit in 64 bits", t.name,
                  format_shape(t.shape), dtype_name(t.dtype));
    if (bits % 8 != 0)
      header_fail(HeaderErrorKind::MisalignedSize, file,
                  "tensor '{}': shape {} of {} is {} bits, not a whole number of bytes", t.name,
                  format_shape(t.shape), dtype_name(t.dtype), bits);
    if (t.end - t.begin != bits / 8)
      header_fail(HeaderErrorKind::ShapeBytesMismatch, file,
                  "tensor '{}': shape {} of {} needs {} bytes, data_offsets [{}, {}] hold {}",
                  t.name, format_shape(t.shape), dtype_name(t.dtype), bits / 8, t.begin, t.end,
                  t.end - t.begin);
    if (t.end > data_size)
      header_fail(HeaderErrorKind::TensorPastEnd, file, "tensor '{}' ends at byte {}, file has {}",
                  t.name,
                  t.end <= UINT64_MAX - data_start ? fmt::to_string(t.end + data_start)
                                                   : fmt::format("{}+{}", data_start, t.end),
                  file_size);
    expected = t.end;
    prev = &t;
  }
  if (expected != data_size) {
    // The data should end with the last tensor's bytes (or the header, when it lists none).
    const std::string last = prev ? fmt::format("last tensor '{}'", prev->name)
                                  : std::string("header lists no tensor and");
    header_fail(HeaderErrorKind::TrailingBytes, file,
                "{} ends at byte {}, file has {}: {} trailing bytes belong to no tensor", last,
                data_start + expected, file_size, data_size - expected);
  }
  for (auto& t : tensors) {
    t.begin += data_start;
    t.end += data_start;
  }
}

}  // namespace

std::uint64_t TensorInfo::numel() const {
  std::uint64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string format_shape(std::span<const std::uint64_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

Header parse_header(std::span<const std::byte> file, std::string_view file_name) {
  if (file.size() < 8)
    header_fail(HeaderErrorKind::FileTooSmall, file_name,
                "file is {} bytes, too small for the 8-byte header length", file.size());
  Header h;
  h.header_size = read_u64_le(file.first(8));
  if (h.header_size > kMaxHeaderSize)
    header_fail(HeaderErrorKind::HeaderTooLarge, file_name,
                "header length is {} bytes, the limit is {}", h.header_size, kMaxHeaderSize);
  h.data_start = 8 + h.header_size;
  if (h.data_start > file.size())
    header_fail(HeaderErrorKind::HeaderPastEnd, file_name,
                "header length {} ends at byte {}, file has {}", h.header_size, h.data_start,
                file.size());
  const auto header_bytes = file.subspan(8, h.header_size);
  if (auto bad = find_invalid_utf8(header_bytes))
    header_fail(HeaderErrorKind::InvalidUtf8, file_name,
                "header is not UTF-8: invalid byte at offset {}", 8 + *bad);
  const std::string_view text(reinterpret_cast<const char*>(header_bytes.data()),
                              header_bytes.size());
  const json j = parse_json_unique_keys(text, file_name);
  if (!j.is_object())
    header_fail(HeaderErrorKind::InvalidJson, file_name, "header is a JSON {}, expected an object",
                j.type_name());
  h.tensors.reserve(j.size());
  for (const auto& [key, value] : j.items()) {
    if (key == "__metadata__")
      h.metadata = read_metadata(value, file_name);
    else
      h.tensors.push_back(read_entry(key, value, file_name));
  }
  validate_layout(h.tensors, h.data_start, file.size(), file_name);
  return h;
}

}  // namespace vkllm::st
