// Decoders of tokenizer.json ("decoder"): turn token strings back into text.
// ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip and Sequence, each a
// step over the list of token strings as in Hugging Face's decode_chain.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

#include "loaders/tokenizer/json_fields.h"
#include "loaders/tokenizer/pre_tokenizer.h"

namespace vkllm::tok {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

// Null JSON gives nullptr (tokens are then joined with spaces).
std::unique_ptr<Decoder> make_decoder(const nlohmann::json& spec, const JsonPath& path);

// The pieces transformers' SentencePiece-style classes build in code.
std::unique_ptr<Decoder> make_replace_decoder(std::string from, std::string to);
std::unique_ptr<Decoder> make_byte_fallback_decoder();
std::unique_ptr<Decoder> make_fuse_decoder();
std::unique_ptr<Decoder> make_strip_decoder(std::string content, int start, int stop);
std::unique_ptr<Decoder> make_sequence_decoder(std::vector<std::unique_ptr<Decoder>> parts);

// Runs the decoder and joins the result.
std::string run_decoder(const Decoder* decoder, std::vector<std::string> tokens);

}  // namespace vkllm::tok
