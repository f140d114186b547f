// Parsing and validation of a safetensors header from the file's bytes, with the
// rules of the reference implementation (the Rust crate `safetensors`):
//   8-byte little-endian length N <= 100,000,000 with 8 + N inside the file;
//   N bytes of UTF-8 JSON object {name: {dtype, shape, data_offsets}, "__metadata__"?};
//   data_offsets, sorted, tile the data section [0, file size - 8 - N) exactly;
//   each tensor's bytes = product(shape) x dtype bits / 8.
// Pure function of a byte span: this is the fuzz entry point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/error.h"
#include "loaders/safetensors/dtype.h"

namespace vkllm::st {

// What went wrong, one kind per rule, so callers and tests can tell them apart.
enum class HeaderErrorKind {
  FileTooSmall,        // fewer than 8 bytes
  HeaderTooLarge,      // N > 100,000,000
  HeaderPastEnd,       // 8 + N > file size
  InvalidUtf8,         // header bytes are not UTF-8
  InvalidJson,         // not JSON, or not an object at the top level
  DuplicateKey,        // a key appears twice in one JSON object
  InvalidEntry,        // a tensor entry lacks a field or has a wrong type
  UnknownDType,        // dtype string not in the spec
  InvalidMetadata,     // "__metadata__" is not a string -> string object
  InvalidOffsets,      // end < begin
  OffsetOverlap,       // a tensor starts before the previous one ends
  OffsetGap,           // bytes between two tensors (or before the first) belong to none
  SizeOverflow,        // product(shape) x dtype size overflows 64 bits
  MisalignedSize,      // a sub-byte dtype whose bit count is not a whole number of bytes
  ShapeBytesMismatch,  // data_offsets span differs from product(shape) x dtype size
  TensorPastEnd,       // a tensor ends past the end of the file (truncated file)
  TrailingBytes,       // bytes after the last tensor belong to none
};

class HeaderError : public Error {
 public:
  HeaderError(HeaderErrorKind kind, const std::string& what) : Error(what), kind_(kind) {}
  HeaderErrorKind kind() const { return kind_; }

 private:
  HeaderErrorKind kind_;
};

inline constexpr std::uint64_t kMaxHeaderSize = 100'000'000;

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::uint64_t> shape;
  std::uint64_t begin = 0;  // byte offset within the file (data_offsets[0] + 8 + N)
  std::uint64_t end = 0;    // one past the last byte within the file

  std::uint64_t size() const { return end - begin; }
  std::uint64_t numel() const;
};

struct Header {
  std::uint64_t header_size = 0;                // N
  std::uint64_t data_start = 0;                 // 8 + N
  std::vector<TensorInfo> tensors;              // sorted by offset
  std::map<std::string, std::string> metadata;  // "__metadata__", empty if absent
};

// Parses and validates the header of a whole safetensors file held in `file`
// (only the header bytes are read; the size of `file` is the file size).
// `file_name` is used in error messages. Throws HeaderError.
Header parse_header(std::span<const std::byte> file, std::string_view file_name);

// "[4, 96]"
std::string format_shape(std::span<const std::uint64_t> shape);

}  // namespace vkllm::st
