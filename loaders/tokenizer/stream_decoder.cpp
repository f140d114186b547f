#include "loaders/tokenizer/stream_decoder.h"

namespace vkllm::tok {

namespace {
bool ends_with_replacement(const std::string& s) {
  return s.size() >= 3 && s.compare(s.size() - 3, 3, "\xEF\xBF\xBD") == 0;
}
}  // namespace

std::string StreamDecoder::push(TokenId id) {
  ids_.push_back(id);
  const std::span<const TokenId> all(ids_);
  const std::string before = tok_.decode(all.subspan(prefix_, read_ - prefix_), skip_special_);
  const std::string now = tok_.decode(all.subspan(prefix_), skip_special_);
  // Hold back while the newest bytes do not yet form a whole character.
  if (now.size() <= before.size() || ends_with_replacement(now)) return {};
  if (now.compare(0, before.size(), before) != 0) return {};
  std::string out = now.substr(before.size());
  prefix_ = read_;
  read_ = ids_.size();
  return out;
}

std::string StreamDecoder::finish() {
  const std::span<const TokenId> all(ids_);
  const std::string before = tok_.decode(all.subspan(prefix_, read_ - prefix_), skip_special_);
  const std::string now = tok_.decode(all.subspan(prefix_), skip_special_);
  prefix_ = read_ = ids_.size();
  if (now.size() <= before.size() || now.compare(0, before.size(), before) != 0) return {};
  return now.substr(before.size());
}

}  // namespace vkllm::tok
