#include "engine/runtime/batcher.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <future>
#include <numeric>

#include "engine/base/log.h"

namespace vkllm::runtime {

using Clock = std::chrono::steady_clock;

namespace {

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// log-softmax of one row at `id`, and the `top` most likely ids (ties: lower id first).
TokenLogprob logprob_of(std::span<const float> logits, uint32_t id, int top) {
  double m = -INFINITY;
  for (float x : logits) m = std::max(m, double(x));
  double sum = 0;
  for (float x : logits) sum += std::exp(double(x) - m);
  const double log_z = m + std::log(sum);
  TokenLogprob r;
  r.logprob = float(double(logits[id]) - log_z);
  if (top > 0) {
    std::vector<uint32_t> ids(logits.size());
    std::iota(ids.begin(), ids.end(), 0u);
    const size_t k = std::min(size_t(top), ids.size());
    std::partial_sort(ids.begin(), ids.begin() + ptrdiff_t(k), ids.end(),
                      [&](uint32_t a, uint32_t b) {
                        return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
                      });
    for (size_t i = 0; i < k; ++i)
      r.top.emplace_back(ids[i], float(double(logits[ids[i]]) - log_z));
  }
  return r;
}

}  // namespace

std::optional<BatchEvent> BatchHandle::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return !events_.empty(); })) return std::nullopt;
  BatchEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void BatchHandle::push(BatchEvent e) {
  {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(e));
  }
  cv_.notify_all();
}

// A request in a slot: where its prompt stands, what it generated, how it samples.
struct Batcher::Active {
  BatchRequest request;
  std::shared_ptr<BatchHandle> handle;
  Sampler sampler;
  std::optional<TextStream> text;
  std::vector<uint32_t> generated;
  std::optional<uint32_t> pending;  // sampled, not yet run through the model
  uint32_t cached = 0;              // prompt tokens found in the slot's cache
  Clock::time_point arrived, last_token;
};

Batcher::Batcher(Session& session, const tok::Tokenizer* tokenizer, BatcherOptions options)
    : session_(session), tokenizer_(tokenizer), options_(options), slots_(session.sequences()) {
  thread_ = std::thread([this] { loop(); });
}

Batcher::~Batcher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::shared_ptr<BatchHandle> Batcher::submit(BatchRequest request) {
  if (request.prompt.empty()) fail("the prompt has no tokens");
  if (request.prompt.size() > session_.ctx())
    fail("the prompt has {} tokens but the context holds {}", request.prompt.size(),
         session_.ctx());
  if (!request.options.stop.empty() && !tokenizer_)
    fail("stop strings need a tokenizer, and this model folder has none");
  const uint32_t vocab = uint32_t(session_.config().vocab_size);
  for (uint32_t id : request.prompt)
    if (id >= vocab) fail("token id {} is not below the vocabulary size {}", id, vocab);
  try {
    Sampler check(request.options.sampling);
  } catch (const std::invalid_argument& e) {
    fail("{}", e.what());
  }
  auto handle = std::make_shared<BatchHandle>();
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.max_queue)
      throw QueueFull(fmt::format("{} requests are waiting for one of {} slots; try again later",
                                  queue_.size(), slots_.size()));
    queue_.push_back({std::move(request), handle, Clock::now()});
    metrics_.waiting = uint32_t(queue_.size());
  }
  cv_.notify_all();
  return handle;
}

void Batcher::prepare() {
  for (uint32_t n : prefill_chunks(session_.ctx()))
    if (n > 1) session_.prepare(n, false, false);
  session_.prepare(1, true, false);
  for (size_t b = 2; b / 2 < slots_.size(); b *= 2) session_.prepare(uint32_t(b), true, true);
  if (slots_.size() > 1)
    for (size_t n = 2; n <= kPrefillTokens; n *= 2)
      session_.prepare(uint32_t(n), false, false, uint32_t(prefill_rows()));
}

BatcherMetrics Batcher::metrics() {
  std::lock_guard lock(mu_);
  return metrics_;
}

