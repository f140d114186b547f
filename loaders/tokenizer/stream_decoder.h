// Streaming detokenization: feed ids one at a time, get text only once it is
// complete UTF-8. Each step decodes a short window of recent ids and emits the
// difference, so SentencePiece's leading-space strip applies only at the start.
#pragma once

#include <string>
#include <vector>

#include "loaders/tokenizer/tokenizer.h"

namespace vkllm::tok {

class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens = false)
      : tok_(tokenizer), skip_special_(skip_special_tokens) {}

  // Returns the text that became complete with this id (often empty).
  std::string push(TokenId id);
  // Whatever is still held back (an incomplete character becomes U+FFFD).
  std::string finish();

 private:
  const Tokenizer& tok_;
  bool skip_special_;
  std::vector<TokenId> ids_;
  std::size_t prefix_ = 0;  // window start
  std::size_t read_ = 0;    // ids before this were emitted
};

}  // namespace vkllm::tok
