// Every subcommand given a path that is missing, empty, of the wrong kind or
// unreadable says which, and exits 1; a usage error (no subcommand, an unknown
// flag) prints the usage and exits 2.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/cli.h"

namespace vkllm {
namespace {

namespace fs = std::filesystem;
using test::run_vkllm;

// A scratch folder with an empty folder, a plain file and a messages file in it.
class CliPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("vkllm-cli-paths-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "empty");
    std::ofstream(root_ / "file.txt") << "not a model\n";
    std::ofstream(root_ / "messages.json") << R"([{"role": "user", "content": "Hi"}])";
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(root_ / "locked", fs::perms::owner_all, ec);
    fs::remove_all(root_, ec);
  }
  std::string path(const std::string& rel) const { return (root_ / rel).string(); }
  fs::path root_;
};

// Each subcommand that reads a model folder, with {} where the folder goes.
struct FolderCommand {
  std::string args;
  std::string when_empty;  // what it says of an empty folder
};

std::vector<FolderCommand> folder_commands(const std::string& messages) {
  return {
      {"run -m {} -p hi -n 1", "has no config.json (the folder is empty)"},
      {"chat -m {} </dev/null", "has no config.json (the folder is empty)"},
      {"score -m {} --ids 1,2", "has no config.json (the folder is empty)"},
      {"bench -m {} -p 4 -n 2 -r 1", "has no config.json (the folder is empty)"},
      {"inspect {}", "has no config.json (the folder is empty)"},
      {"load {}", "has no config.json (the folder is empty)"},
      {"tokenize -m {} --text hi", "has no tokenizer.json"},
      {"detokenize -m {} --ids 1", "has no tokenizer.json"},
      {"template -m {} --messages " + messages, "has no chat template"},
  };
}

std::string with(std::string args, const std::string& path) {
  return args.replace(args.find("{}"), 2, "'" + path + "'");
}

void expect_error(const std::string& args, const std::string& says) {
  const test::CmdResult r = run_vkllm(args);
  EXPECT_EQ(r.code, 1) << "vkllm " << args << "\n" << r.out;
  EXPECT_NE(r.out.find(says), std::string::npos)
      << "vkllm " << args << "\nexpected it to say: " << says << "\nit said: " << r.out;
  EXPECT_EQ(r.out.find("Segmentation"), std::string::npos) << r.out;
}

TEST_F(CliPaths, MissingModelFolder) {
  for (const auto& c : folder_commands(path("messages.json")))
    expect_error(with(c.args, "/nonexistent/model"), "'/nonexistent/model' does not exist");
}

TEST_F(CliPaths, ModelFolderThatIsAFile) {
  for (const auto& c : folder_commands(path("messages.json")))
    expect_error(with(c.args, path("file.txt")), "is a file, not a folder");
}

TEST_F(CliPaths, EmptyModelFolder) {
  for (const auto& c : folder_commands(path("messages.json")))
    expect_error(with(c.args, path("empty")), c.when_empty);
}

// Root reads every folder: as root the command runs as nobody (setpriv).
TEST_F(CliPaths, UnreadableModelFolder) {
  std::string as_user;
  if (::geteuid() == 0) {
    if (std::system("setpriv --help > /dev/null 2>&1") != 0)
      GTEST_SKIP() << "running as root without setpriv (util-linux) to drop privileges";
    as_user = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    if (test::run_command(as_user + VKLLM_BINARY_DIR "/tools/vkllm --version").code != 0)
      GTEST_SKIP() << "nobody cannot run " << VKLLM_BINARY_DIR << "/tools/vkllm here";
    fs::permissions(root_, fs::perms::all);  // nobody may reach the folder itself
    fs::permissions(root_ / "messages.json", fs::perms::all);
  }
  fs::create_directories(root_ / "locked");
  fs::permissions(root_ / "locked", fs::perms::none);
  for (const auto& c : folder_commands(path("messages.json"))) {
    const std::string args = with(c.args, path("locked"));
    const test::CmdResult r = test::run_command(as_user + VKLLM_BINARY_DIR "/tools/vkllm " + args);
    EXPECT_EQ(r.code, 1) << args << "\n" << r.out;
    EXPECT_NE(r.out.find("cannot be read: Permission denied"), std::string::npos) << args << "\n"
                                                                                  << r.out;
  }
}

// Each option that reads a file, on the demo model.
std::vector<std::string> file_commands(const std::string& messages) {
  const std::string demo = VKLLM_DEMO_DIR;
  return {
      "score -m " + demo + " --ids-file {}",
      "score -m " + demo + " --ids 1,2 --device-map {}",
      "tokenize -m " + demo + " --file {}",
      "template -m " + demo + " --messages {}",
      "template -m " + demo + " --messages " + messages + " --tools {}",
  };
}

TEST_F(CliPaths, MissingFile) {
  for (const auto& args : file_commands(path("messages.json")))
    expect_error(with(args, "/nonexistent/file.json"), "'/nonexistent/file.json' does not exist");
}

TEST_F(CliPaths, FileThatIsAFolder) {
  for (const auto& args : file_commands(path("messages.json")))
    expect_error(with(args, path("empty")), "is a folder, not a file");
}

TEST_F(CliPaths, OutputInAMissingFolder) {
  expect_error("score -m " + std::string(VKLLM_DEMO_DIR) + " --ids 1,2 --out /nonexistent/x.st",
               "cannot create /nonexistent/x.st: No such file or directory");
}

TEST(CliUsage, NoSubcommandPrintsUsageAndExits2) {
  const test::CmdResult r = run_vkllm("");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("Usage"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("run"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("give a subcommand"), std::string::npos) << r.out;
}

TEST(CliUsage, UnknownFlagExits2) {
  const test::CmdResult r = run_vkllm("run --no-such-flag");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--no-such-flag"), std::string::npos) << r.out;
}

TEST(CliUsage, HelpAndVersionExit0) {
  EXPECT_EQ(run_vkllm("--help").code, 0);
  EXPECT_EQ(run_vkllm("run --help").code, 0);
  const test::CmdResult v = run_vkllm("--version");
  EXPECT_EQ(v.code, 0) << v.out;
  EXPECT_NE(v.out.find("vkllm "), std::string::npos) << v.out;
}

}  // namespace
}  // namespace vkllm
