#include "loaders/safetensors/index.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace vkllm::st {
namespace {

using nlohmann::json;

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) fail("safetensors: {}: cannot read", p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A shard must name a file in the folder itself, never a path out of it.
bool plain_file_name(std::string_view s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string_view::npos &&
         s.find('\\') == std::string_view::npos && s.find('\0') == std::string_view::npos;
}

}  // namespace

std::vector<std::string> CheckpointIndex::shard_names() const {
  std::vector<std::string> names;
  for (const auto& [t, s] : weight_map) names.push_back(s);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

CheckpointIndex parse_checkpoint_index(std::string_view text, std::string_view file_name) {
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    fail("safetensors index: {}: not valid JSON: {}", file_name, e.what());
  }
  if (!j.is_object())
    fail("safetensors index: {}: is a JSON {}, expected an object", file_name, j.type_name());
  CheckpointIndex idx;
  if (auto m = j.find("metadata"); m != j.end() && m->is_object()) {
    if (auto ts = m->find("total_size"); ts != m->end() && ts->is_number_unsigned())
      idx.total_size = ts->get<std::uint64_t>();
  }
  auto wm = j.find("weight_map");
  if (wm == j.end()) fail("safetensors index: {}: has no 'weight_map'", file_name);
  if (!wm->is_object())
    fail("safetensors index: {}: weight_map is a JSON {}, expected an object", file_name,
         wm->type_name());
  for (const auto& [tensor, shard] : wm->items()) {
    if (!shard.is_string())
      fail("safetensors index: {}: weight_map['{}'] is {}, expected a file name", file_name, tensor,
           shard.dump());
    const auto s = shard.get<std::string>();
    if (!plain_file_name(s))
      fail("safetensors index: {}: weight_map['{}'] is '{}', expected a file name in the folder",
           file_name, tensor, s);
    idx.weight_map.emplace(tensor, s);
  }
  return idx;
}

ModelFiles ModelFiles::open(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  ModelFiles m;
  m.dir_ = dir;
  if (!fs::is_directory(dir)) fail("model: {}: not a directory", dir.string());
  const fs::path single = dir / kSingleFileName;
  const fs::path index_path = dir / kIndexFileName;
  // transformers prefers the single file when both exist.
  if (fs::exists(single)) {
    m.files_.push_back(SafetensorsFile::open(single));
  } else if (fs::exists(index_path)) {
    m.index_ = parse_checkpoint_index(read_text(index_path), kIndexFileName);
    std::map<std::string, std::string> first_tensor;  // shard -> a tensor mapped to it
    for (const auto& [t, s] : m.index_->weight_map) first_tensor.emplace(s, t);
    for (const auto& name : m.index_->shard_names()) {
      if (!fs::exists(dir / name))
        fail("safetensors index: {}: shard '{}' (holding '{}') is missing from {}", kIndexFileName,
             name, first_tensor[name], dir.string());
      m.files_.push_back(SafetensorsFile::open(dir / name));
    }
  } else {
    fail("model: {}: no {} or {}", dir.string(), kSingleFileName, kIndexFileName);
  }
  for (const auto& f : m.files_) {
    for (const auto& t : f.tensors()) {
      auto [it, inserted] = m.by_name_.emplace(t.name, TensorRef{&f, &t});
      if (!inserted)
        fail("safetensors: {}: tensor '{}' is in both {} and {}", dir.string(), t.name,
             it->second.file->file_name(), f.file_name());
    }
  }
  if (m.index_) {
    for (const auto& [t, s] : m.index_->weight_map) {
      auto it = m.by_name_.find(t);
      if (it == m.by_name_.end())
        fail("safetensors index: {}: maps tensor '{}' to {}, which does not contain it",
             kIndexFileName, t, s);
      if (it->second.file->file_name() != s)
        fail("safetensors index: {}: maps tensor '{}' to {}, but it is in {}", kIndexFileName, t, s,
             it->second.file->file_name());
    }
    for (const auto& f : m.files_)
      for (const auto& t : f.tensors())
        if (!m.index_->weight_map.contains(t.name)) m.unindexed_.push_back(t.name);
  }
  return m;
}

std::optional<TensorRef> ModelFiles::find(std::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

TensorRef ModelFiles::at(std::string_view name) const {
  if (auto r = find(name)) return *r;
  fail("model: {}: no tensor '{}' in its safetensors files", dir_.string(), name);
}

std::vector<TensorRef> ModelFiles::tensors() const {
  std::vector<TensorRef> out;
  out.reserve(by_name_.size());
  for (const auto& f : files_)
    for (const auto& t : f.tensors()) out.push_back({&f, &t});
  return out;
}

}  // namespace vkllm::st
