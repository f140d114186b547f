// `vkllm devices` as a user runs it, and what it says when no driver exists.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "tests/support/cli.h"

namespace vkllm {
namespace {

using test::CmdResult;

CmdResult run(const std::string& args, const std::string& env = "", bool with_stderr = true) {
  return test::run_vkllm(args, env, with_stderr);
}

TEST(CliDevices, ListsTheDevice) {
  CmdResult r = run("devices");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("[0] "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("maxStorageBufferRange"), std::string::npos) << r.out;
}

TEST(CliDevices, Json) {
  CmdResult r = run("devices --json");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"max_storage_buffer_range\""), std::string::npos) << r.out;
}

// Budget and usage appear only where VK_EXT_memory_budget measured them (lavapipe
// has no such extension; most GPU drivers do).
TEST(CliDevices, MemoryBudgetOnlyWhereMeasured) {
  CmdResult js = run("devices --json", "", false);
  ASSERT_EQ(js.code, 0) << js.out;
  const auto devices = nlohmann::json::parse(js.out);
  CmdResult table = run("devices");
  ASSERT_EQ(table.code, 0) << table.out;
  ASSERT_FALSE(devices.empty());
  for (const auto& d : devices) {
    SCOPED_TRACE(d["name"].get<std::string>());
    const bool measured = d["memory_budget"].get<bool>();
    for (const auto& h : d["heaps"]) {
      EXPECT_EQ(h["budget"].is_number(), measured) << h;
      EXPECT_EQ(h["usage"].is_number(), measured) << h;
      EXPECT_EQ(h["budget"].is_null(), !measured) << h;
    }
    if (!measured) {
      EXPECT_NE(table.out.find("budget n/a (no VK_EXT_memory_budget)"), std::string::npos)
          << table.out;
    }
  }
}

TEST(CliDevices, UnknownIndexPrintsTheList) {
  CmdResult r = run("devices --device 42");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("no device matches '42'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[0] "), std::string::npos) << r.out;
}

TEST(CliDevices, NoDriverSaysWhatToInstall) {
  // Point the loader at a driver manifest that does not exist: no device at all.
  CmdResult r = run("devices",
                    "VK_DRIVER_FILES=/nonexistent/icd.json VK_ICD_FILENAMES=/nonexistent/icd.json");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("no Vulkan"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("apt-get install"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace vkllm
