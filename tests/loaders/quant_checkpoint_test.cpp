// Quantized checkpoints that are damaged or unlike their config: a copy of a
// ../shared/fixtures-quant folder with one thing changed, refused with the file,
// the tensor and what was wrong named (never a crash or wrong numbers).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "engine/base/error.h"
#include "loaders/model/model_folder.h"
#include "loaders/safetensors/file.h"
#include "tests/loaders/st_writer.h"
#include "tests/support/test_data.h"

namespace vkllm::model {
namespace {

// Overwrites `bytes` at `at` bytes into tensor `name`'s data in dir/model.safetensors.
void patch_tensor(const std::filesystem::path& dir, const std::string& name, uint64_t at,
                  const std::string& bytes) {
  uint64_t begin = 0;
  {
    const auto f = st::SafetensorsFile::open(dir / "model.safetensors");
    begin = f.at(name).begin;
  }
  std::fstream out(dir / "model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
  out.seekp(std::streamoff(begin + at));
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

// Replaces the first `from` in dir/file with `to`.
void edit_text(const std::filesystem::path& path, const std::string& from, const std::string& to) {
  std::string text = test::read_text(path);
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  test::write_text(path, text);
}

// A writable copy of a fixture folder (../shared's files are read-only).
void copy_writable(const std::filesystem::path& src, const std::filesystem::path& dst) {
  test::copy_folder(src, dst);
  for (const auto& e : std::filesystem::directory_iterator(dst))
    std::filesystem::permissions(e.path(), std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
}

std::string refusal(const std::filesystem::path& dir) {
  try {
    open_model_folder(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

#define EXPECT_SAYS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(QuantCheckpoints, GptqZerosThatAreNotSymmetric) {
  VKLLM_TEST_DATA_PATH(src, "fixtures-quant/gptq-4bit-llama");
  test::TempDir dir;
  copy_writable(src, dir.path());
  patch_tensor(dir.path(), "model.layers.0.self_attn.q_proj.qzeros", 4, "\x12\x34\x56\x78");
  EXPECT_SAYS(refusal(dir.path()),
              "'model.layers.0.self_attn.q_proj.qzeros' holds zeros other than 7 or 8 although "
              "sym is true");
}

TEST(QuantCheckpoints, GroupSizeThatDoesNotDivideTheRows) {
  VKLLM_TEST_DATA_PATH(src, "fixtures-quant/awq-gemm-llama");
  test::TempDir dir;
  copy_writable(src, dir.path());
  edit_text(dir / "config.json", "\"group_size\": 64", "\"group_size\": 48");
  EXPECT_SAYS(refusal(dir.path()), "not a multiple of group_size 48");
}

TEST(QuantCheckpoints, BitsandbytesBlocksizeZeroOrStraddlingRows) {
  VKLLM_TEST_DATA_PATH(src, "fixtures-quant/bnb-nf4-dq-llama");
  for (const char* bad : {" 0", "96"}) {
    test::TempDir dir;
    copy_writable(src, dir.path());
    const std::string state =
        "model.layers.0.self_attn.q_proj.weight.quant_state.bitsandbytes__nf4";
    const auto f = st::SafetensorsFile::open(dir / "model.safetensors");
    const auto bytes = f.data(f.at(state));
    const std::string json(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const size_t at = json.find("\"blocksize\": 64") + std::string("\"blocksize\": ").size();
    ASSERT_NE(at, std::string::npos);
    patch_tensor(dir.path(), state, at, bad);
    EXPECT_SAYS(refusal(dir.path()), "blocks that straddle rows are not supported");
  }
}

TEST(QuantCheckpoints, MissingScaleTensor) {
  VKLLM_TEST_DATA_PATH(src, "fixtures-quant/fp8-block-llama");
  test::TempDir dir;
  copy_writable(src, dir.path());
  edit_text(dir / "config.json", "\"weight_block_size\"", "\"weight_block_sizes\"");
  // Without block sizes the scales are looked for per tensor or row: weight_scale.
  EXPECT_SAYS(refusal(dir.path()), "weight_scale' is missing");
}

}  // namespace
}  // namespace vkllm::model
