// Model folders: single file and sharded, and each sharding inconsistency with
// an error naming the index, shard and tensor.
#include <gtest/gtest.h>

#include "loaders/safetensors/index.h"
#include "tests/loaders/st_writer.h"
#include "tests/support/test_data.h"

namespace vkllm::st {
namespace {

std::string error_of(const std::filesystem::path& dir) {
  try {
    ModelFiles::open(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_contains(const std::string& s, std::initializer_list<std::string_view> parts) {
  for (auto p : parts) EXPECT_NE(s.find(p), std::string::npos) << "'" << p << "' in " << s;
}

// Two shards: a+b in s1, c in s2.
void write_sharded(const test::TempDir& dir) {
  test::write_file(dir / "s1.safetensors",
                   test::make_safetensors({{"a", "F32", {2}}, {"b", "BF16", {3, 2}}}));
  test::write_file(dir / "s2.safetensors", test::make_safetensors({{"c", "F16", {4}}}));
}

TEST(ModelFiles, OpensShardedFolder) {
  test::TempDir dir;
  write_sharded(dir);
  test::write_text(dir / "model.safetensors.index.json",
                   R"({"metadata":{"total_size":28,"format":"x"},"weight_map":)"
                   R"({"a":"s1.safetensors","b":"s1.safetensors","c":"s2.safetensors"}})");
  const auto m = ModelFiles::open(dir.path());
  EXPECT_TRUE(m.sharded());
  EXPECT_EQ(m.files().size(), 2u);
  EXPECT_EQ(m.tensor_count(), 3u);
  EXPECT_EQ(m.at("c").file->file_name(), "s2.safetensors");
  EXPECT_EQ(m.at("b").data().size(), 12u);
  EXPECT_EQ(m.index()->total_size, 28u);
  EXPECT_FALSE(m.find("d"));
  EXPECT_TRUE(m.unindexed().empty());
}

TEST(ModelFiles, MissingShard) {
  test::TempDir dir;
  write_sharded(dir);
  test::write_text(dir / "model.safetensors.index.json",
                   R"({"weight_map":{"a":"s1.safetensors","c":"s3.safetensors"}})");
  expect_contains(error_of(dir.path()),
                  {"model.safetensors.index.json", "'s3.safetensors'", "'c'", "missing"});
}

TEST(ModelFiles, TensorListedButAbsent) {
  test::TempDir dir;
  write_sharded(dir);
  test::write_text(dir / "model.safetensors.index.json",
                   R"({"weight_map":{"a":"s1.safetensors","c":"s2.safetensors",)"
                   R"("d":"s2.safetensors"}})");
  expect_contains(error_of(dir.path()), {"'d'", "s2.safetensors", "does not contain it"});
}

TEST(ModelFiles, TensorInTwoShards) {
  test::TempDir dir;
  write_sharded(dir);
  test::write_file(dir / "s2.safetensors",
                   test::make_safetensors({{"c", "F16", {4}}, {"a", "F32", {2}}}));
  test::write_text(dir / "model.safetensors.index.json",
                   R"({"weight_map":{"a":"s1.safetensors","c":"s2.safetensors"}})");
  expect_contains(error_of(dir.path()), {"'a'", "both", "s1.safetensors", "s2.safetensors"});
}

TEST(ModelFiles, TensorInWrongShard) {
  test::TempDir dir;
  write_sharded(dir);
  test::write_text(dir / "model.safetensors.index.json",
                   R"({"weight_map":{"a":"s2.safetensors","b":"s1.safetensors",)"
                   R"("c":"s2.safetensors"}})");
  expect_contains(error_of(dir.path()), {"'a'", "s2.safetensors", "but it is in s1.safetensors"});
}

TEST(ModelFiles, BadIndexJson) {
  test::TempDir dir;
  write_sharded(dir);
  test::write_text(dir / "model.safetensors.index.json", R"({"weight_map":{"a":)");
  expect_contains(error_of(dir.path()), {"model.safetensors.index.json", "not valid JSON"});
  test::write_text(dir / "model.safetensors.index.json", R"({"metadata":{}})");
  expect_contains(error_of(dir.path()), {"no 'weight_map'"});
  test::write_text(dir / "model.safetensors.index.json",
                   R"({"weight_map":{"a":"../s1.safetensors"}})");
  expect_contains(error_of(dir.path()), {"'../s1.safetensors'", "file name in the folder"});
}

TEST(ModelFiles, UnindexedTensorsAreReported) {
  test::TempDir dir;
  write_sharded(dir);
  test::write_text(dir / "model.safetensors.index.json",
                   R"({"weight_map":{"a":"s1.safetensors","c":"s2.safetensors"}})");
  const auto m = ModelFiles::open(dir.path());
  EXPECT_EQ(m.unindexed(), std::vector<std::string>{"b"});
  EXPECT_TRUE(m.find("b"));
}

TEST(ModelFiles, EmptyFolder) {
  test::TempDir dir;
  expect_contains(error_of(dir.path()), {"no model.safetensors or model.safetensors.index.json"});
  expect_contains(error_of(dir / "nope"), {"not a directory"});
}

TEST(ModelFiles, FixtureShardedMatchesSingle) {
  VKLLM_TEST_DATA_PATH(sharded, "fixtures/llama-bf16-sharded");
  VKLLM_TEST_DATA_PATH(single, "fixtures/llama-bf16");
  const auto a = ModelFiles::open(sharded);
  const auto b = ModelFiles::open(single);
  EXPECT_TRUE(a.sharded());
  EXPECT_FALSE(b.sharded());
  EXPECT_EQ(a.files().size(), 3u);
  EXPECT_EQ(a.tensor_count(), b.tensor_count());
  std::uint64_t total = 0;
  for (const auto& t : a.tensors()) {
    total += t.info->size();
    const auto other = b.at(t.info->name);
    EXPECT_EQ(t.info->shape, other.info->shape) << t.info->name;
  }
  EXPECT_EQ(a.index()->total_size, total);
}

}  // namespace
}  // namespace vkllm::st
