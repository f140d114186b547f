// Header validation: a valid file, and one corrupted file per rule, each with its
// own error kind and a message naming the file, the tensor, expected and found,
// both parsed in memory and opened from disk.
#include <gtest/gtest.h>

#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "loaders/safetensors/file.h"
#include "loaders/safetensors/header.h"
#include "tests/loaders/st_writer.h"
#include "tests/support/test_data.h"

namespace vkllm::st {
namespace {

using test::raw_safetensors;

constexpr std::string_view kTwo =
    R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
    R"("a":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]},"__metadata__":{"format":"pt"}})";

TEST(SafetensorsHeader, ParsesValidHeaderSortedByOffset) {
  const auto bytes = raw_safetensors(kTwo, 16);
  const Header h = parse_header(bytes, "ok.safetensors");
  ASSERT_EQ(h.tensors.size(), 2u);
  EXPECT_EQ(h.tensors[0].name, "a");
  EXPECT_EQ(h.tensors[0].dtype, DType::BF16);
  EXPECT_EQ(h.tensors[0].shape, (std::vector<std::uint64_t>{2, 2}));
  EXPECT_EQ(h.tensors[0].begin, 8 + kTwo.size());
  EXPECT_EQ(h.tensors[1].name, "b");
  EXPECT_EQ(h.tensors[1].end, bytes.size());
  EXPECT_EQ(h.metadata.at("format"), "pt");
}

TEST(SafetensorsHeader, EmptyHeaderAndZeroSizedTensors) {
  EXPECT_TRUE(parse_header(raw_safetensors("{}", 0), "e").tensors.empty());
  const auto h =
      parse_header(raw_safetensors(R"({"z":{"dtype":"F16","shape":[0,4],"data_offsets":[0,0]},)"
                                   R"("s":{"dtype":"F64","shape":[],"data_offsets":[0,8]}})",
                                   8),
                   "z");
  ASSERT_EQ(h.tensors.size(), 2u);
  EXPECT_EQ(h.tensors[1].numel(), 1u);  // a scalar
}

TEST(SafetensorsHeader, SubByteDTypeInWholeBytes) {
  EXPECT_NO_THROW(parse_header(
      raw_safetensors(R"({"w":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}})", 2), "f4"));
}

// One corrupted file per rule (several for some). Each runs through parse_header
// on the bytes in memory (the fuzz entry point) and through SafetensorsFile::open
// on the same bytes written to a temp dir (what the loader calls), with the same
// error kind and a message naming the file, the tensor, expected and found.
struct Corruption {
  std::string name;  // the test's and the file's name
  std::vector<std::byte> bytes;
  HeaderErrorKind kind;
  std::vector<std::string> parts;  // the message contains each

