#include "engine/base/paths.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/base/error.h"

namespace vkllm {

namespace fs = std::filesystem;

// A status that could not be read for another reason than absence (a parent
// folder without permission, a file used as a folder on the way).
void check_status_error(const fs::path& p, std::string_view what, const std::error_code& ec) {
  if (ec && ec != std::errc::no_such_file_or_directory)
    fail("{} '{}' cannot be reached: {}", what, p.string(), ec.message());
}

void require_folder(const fs::path& dir, std::string_view what, std::string_view hint) {
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (dir.empty()) fail("{}: the path is empty; give a folder", what);
  check_status_error(dir, what, ec);
  if (!fs::exists(st))
    fail("{} '{}' does not exist{}{}", what, dir.string(), hint.empty() ? "" : "; ", hint);
  if (!fs::is_directory(st))
    fail("{} '{}' is a file, not a folder; give the folder that holds it", what, dir.string());
  if (::access(dir.c_str(), R_OK | X_OK) != 0)
    fail("{} '{}' cannot be read: {}", what, dir.string(), std::strerror(errno));
}

std::string read_file(const fs::path& file, std::string_view what) {
  std::error_code ec;
  const fs::file_status st = fs::status(file, ec);
  if (file.empty()) fail("{}: the path is empty; give a file", what);
  check_status_error(file, what, ec);
  if (!fs::exists(st)) fail("{} '{}' does not exist", what, file.string());
  if (fs::is_directory(st)) fail("{} '{}' is a folder, not a file", what, file.string());
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("{} '{}' cannot be read: {}", what, file.string(), std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) fail("{} '{}': reading failed: {}", what, file.string(), std::strerror(errno));
  return ss.str();
}

}  // namespace vkllm
