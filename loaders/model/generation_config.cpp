#include "loaders/model/generation_config.h"

#include <fstream>
#include <sstream>

#include "loaders/model/json_fields.h"

namespace vkllm::model {
namespace {

template <typename T>
std::optional<T> opt(const Field<T>& f) {
  return f.set() ? std::optional<T>(f.value) : std::nullopt;
}

}  // namespace

GenerationConfig parse_generation_config(std::string_view text, std::string_view file_name) {
  const auto j = json_fields::parse(text, file_name);
  if (!j.is_object()) fail("{}: is a JSON {}, expected an object", file_name, j.type_name());
  const json_fields::Reader r(j, file_name);
  Field<std::int64_t> bos, pad, top_k, max_length, max_new_tokens;
  Field<std::vector<std::int64_t>> eos;
  Field<bool> do_sample;
  Field<double> temperature, top_p, min_p, repetition_penalty;
  r.get("bos_token_id", bos);
  r.get("eos_token_id", eos);
  r.get("pad_token_id", pad);
  r.get("do_sample", do_sample);
  r.get("temperature", temperature);
  r.get("top_k", top_k);
  r.get("top_p", top_p);
  r.get("min_p", min_p);
  r.get("repetition_penalty", repetition_penalty);
  r.get("max_length", max_length);
  r.get("max_new_tokens", max_new_tokens);
  GenerationConfig g;
  g.bos_token_id = opt(bos);
  if (eos.set()) g.eos_token_ids = eos.value;
  g.pad_token_id = opt(pad);
  g.do_sample = opt(do_sample);
  g.temperature = opt(temperature);
  g.top_k = opt(top_k);
  g.top_p = opt(top_p);
  g.min_p = opt(min_p);
  g.repetition_penalty = opt(repetition_penalty);
  g.max_length = opt(max_length);
  g.max_new_tokens = opt(max_new_tokens);
  return g;
}

std::optional<GenerationConfig> load_generation_config(const std::filesystem::path& model_dir) {
  const auto path = model_dir / "generation_config.json";
  if (!std::filesystem::exists(path)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("model: {}: cannot read", path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_generation_config(ss.str(), path.string());
}

}  // namespace vkllm::model
