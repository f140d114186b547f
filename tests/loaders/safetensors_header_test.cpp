// Header validation: a valid file, and one corrupted file per rule, each with its
// own error kind and a message naming the file, the tensor, expected and found.
#include <gtest/gtest.h>

#include "loaders/safetensors/file.h"
#include "loaders/safetensors/header.h"
#include "tests/loaders/st_writer.h"
#include "tests/support/test_data.h"

namespace vkllm::st {
namespace {

using test::raw_safetensors;

// Parses `bytes`; expects HeaderError of `kind` whose message contains every `parts`.
void expect_error(const std::vector<std::byte>& bytes, HeaderErrorKind kind,
                  std::initializer_list<std::string_view> parts) {
  try {
    parse_header(bytes, "bad.safetensors");
    FAIL() << "parsed without error";
  } catch (const HeaderError& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    const std::string what = e.what();
    EXPECT_NE(what.find("bad.safetensors"), std::string::npos) << what;
    for (auto p : parts) EXPECT_NE(what.find(p), std::string::npos) << "'" << p << "' in " << what;
  }
}

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

TEST(SafetensorsHeader, FileTooSmall) {
  expect_error(std::vector<std::byte>(5), HeaderErrorKind::FileTooSmall, {"5 bytes"});
}

TEST(SafetensorsHeader, HeaderTooLarge) {
  auto bytes = raw_safetensors("{}", 0);
  bytes[3] = std::byte{0x10};  // 268 MB
  expect_error(bytes, HeaderErrorKind::HeaderTooLarge, {"100000000"});
}

TEST(SafetensorsHeader, HeaderLengthPastEnd) {
  auto bytes = raw_safetensors("{}", 0);
  bytes[0] = std::byte{200};
  expect_error(bytes, HeaderErrorKind::HeaderPastEnd, {"header length 200", "file has 10"});
}

TEST(SafetensorsHeader, InvalidUtf8) {
  expect_error(raw_safetensors("{\"\xff\":1}", 0), HeaderErrorKind::InvalidUtf8, {"offset 10"});
  expect_error(raw_safetensors("{\"\xed\xa0\x80\":1}", 0), HeaderErrorKind::InvalidUtf8, {});
}

TEST(SafetensorsHeader, InvalidJson) {
  expect_error(raw_safetensors("{\"a\":", 0), HeaderErrorKind::InvalidJson, {"JSON"});
  expect_error(raw_safetensors("[1,2]", 0), HeaderErrorKind::InvalidJson, {"array"});
}

TEST(SafetensorsHeader, DuplicateKey) {
  expect_error(raw_safetensors(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                               R"("a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})",
                               1),
               HeaderErrorKind::DuplicateKey, {"'a'"});
}

TEST(SafetensorsHeader, InvalidEntry) {
  expect_error(raw_safetensors(R"({"w":{"shape":[1],"data_offsets":[0,1]}})", 1),
               HeaderErrorKind::InvalidEntry, {"'w'", "dtype"});
  expect_error(raw_safetensors(R"({"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", 1),
               HeaderErrorKind::InvalidEntry, {"'w'", "shape"});
  expect_error(raw_safetensors(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}})", 1),
               HeaderErrorKind::InvalidEntry, {"'w'", "3 values"});
}

TEST(SafetensorsHeader, UnknownDType) {
  expect_error(raw_safetensors(R"({"w":{"dtype":"F12","shape":[1],"data_offsets":[0,1]}})", 1),
               HeaderErrorKind::UnknownDType, {"'w'", "'F12'", "BF16"});
}

TEST(SafetensorsHeader, InvalidMetadata) {
  expect_error(raw_safetensors(R"({"__metadata__":{"n":1}})", 0), HeaderErrorKind::InvalidMetadata,
               {"__metadata__"});
}

TEST(SafetensorsHeader, EndBeforeBegin) {
  expect_error(raw_safetensors(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}})", 1),
               HeaderErrorKind::InvalidOffsets, {"'w'", "[1, 0]"});
}

TEST(SafetensorsHeader, OverlappingOffsets) {
  expect_error(raw_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                               12),
               HeaderErrorKind::OffsetOverlap, {"'b'", "'a'", "ends at 8"});
}

TEST(SafetensorsHeader, GapBetweenTensors) {
  expect_error(raw_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})",
                               20),
               HeaderErrorKind::OffsetGap, {"'b'", "offset 12", "expected 8", "4 bytes"});
  expect_error(raw_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12),
               HeaderErrorKind::OffsetGap, {"'a'", "start of the data"});
}

TEST(SafetensorsHeader, ShapeBytesMismatch) {
  expect_error(raw_safetensors(R"({"w":{"dtype":"BF16","shape":[3,4],"data_offsets":[0,20]}})", 20),
               HeaderErrorKind::ShapeBytesMismatch,
               {"'w'", "[3, 4]", "BF16", "needs 24", "hold 20"});
}

TEST(SafetensorsHeader, SizeOverflow) {
  expect_error(
      raw_safetensors(
          R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", 4),
      HeaderErrorKind::SizeOverflow, {"'w'"});
}

TEST(SafetensorsHeader, MisalignedSubByteSize) {
  expect_error(raw_safetensors(R"({"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})", 2),
               HeaderErrorKind::MisalignedSize, {"'w'", "12 bits"});
  EXPECT_NO_THROW(parse_header(
      raw_safetensors(R"({"w":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}})", 2), "f4"));
}

TEST(SafetensorsHeader, TruncatedFileNamesTensorAndSizes) {
  const std::string h = R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  const auto bytes = raw_safetensors(h, 10);
  const std::string ends = "ends at byte " + std::to_string(8 + h.size() + 16);
  const std::string has = "file has " + std::to_string(bytes.size());
  expect_error(bytes, HeaderErrorKind::TensorPastEnd, {"'w'", ends, has});
}

TEST(SafetensorsHeader, TrailingBytes) {
  expect_error(raw_safetensors(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 9),
               HeaderErrorKind::TrailingBytes, {"5 trailing bytes"});
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
