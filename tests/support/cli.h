// Runs the built vkllm binary as a user would, capturing its output and exit code.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace vkllm::test {

struct CmdResult {
  int code;         // the exit status; -1 when the process did not exit normally
  std::string out;  // stdout, and stderr unless left out
};

// A shell command line; stderr joins stdout unless left out.
inline CmdResult run_command(const std::string& command, bool with_stderr = true) {
  const std::string cmd = command + (with_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* p = popen(cmd.c_str(), "r");
  CmdResult r{-1, ""};
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// `vkllm ARGS` through the shell, with `env` (VAR=value ...) in front.
inline CmdResult run_vkllm(const std::string& args, const std::string& env = "",
                           bool with_stderr = true) {
  return run_command(env + " " + std::string(VKLLM_BINARY_DIR) + "/tools/vkllm " + args,
                     with_stderr);
}

}  // namespace vkllm::test
