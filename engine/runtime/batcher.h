// Continuous batching over a Session that holds several sequences (KV cache
// slots): requests join and leave the running batch at token granularity. One
// thread runs the model. Each step it
//   1. ends requests whose client went away (their slot is free at once),
//   2. admits queued requests into free slots, preferring the slot whose cache
//      shares the longest prefix with the prompt (that prefix is not run again),
//   3. runs one prefill step: a chunk of each waiting prompt, up to kPrefillTokens
//      in all (so a long prompt does not stall the others for more than a chunk,
//      and prompts arriving together start together), and
//   4. runs one decode step over every sequence that is generating, as one batch.
// Prefill chunks and single-sequence decode steps are those Generator runs, so a
// request alone gets Generator's tokens.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/base/error.h"
#include "engine/base/histogram.h"
#include "engine/runtime/generator.h"

namespace vkllm::runtime {

// A prefill step of several prompts takes at most this many tokens (the decode step
// after it waits), and returns the logits of kPrefillRows rows (fewer when there are
// fewer slots), so that its graphs are a few, recorded once.
constexpr size_t kPrefillTokens = 256;
constexpr size_t kPrefillRows = 16;

struct BatcherOptions {
  uint32_t max_queue = 256;  // requests waiting for a slot; past that submit() throws QueueFull
};

struct BatchRequest {
  std::vector<uint32_t> prompt;
  GenerateOptions options;
  int top_logprobs = -1;  // -1: no log-probabilities; else how many alternatives (0..20)
};

// Log-probability of a token under the model's distribution (log-softmax of the
// logits, before any sampling processor), with the most likely alternatives.
struct TokenLogprob {
  float logprob = 0;
  std::vector<std::pair<uint32_t, float>> top;  // most likely first
};

// What a request produced, in order: tokens, then at most one Text (what was held
// back as a possible stop string), then one Done.
struct BatchEvent {
  enum class Kind { Token, Text, Done } kind = Kind::Token;
  uint32_t id = 0;   // Token: the sampled id
  std::string text;  // Token: the printable text it completed (may be empty); Text
  std::optional<TokenLogprob> logprob;         // Token, when asked for
  FinishReason finish = FinishReason::Length;  // Done
  std::string error;                           // Done: non-empty when the engine failed
};

// Thrown by submit() when max_queue requests already wait.
struct QueueFull : Error {
  using Error::Error;
};

// The submitter's side of a request: its events, and a way to give up on it.
class BatchHandle {
 public:
  // The next event, waiting at most `timeout`; nullopt when none came.
  std::optional<BatchEvent> next(std::chrono::milliseconds timeout);
  // The client went away: the request ends (Interrupted) and frees its slot at the
  // next step.
  void cancel() { cancelled_ = true; }

  // Filled when Done is delivered.
  uint32_t prompt_tokens = 0, cached_tokens = 0, completion_tokens = 0;

 private:
  friend class Batcher;
  void push(BatchEvent e);
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<BatchEvent> events_;
  std::atomic<bool> cancelled_{false};
};

// Counters and latency histograms for /metrics; seconds from a steady clock.
struct BatcherMetrics {
  uint64_t requests_finished = 0, prompt_tokens = 0, cached_tokens = 0, generated_tokens = 0;
  uint64_t steps = 0;
  uint32_t running = 0, waiting = 0;
  // Time to first token (from submit()), time between a request's tokens, and the
  // sequences of each decode step.
  Histogram ttft{{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5,
                  10, 20, 40, 80}};
  Histogram itl{{0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05,
                 0.075, 0.1,    0.15,  0.2,  0.3,   0.4,  0.5,   0.75, 1,    2.5}};
  Histogram batch{{1, 2, 4, 8, 16, 32, 64, 128, 256}};
};

class Batcher {
 public:
  // `session` holds the slots (SessionOptions::sequences); `tokenizer` may be null
  // (ids only: no text, stop strings refused).
  Batcher(Session& session, const tok::Tokenizer* tokenizer, BatcherOptions options = {});
  ~Batcher();  // ends every request (Interrupted) and joins the engine thread
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues a request. Throws Error when it cannot run (an empty prompt, one longer
  // than the context, stop strings without a tokenizer), QueueFull when the queue
  // is full.
  std::shared_ptr<BatchHandle> submit(BatchRequest request);

  BatcherMetrics metrics();
  uint32_t slots() const { return session_.sequences(); }
  // Records the graphs a server's steps run (every prefill chunk size, prefill of
  // several prompts, decode of up to `slots()` sequences) before the first request.
  void prepare();

 private:
  struct Active;
  struct Slot {
    std::vector<uint32_t> cached;  // tokens whose keys and values the slot holds, in order
    std::unique_ptr<Active> active;
    uint64_t last_used = 0;
  };
  struct Queued {
    BatchRequest request;
    std::shared_ptr<BatchHandle> handle;
    std::chrono::steady_clock::time_point arrived;
  };

  void loop();
  void admit(Queued q);
  void prefill_step();
  size_t prefill_rows() const;
  void decode_all();
  struct Sampled {
    uint32_t id = 0;
    std::optional<TokenLogprob> logprob;
  };
  // The next token of the request in slot s from its row of logits (thread-safe
  // across slots).
  Sampled sample(Slot& s, std::span<const float> logits);
  // Hands the token to the request; ends the request when it is done.
  void deliver(Slot& s, Sampled t);
  void finish(Slot& s, FinishReason why, const std::string& error = {});

  Session& session_;
  const tok::Tokenizer* tokenizer_;
  BatcherOptions options_;
  std::vector<Slot> slots_;
  uint64_t clock_ = 0;  // admission counter: least recently used slots are reused first

  std::mutex mu_;  // guards queue_, stop_, metrics_
  std::condition_variable cv_;
  std::deque<Queued> queue_;
  bool stop_ = false;
  BatcherMetrics metrics_;
  std::thread thread_;
};

}  // namespace vkllm::runtime