void Batcher::loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      auto busy = [&] {
        return std::any_of(slots_.begin(), slots_.end(),
                           [](const Slot& s) { return bool(s.active); });
      };
      cv_.wait(lock, [&] { return stop_ || !queue_.empty() || busy(); });
      if (stop_) {
        for (Queued& q : queue_)
          q.handle->push({.kind = BatchEvent::Kind::Done,
                          .finish = FinishReason::Interrupted,
                          .error = "the server is shutting down"});
        queue_.clear();
        metrics_.waiting = 0;
        lock.unlock();
        for (Slot& s : slots_)
          if (s.active) finish(s, FinishReason::Interrupted, "the server is shutting down");
        return;
      }
    }
    for (Slot& s : slots_)
      if (s.active && s.active->handle->cancelled_) finish(s, FinishReason::Interrupted);
    for (;;) {
      std::unique_lock lock(mu_);
      auto free =
          std::find_if(slots_.begin(), slots_.end(), [](const Slot& s) { return !s.active; });
      if (queue_.empty() || free == slots_.end()) break;
      Queued q = std::move(queue_.front());
      queue_.pop_front();
      metrics_.waiting = uint32_t(queue_.size());
      if (!q.handle->cancelled_) metrics_.running++;  // admitted below, under no lock
      lock.unlock();
      if (q.handle->cancelled_) {
        q.handle->push({.kind = BatchEvent::Kind::Done, .finish = FinishReason::Interrupted});
        continue;
      }
      admit(std::move(q));
    }
    try {
      prefill_step();
      decode_all();
    } catch (const std::exception& e) {
      // The step failed for every request in it; the server goes on with the next ones.
      spdlog::error("batcher: a step failed: {}", e.what());
      for (Slot& s : slots_)
        if (s.active) finish(s, FinishReason::Interrupted, e.what());
    }
  }
}

void Batcher::admit(Queued q) {
  // The free slot whose cache shares the longest prefix with the prompt; among
  // equals the least recently used, so that other cached prefixes live longer.
  const std::vector<uint32_t>& prompt = q.request.prompt;
  auto shared = [&](const Slot& s) {
    size_t n = 0;
    // At least the last prompt token runs again: its logits choose the first new token.
    while (n < s.cached.size() && n + 1 < prompt.size() && s.cached[n] == prompt[n]) ++n;
    return n;
  };
  Slot* best = nullptr;
  size_t best_shared = 0;
  for (Slot& s : slots_) {
    if (s.active) continue;
    const size_t n = shared(s);
    if (!best || n > best_shared || (n == best_shared && s.last_used < best->last_used)) {
      best = &s;
      best_shared = n;
    }
  }
  best->cached.resize(best_shared);
  best->last_used = ++clock_;
  Sampler sampler(q.request.options.sampling);
  auto a = std::unique_ptr<Active>(new Active{.request = std::move(q.request),
                                              .handle = std::move(q.handle),
                                              .sampler = std::move(sampler),
                                              .cached = uint32_t(best_shared),
                                              .arrived = q.arrived});
  if (tokenizer_)
    a->text.emplace(*tokenizer_, a->request.options.stop, a->request.options.skip_special_tokens);
  a->handle->prompt_tokens = uint32_t(a->request.prompt.size());
  a->handle->cached_tokens = a->cached;
  best->active = std::move(a);
}

