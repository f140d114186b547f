#include "engine/runtime/generator.h"

#include <algorithm>
#include <chrono>

#include "engine/base/error.h"
#include "engine/runtime/stop_strings.h"
#include "loaders/tokenizer/stream_decoder.h"

namespace vkllm::runtime {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Prefill chunk sizes: a prompt of any length is a sum of these, so at most this
// many graphs are ever recorded for prefill.
constexpr uint32_t kChunks[] = {512, 256, 128, 64, 32, 16, 8, 4, 2};

}  // namespace

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::Eos:
      return "eos";
    case FinishReason::Stop:
      return "stop";
    case FinishReason::Length:
      return "length";
    case FinishReason::Context:
      return "context";
    case FinishReason::Interrupted:
      return "interrupted";
  }
  return "?";
}

struct TextStream::Impl {
  tok::StreamDecoder decoder;
  StopStrings stops;
};

TextStream::TextStream(const tok::Tokenizer& tokenizer, std::vector<std::string> stop,
                       bool skip_special)
    : impl_(std::make_unique<Impl>(
          Impl{tok::StreamDecoder(tokenizer, skip_special), StopStrings(std::move(stop))})) {}
TextStream::~TextStream() = default;

std::string TextStream::push(uint32_t id) {
  if (impl_->stops.stopped()) return {};
  return impl_->stops.push(impl_->decoder.push(id));
}

std::string TextStream::finish() {
  if (impl_->stops.stopped()) return {};
  std::string out = impl_->stops.push(impl_->decoder.finish());
  if (!impl_->stops.stopped()) out += impl_->stops.finish();
  return out;
}

bool TextStream::stopped() const {
  return impl_->stops.stopped();
}

std::vector<uint32_t> default_eos_ids(const model::ModelFolder& folder,
                                      const tok::Tokenizer* tokenizer) {
  std::vector<uint32_t> ids;
  auto add = [&](std::int64_t id) {
    if (id >= 0 && std::find(ids.begin(), ids.end(), uint32_t(id)) == ids.end())
      ids.push_back(uint32_t(id));
  };
  if (folder.generation && !folder.generation->eos_token_ids.empty())
    for (auto id : folder.generation->eos_token_ids) add(id);
  else if (!folder.config.eos_token_ids.empty())
    for (auto id : folder.config.eos_token_ids) add(id);
  else if (tokenizer && tokenizer->eos_id())
    add(*tokenizer->eos_id());
  return ids;
}

SamplingParams default_sampling(const model::ModelFolder& folder) {
  SamplingParams p;
  p.temperature = 0;
  p.top_k = 50;
  if (!folder.generation) return p;
  const model::GenerationConfig& g = *folder.generation;
  // The filters apply once a temperature is given, even when the file says greedy.
  p.top_k = int32_t(g.top_k.value_or(50));
  p.top_p = float(g.top_p.value_or(1.0));
  p.min_p = float(g.min_p.value_or(0.0));
  if (g.repetition_penalty) p.repetition_penalty = float(*g.repetition_penalty);
  if (g.do_sample.value_or(false)) p.temperature = float(g.temperature.value_or(1.0));
  return p;
}

Generator::Generator(Session& session, const tok::Tokenizer* tokenizer)
    : session_(session), tokenizer_(tokenizer) {}

std::vector<uint32_t> prefill_chunks(size_t tokens) {
  std::vector<uint32_t> sizes;
  while (tokens > 0) {
    uint32_t n = 1;
    for (uint32_t c : kChunks)
      if (c <= tokens) {
        n = c;
        break;
      }
    sizes.push_back(n);
    tokens -= n;
  }
  return sizes;
}

void Generator::prepare(uint32_t prompt_tokens) {
  session_.prepare(1, true, false);
  for (uint32_t n : prefill_chunks(std::min(prompt_tokens, session_.ctx())))
    if (n > 1) session_.prepare(n, false, false);
}

std::vector<float> Generator::prefill(std::span<const uint32_t> ids) {
  std::vector<float> logits;
  size_t done = 0;
  for (uint32_t n : prefill_chunks(ids.size())) {
    auto chunk = ids.subspan(done, n);
    logits = session_.forward(chunk, uint32_t(cached_.size()), false, n == 1);
    cached_.insert(cached_.end(), chunk.begin(), chunk.end());
    done += n;
  }
  return logits;
}

GenerateResult Generator::generate(std::span<const uint32_t> context,
                                   const GenerateOptions& options,
                                   const std::function<void(std::string_view)>& on_text,
                                   const std::atomic<bool>* interrupt) {
  const uint32_t ctx = session_.ctx();
  if (context.empty()) fail("generate: the prompt has no tokens");
  if (context.size() > ctx)
    fail("generate: the prompt has {} tokens but the context holds {}; shorten it or raise --ctx",
         context.size(), ctx);
  if (!options.stop.empty() && !tokenizer_)
    fail("generate: stop strings need a tokenizer, and this model folder has none");

  GenerateResult r;
  // Reuse the longest common prefix with the cache, but always run at least the
  // last context token: its logits choose the first new token.
  size_t keep = 0;
  while (keep < cached_.size() && keep + 1 < context.size() && cached_[keep] == context[keep])
    ++keep;
  cached_.resize(keep);
  r.cached_tokens = uint32_t(keep);
  r.prefilled_tokens = uint32_t(context.size() - keep);

  Sampler sampler(options.sampling);
  std::optional<TextStream> text;
  if (tokenizer_) text.emplace(*tokenizer_, options.stop, options.skip_special_tokens);
  auto emit = [&](const std::string& s) {
    if (s.empty()) return;
    r.text += s;
    if (on_text) on_text(s);
  };

  auto t0 = std::chrono::steady_clock::now();
  std::vector<float> logits = prefill(context.subspan(keep));
  if (options.max_new_tokens == 0) {  // -n 0: the prompt goes into the cache, nothing more
    r.prefill_seconds = seconds_since(t0);
    r.finish = FinishReason::Length;
    return r;
  }
  std::span<const uint32_t> prompt(context);
  uint32_t id = sampler.sample(logits, prompt, r.ids);
  r.prefill_seconds = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  for (;;) {
    r.ids.push_back(id);
    if (std::find(options.eos_ids.begin(), options.eos_ids.end(), id) != options.eos_ids.end()) {
      r.finish = FinishReason::Eos;
      break;
    }
    if (text) {
      emit(text->push(id));
      if (text->stopped()) {
        r.finish = FinishReason::Stop;
        break;
      }
    }
    if (r.ids.size() >= options.max_new_tokens) {
      r.finish = FinishReason::Length;
      break;
    }
    if (interrupt && interrupt->load()) {
      r.finish = FinishReason::Interrupted;
      break;
    }
    if (cached_.size() >= ctx) {
      r.finish = FinishReason::Context;
      break;
    }
    const uint32_t one[] = {id};
    logits = session_.forward(one, uint32_t(cached_.size()), false, true);
    cached_.push_back(id);
    r.decode_steps++;
    id = sampler.sample(logits, prompt, r.ids);
  }
  r.decode_seconds = seconds_since(t0);
  if (text && r.finish != FinishReason::Stop) emit(text->finish());
  return r;
}

}  // namespace vkllm::runtime
