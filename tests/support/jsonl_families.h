// Checks that every line of a JSON-lines case file belongs to a family that a
// parameterized test covers, so no line is skipped silently.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace vkllm::test {

inline void expect_every_line_tested(const std::filesystem::path& file,
                                     const std::vector<std::string>& tested) {
  const std::string label = file.filename().string();
  std::ifstream in(file);
  std::string line;
  int lines = 0, covered = 0;
  std::map<std::string, std::pair<int, int>> untested;  // family: (first line, lines)
  while (std::getline(in, line)) {
    ++lines;
    const std::string family = nlohmann::json::parse(line).at("family");
    if (std::find(tested.begin(), tested.end(), family) != tested.end()) {
      ++covered;
      continue;
    }
    untested.try_emplace(family, lines, 0);  // keeps the first line
    ++untested[family].second;
  }
  for (const auto& [family, where] : untested)
    ADD_FAILURE() << label << ": " << where.second << " line(s) of family '" << family
                  << "' (first: line " << where.first << ") are not tested; add it to families()";
  EXPECT_EQ(covered, lines) << label << " lines checked by the family tests";
  EXPECT_GT(lines, 0) << file << " is empty";
}

}  // namespace vkllm::test