  std::string file_name() const { return name + ".safetensors"; }
};

void PrintTo(const Corruption& c, std::ostream* os) {
  *os << c.name;
}

std::string bytes_at(std::size_t header_size, std::size_t data_offset) {
  return std::to_string(8 + header_size + data_offset);
}

std::vector<Corruption> corruptions() {
  using K = HeaderErrorKind;
  std::vector<Corruption> c;
  auto add = [&](std::string name, std::vector<std::byte> bytes, K kind,
                 std::vector<std::string> parts) {
    c.push_back({std::move(name), std::move(bytes), kind, std::move(parts)});
  };
  add("EmptyFile", {}, K::FileTooSmall, {"file is 0 bytes", "8-byte header length"});
  add("FileTooSmall", std::vector<std::byte>(5), K::FileTooSmall, {"file is 5 bytes"});

  auto too_large = raw_safetensors("{}", 0);
  too_large[3] = std::byte{0x10};  // 268 MB
  add("HeaderTooLarge", too_large, K::HeaderTooLarge,
      {"header length is 268435458 bytes, the limit is 100000000"});

  auto past_end = raw_safetensors("{}", 0);
  past_end[0] = std::byte{200};
  add("HeaderLengthPastEnd", past_end, K::HeaderPastEnd,
      {"header length 200 ends at byte 208, file has 10"});

  // A valid file cut inside its header.
  auto cut_header = test::make_safetensors({{"x", "F32", {3}}});
  const std::size_t x_header = cut_header.size() - 8 - 12;
  cut_header.resize(8 + x_header / 2);
  add("TruncatedInsideHeader", cut_header, K::HeaderPastEnd,
      {fmt::format("header length {} ends at byte {}, file has {}", x_header, 8 + x_header,
                   cut_header.size())});

  add("InvalidUtf8Byte", raw_safetensors("{\"\xff\":1}", 0), K::InvalidUtf8,
      {"not UTF-8: invalid byte at offset 10"});
  add("InvalidUtf8Surrogate", raw_safetensors("{\"\xed\xa0\x80\":1}", 0), K::InvalidUtf8,
      {"not UTF-8: invalid byte at offset 10"});
  add("InvalidJsonSyntax", raw_safetensors("{\"a\":", 0), K::InvalidJson,
      {"header is not valid JSON"});
  add("InvalidJsonArray", raw_safetensors("[1,2]", 0), K::InvalidJson,
      {"header is a JSON array, expected an object"});
  add("DuplicateKey",
      raw_safetensors(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                      R"("a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})",
                      1),
      K::DuplicateKey, {"the key 'a' more than once"});
  add("EntryWithoutDtype", raw_safetensors(R"({"w":{"shape":[1],"data_offsets":[0,1]}})", 1),
      K::InvalidEntry, {"tensor 'w' has no 'dtype'"});
  add("NegativeShape",
      raw_safetensors(R"({"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", 1),
      K::InvalidEntry, {"tensor 'w': shape has -1, expected non-negative integers"});
  add("ThreeOffsets",
      raw_safetensors(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}})", 1),
      K::InvalidEntry, {"tensor 'w': data_offsets has 3 values, expected 2"});
  add("UnknownDType",
      raw_safetensors(R"({"w":{"dtype":"F12","shape":[1],"data_offsets":[0,1]}})", 1),
      K::UnknownDType, {"tensor 'w' has unknown dtype 'F12' (expected one of", "BF16"});
  add("MetadataNotStrings", raw_safetensors(R"({"__metadata__":{"n":1}})", 0), K::InvalidMetadata,
      {"__metadata__['n'] is a JSON number, expected a string"});
  add("EndBeforeBegin",
      raw_safetensors(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}})", 1),
      K::InvalidOffsets, {"tensor 'w' has data_offsets [1, 0]: end before begin"});
  add("OverlappingOffsets",
      raw_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                      12),
      K::OffsetOverlap, {"tensor 'b' data_offsets [4, 12] overlap tensor 'a' which ends at 8"});
  add("GapBetweenTensors",
      raw_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})",
                      20),
      K::OffsetGap,
      {"tensor 'b' starts at data offset 12, expected 8 (the end of 'a'): 4 bytes belong to no"});
  add("GapBeforeFirstTensor",
      raw_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12),
      K::OffsetGap, {"tensor 'a' starts at data offset 4, expected 0 (the start of the data)"});
  add("ShapeBytesMismatch",
      raw_safetensors(R"({"w":{"dtype":"BF16","shape":[3,4],"data_offsets":[0,20]}})", 20),
      K::ShapeBytesMismatch,
      {"tensor 'w': shape [3, 4] of BF16 needs 24 bytes, data_offsets [0, 20] hold 20"});
  add("SizeOverflow",
      raw_safetensors(
          R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", 4),
      K::SizeOverflow,
      {"tensor 'w': shape [4294967296, 4294967296] has more elements than fit in 64 bits"});
  add("MisalignedSubByteSize",
      raw_safetensors(R"({"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})", 2),
      K::MisalignedSize, {"tensor 'w': shape [3] of F4 is 12 bits, not a whole number of bytes"});

  const std::string w16 = R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  add("TruncatedFile", raw_safetensors(w16, 10), K::TensorPastEnd,
      {fmt::format("tensor 'w' ends at byte {}, file has {}", bytes_at(w16.size(), 16),
                   bytes_at(w16.size(), 10))});

  const std::string w4 = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  add("TrailingBytes", raw_safetensors(w4, 9), K::TrailingBytes,
      {fmt::format("last tensor 'w' ends at byte {}, file has {}: 5 trailing bytes belong to no "
                   "tensor",
                   bytes_at(w4.size(), 4), bytes_at(w4.size(), 9))});
  add("TrailingBytesWithoutTensors", raw_safetensors("{}", 3), K::TrailingBytes,
      {"header lists no tensor and ends at byte 10, file has 13: 3 trailing bytes"});
  return c;
}