void Batcher::prefill_step() {
  // Requests with prompt tokens left, earliest admitted first.
  std::vector<Slot*> waiting;
  for (Slot& s : slots_)
    if (s.active && s.cached.size() < s.active->request.prompt.size()) waiting.push_back(&s);
  if (waiting.empty()) return;
  std::sort(waiting.begin(), waiting.end(),
            [](const Slot* a, const Slot* b) { return a->last_used < b->last_used; });
  // One chunk of each, from Generator's sizes, while the step holds kPrefillTokens
  // tokens and kPrefillRows ending prompts.
  std::vector<uint32_t> ids, rows;
  std::vector<TokenPlace> places;
  std::vector<std::pair<Slot*, size_t>> chunks;  // slot, tokens
  std::vector<Slot*> ending;                     // prompts that end in this step
  for (Slot* s : waiting) {
    const size_t budget = kPrefillTokens - ids.size();
    if (budget == 0 || ending.size() == prefill_rows()) break;
    const std::vector<uint32_t>& prompt = s->active->request.prompt;
    const size_t at = s->cached.size();
    const uint32_t n = prefill_chunks(std::min(prompt.size() - at, budget)).front();
    for (uint32_t i = 0; i < n; ++i) {
      ids.push_back(prompt[at + i]);
      places.push_back({uint32_t(s - slots_.data()), uint32_t(at + i)});
    }
    chunks.emplace_back(s, n);
    if (at + n == prompt.size()) {
      rows.push_back(uint32_t(ids.size() - 1));
      ending.push_back(s);
    }
  }
  // One prompt alone runs exactly as Generator runs it; several, as one step that
  // returns the logits of each ending prompt's last token (rows past them repeat
  // row 0, so the step's graph is one of a few).
  std::vector<float> one;
  if (chunks.size() == 1) one = session_.forward(ids, places, false, ids.size() == 1);
  std::vector<uint32_t> gathered = rows;
  gathered.resize(prefill_rows(), 0);
  const std::vector<float>& logits =
      chunks.size() == 1 ? one : session_.forward_rows(ids, places, gathered);
  for (size_t c = 0, i = 0; c < chunks.size(); i += chunks[c].second, ++c) {
    Slot& s = *chunks[c].first;
    s.cached.insert(s.cached.end(), ids.begin() + ptrdiff_t(i),
                    ids.begin() + ptrdiff_t(i + chunks[c].second));
  }
  const size_t vocab = size_t(session_.config().vocab_size);
  for (size_t r = 0; r < ending.size(); ++r) {
    Slot& s = *ending[r];
    {
      std::lock_guard lock(mu_);
      metrics_.prompt_tokens += s.active->request.prompt.size();
      metrics_.cached_tokens += s.active->cached;
    }
    if (s.active->request.options.max_new_tokens == 0) {
      finish(s, FinishReason::Length);
      continue;
    }
    deliver(s, sample(s, std::span<const float>(logits).subspan(r * vocab, vocab)));
  }
}

size_t Batcher::prefill_rows() const {
  return std::min(kPrefillRows, std::bit_ceil(slots_.size()));
}

void Batcher::decode_all() {
  std::vector<Slot*> batch;
  for (Slot& s : slots_)
    if (s.active && s.active->pending) batch.push_back(&s);
  if (batch.empty()) return;
  std::vector<uint32_t> ids;
  std::vector<TokenPlace> places;
  for (Slot* s : batch) {
    ids.push_back(*s->active->pending);
    places.push_back({uint32_t(s - slots_.data()), uint32_t(s->cached.size())});
  }
  {
    std::lock_guard lock(mu_);
    metrics_.steps++;
    metrics_.batch.observe(double(batch.size()));
  }
  // Greedy without penalties or logprobs, every one: the argmax is taken on the GPU
  // and only the ids come back (64 rows of a 128k vocabulary are 32 MB of logits).
  const bool greedy = std::all_of(batch.begin(), batch.end(), [](const Slot* s) {
    const Active& a = *s->active;
    const SamplingParams& p = a.sampler.params();
    return p.temperature < 1e-5f && p.repetition_penalty == 1.0f && p.presence_penalty == 0.0f &&
           p.frequency_penalty == 0.0f && a.request.top_logprobs < 0;
  });
  if (greedy && batch.size() > 1) {
    const std::vector<uint32_t> chosen = session_.forward_greedy(ids, places);
    for (size_t i = 0; i < batch.size(); ++i) {
      Slot& s = *batch[i];
      // A row without an argmax (NaN, +inf, all -inf): the sampler says what is wrong.
      Sampled t{.id = chosen[i]};
      if (chosen[i] == 0xffffffffu) t = sample(s, session_.greedy_logits(i));
      s.cached.push_back(*s.active->pending);
      s.active->pending.reset();
      deliver(s, t);
    }
    return;
  }
  // One sequence runs the decode graph Generator runs; several run as one batch.
  const std::vector<float>& logits = session_.forward(ids, places, batch.size() > 1, true);
  const size_t vocab = logits.size() / batch.size();
  // Sampling is per request (its own sampler and generator), so the rows are sampled
  // on several threads; the result does not depend on how many.
  auto row = [&](size_t i) { return std::span<const float>(logits).subspan(i * vocab, vocab); };
  std::vector<Sampled> sampled(batch.size());
  auto sample_rows = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) sampled[i] = sample(*batch[i], row(i));
  };
  const size_t tasks = std::min<size_t>(batch.size() / 4, std::thread::hardware_concurrency());
  if (tasks > 1) {
    std::vector<std::future<void>> running;
    for (size_t t = 0; t < tasks; ++t)
      running.push_back(std::async(std::launch::async, sample_rows, t * batch.size() / tasks,
                                   (t + 1) * batch.size() / tasks));
    for (auto& f : running) f.get();
  } else {
    sample_rows(0, batch.size());
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    Slot& s = *batch[i];
    s.cached.push_back(*s.active->pending);
    s.active->pending.reset();
    deliver(s, sampled[i]);
  }
}

