// Generation over a Session: prefill what the KV cache does not hold yet, then
// sample and decode one token at a time until an end-of-sequence id, a stop
// string, the token limit or the end of the context. The cache is kept between
// calls: a call whose context starts with tokens already in the cache (the
// earlier turns of a chat) prefills only the rest.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/sampler.h"
#include "engine/runtime/session.h"
#include "loaders/tokenizer/tokenizer.h"

namespace vkllm::runtime {

struct GenerateOptions {
  uint32_t max_new_tokens = 256;
  SamplingParams sampling;
  std::vector<uint32_t> eos_ids;  // generation ends when one is sampled (it is not printed)
  std::vector<std::string> stop;  // stop strings (need a tokenizer)
  bool skip_special_tokens = true;
};

enum class FinishReason { Eos, Stop, Length, Context, Interrupted };
const char* finish_reason_name(FinishReason r);

struct GenerateResult {
  std::vector<uint32_t> ids;  // sampled ids, the end-of-sequence id included when there was one
  std::string text;           // what was streamed (no EOS, no stop string)
  FinishReason finish = FinishReason::Length;
  uint32_t cached_tokens = 0;     // context tokens found in the cache
  uint32_t prefilled_tokens = 0;  // context tokens run through the prefill graph
  uint32_t decode_steps = 0;      // tokens run through the decode graph
  double prefill_seconds = 0;     // prefill and the first sample
  double decode_seconds = 0;      // every decode step and its sample
};

// Token ids -> printable text: complete UTF-8 only, and text that may still become
// a stop string held back.
class TextStream {
 public:
  TextStream(const tok::Tokenizer& tokenizer, std::vector<std::string> stop, bool skip_special);
  ~TextStream();
  std::string push(uint32_t id);
  std::string finish();
  bool stopped() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The end-of-sequence ids of a model folder: generation_config.json's list, else
// config.json's, else the tokenizer's eos token.
std::vector<uint32_t> default_eos_ids(const model::ModelFolder& folder,
                                      const tok::Tokenizer* tokenizer);
// Sampling defaults as transformers reads generation_config.json: greedy
// (temperature 0) unless do_sample; temperature 1, top_k 50, top_p 1 where the
// file is silent.
SamplingParams default_sampling(const model::ModelFolder& folder);

// The chunk sizes a prefill of `tokens` runs as, largest first, from a few fixed
// sizes (each records one graph, once); 1 is the decode graph.
std::vector<uint32_t> prefill_chunks(size_t tokens);

class Generator {
 public:
  // `tokenizer` may be null (ids only; stop strings are then refused).
  Generator(Session& session, const tok::Tokenizer* tokenizer);

  // `context`: every token of the conversation so far (prompt included). Tokens
  // that match the start of the cache are reused. `on_text` receives printable
  // text as it is produced; `interrupt` (when set) ends generation at the next token.
  GenerateResult generate(std::span<const uint32_t> context, const GenerateOptions& options,
                          const std::function<void(std::string_view)>& on_text = {},
                          const std::atomic<bool>* interrupt = nullptr);

  // Records, ahead of time, the decode graph and the prefill graphs a context of
  // `prompt_tokens` needs, so that the first call's timings are steady-state.
  void prepare(uint32_t prompt_tokens);

  // Forget the cache (the next call prefills its whole context).
  void reset() { cached_.clear(); }
  // Tokens whose keys and values are in the cache, in order.
  const std::vector<uint32_t>& cached() const { return cached_; }
  uint32_t ctx() const { return session_.ctx(); }

 private:
  // Runs `ids` at the end of the cache in chunks from a few fixed sizes (each size
  // records one graph, once); returns the logits of the last token.
  std::vector<float> prefill(std::span<const uint32_t> ids);

  Session& session_;
  const tok::Tokenizer* tokenizer_;
  std::vector<uint32_t> cached_;
};

}  // namespace vkllm::runtime