// Runs `parse`, which must throw the HeaderError `c` describes for `file_name`.
template <typename Parse>
void expect_header_error(const Corruption& c, Parse parse) {
  try {
    parse();
    ADD_FAILURE() << c.name << ": parsed without error";
  } catch (const HeaderError& e) {
    const std::string what = e.what();
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(c.kind)) << what;
    const std::string prefix = "safetensors: " + c.file_name() + ": ";
    EXPECT_EQ(what.rfind(prefix, 0), 0u) << "'" << prefix << "' starts " << what;
    for (const auto& p : c.parts)
      EXPECT_NE(what.find(p), std::string::npos) << "'" << p << "' in " << what;
  }
}

class CorruptedHeader : public ::testing::TestWithParam<Corruption> {};

TEST_P(CorruptedHeader, ParseHeaderInMemory) {
  const Corruption& c = GetParam();
  expect_header_error(c, [&] { parse_header(c.bytes, c.file_name()); });
}

TEST_P(CorruptedHeader, OpenFromFile) {
  const Corruption& c = GetParam();
  test::TempDir dir;
  const auto path = dir / c.file_name();
  test::write_file(path, c.bytes);
  ASSERT_EQ(std::filesystem::file_size(path), c.bytes.size());
  expect_header_error(c, [&] { SafetensorsFile::open(path); });
}

INSTANTIATE_TEST_SUITE_P(Safetensors, CorruptedHeader, ::testing::ValuesIn(corruptions()),
                         [](const auto& info) { return info.param.name; });

TEST(SafetensorsHeader, EveryErrorKindHasACorruptedFile) {
  std::set<int> covered;
  for (const auto& c : corruptions()) covered.insert(static_cast<int>(c.kind));
  for (int k = 0; k <= static_cast<int>(HeaderErrorKind::TrailingBytes); ++k)  // the last kind
    EXPECT_TRUE(covered.contains(k)) << "no corrupted file for HeaderErrorKind " << k;
}

TEST(SafetensorsFile, MapsAndViewsTensors) {
  test::TempDir dir;
  test::write_file(dir / "m.safetensors",
                   test::make_safetensors({{"x", "F32", {3}}, {"y", "U8", {5}}}));
  auto f = SafetensorsFile::open(dir / "m.safetensors");
  ASSERT_NE(f.find("y"), nullptr);
  EXPECT_EQ(f.find("nope"), nullptr);
  EXPECT_EQ(f.data(f.at("x")).size(), 12u);
  EXPECT_EQ(f.data(f.at("y"))[0], std::byte{0x5a});
  EXPECT_THROW(f.at("nope"), Error);
  SafetensorsFile moved = std::move(f);
  EXPECT_EQ(moved.at("y").size(), 5u);
}

TEST(SafetensorsFile, MissingFileIsAnError) {
  test::TempDir dir;
  EXPECT_THROW(SafetensorsFile::open(dir / "none.safetensors"), Error);
}

TEST(SafetensorsFile, TruncatedFixtureShard) {
  VKLLM_TEST_DATA_PATH(src, "fixtures/llama-bf16/model.safetensors");
  test::TempDir dir;
  const auto full = SafetensorsFile::open(src);
  const TensorInfo& last = full.tensors().back();
  const auto cut = std::filesystem::file_size(src) - 100;
  std::filesystem::copy_file(src, dir / "model.safetensors");
  std::filesystem::resize_file(dir / "model.safetensors", cut);
  try {
    SafetensorsFile::open(dir / "model.safetensors");
    FAIL() << "opened a truncated file";
  } catch (const HeaderError& e) {
    EXPECT_EQ(e.kind(), HeaderErrorKind::TensorPastEnd);
    const std::string want = "model.safetensors: tensor '" + last.name + "' ends at byte " +
                             std::to_string(last.end) + ", file has " + std::to_string(cut);
    EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vkllm::st