Batcher::Sampled Batcher::sample(Slot& s, std::span<const float> logits) {
  Active& a = *s.active;
  Sampled r;
  r.id = a.sampler.sample(logits, a.request.prompt, a.generated);
  if (a.request.top_logprobs >= 0) r.logprob = logprob_of(logits, r.id, a.request.top_logprobs);
  return r;
}

void Batcher::deliver(Slot& s, Sampled t) {
  Active& a = *s.active;
  const GenerateOptions& o = a.request.options;
  const uint32_t id = t.id;
  a.generated.push_back(id);
  const Clock::time_point now = Clock::now();
  {
    std::lock_guard lock(mu_);
    metrics_.generated_tokens++;
    if (a.generated.size() == 1)
      metrics_.ttft.observe(seconds_between(a.arrived, now));
    else
      metrics_.itl.observe(seconds_between(a.last_token, now));
  }
  a.last_token = now;
  if (std::find(o.eos_ids.begin(), o.eos_ids.end(), id) != o.eos_ids.end())
    return finish(s, FinishReason::Eos);
  BatchEvent e{.kind = BatchEvent::Kind::Token, .id = id, .logprob = std::move(t.logprob)};
  if (a.text) e.text = a.text->push(id);
  const bool stopped = a.text && a.text->stopped();
  a.handle->push(std::move(e));
  if (stopped) return finish(s, FinishReason::Stop);
  if (a.generated.size() >= o.max_new_tokens) return finish(s, FinishReason::Length);
  if (s.cached.size() >= session_.ctx()) return finish(s, FinishReason::Context);
  a.pending = id;
}

void Batcher::finish(Slot& s, FinishReason why, const std::string& error) {
  Active& a = *s.active;
  // The text held back for a possible stop string is the request's when it did not stop.
  if (a.text && why != FinishReason::Stop && error.empty()) {
    std::string rest = a.text->finish();
    if (!rest.empty()) a.handle->push({.kind = BatchEvent::Kind::Text, .text = rest});
  }
  // A token sampled but never run is not in the cache; what was run stays for reuse.
  a.handle->completion_tokens = uint32_t(a.generated.size());
  {
    std::lock_guard lock(mu_);
    metrics_.requests_finished++;
    metrics_.running--;  // before Done reaches the submitter: the gauge is never stale
  }
  a.handle->push({.kind = BatchEvent::Kind::Done, .finish = why, .error = error});
  if (!error.empty()) s.cached.clear();  // the cache may be half-written
  s.active.reset();
}

}  // namespace vkllm::runtime
