// Checks of the paths a user gives (a model folder, an ids file, a device map),
// so that a wrong path says what is wrong with it rather than what is missing
// inside it: "does not exist", "is a file, not a folder", "cannot be read".
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace vkllm {

// Throws Error unless `dir` is an existing folder this process may list.
// `what` names it in the message ("model folder"); `hint` says what to give
// instead where it does not exist ("give the folder that holds config.json").
void require_folder(const std::filesystem::path& dir, std::string_view what,
                    std::string_view hint = "");

// The bytes of `file`; throws Error if it does not exist, is a folder or cannot
// be read. `what` names it in the message ("--ids-file").
std::string read_file(const std::filesystem::path& file, std::string_view what);

}  // namespace vkllm
