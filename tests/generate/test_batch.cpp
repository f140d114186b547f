// Several sequences in one session: steps that mix sequences (a batched decode,
// a prefill of two prompts at once) give each sequence the logits it gets alone;
// the Batcher's continuous batching gives each request Generator's tokens, reuses
// cached prefixes, frees the slot of a cancelled request and bounds its queue.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engine/base/error.h"
#include "engine/runtime/batcher.h"
#include "engine/runtime/device_map.h"
#include "engine/vulkan/context.h"

namespace vkllm {
namespace {

const std::filesystem::path kDemo = std::filesystem::path(VKLLM_SOURCE_DIR) / "models" / "demo";

struct Demo {
  vk::Context ctx{{.validation = true, .device_options = {.persist_pipeline_cache = false}}};
  model::ModelFolder folder = model::open_model_folder(kDemo);
  tok::Tokenizer tokenizer = tok::Tokenizer::load(kDemo);

  std::unique_ptr<runtime::Session> session(uint32_t sequences, DType cache, uint32_t tokens = 96,
                                            std::string quant = "") {
    return std::make_unique<runtime::Session>(
        std::vector<graph::Backend>{&ctx.device()}, folder, runtime::single_device(folder.config),
        runtime::SessionOptions{
            .ctx = tokens, .sequences = sequences, .cache = cache, .quant = quant});
  }
  std::vector<uint32_t> encode(const std::string& text) {
    auto ids = tokenizer.encode(text, true);
    return {ids.begin(), ids.end()};
  }
};

// max |a - b| / max(1, max |b|); infinite where a value is not finite.
double rel_error(std::span<const float> a, std::span<const float> b) {
  double err = 0, scale = 1;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return INFINITY;
    err = std::max(err, std::abs(double(a[i]) - b[i]));
    scale = std::max(scale, std::abs(double(b[i])));
  }
  return err / scale;
}

const std::vector<std::string> kPrompts = {
    "Once upon a time, there was a little",
    "The dog ran to the park and",
    "Lily and Ben were best friends. One day, they found a big box in the garden. Lily said,",
};

// Prefill of every prompt alone, then decode steps of the same tokens: alone, and
// all sequences in one batched step (sequences in a shuffled slot order).
TEST(Batch, MixedStepsEqualEachSequenceAlone) {
  Demo d;
  const size_t vocab = size_t(d.folder.config.vocab_size);
  std::vector<std::vector<uint32_t>> prompts;
  for (const auto& p : kPrompts) prompts.push_back(d.encode(p));
  const std::vector<uint32_t> next = {7, 300, 41, 600, 5};  // fed tokens, the same for all

  for (DType cache : {DType::F32, DType::F16}) {
    SCOPED_TRACE(dtype_name(cache));
    // f32: exact fp32 products; f16: the batch's matmul against the lone decode's matvec.
    const double bound = cache == DType::F32 ? 1e-4 : 1e-2;
    // Alone: logits after each fed token.
    std::vector<std::vector<std::vector<float>>> alone(prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i) {
      auto s = d.session(1, cache);
      s->forward(prompts[i], 0, false);
      for (size_t j = 0; j < next.size(); ++j) {
        const uint32_t one[] = {next[j]};
        alone[i].push_back(s->forward(one, uint32_t(prompts[i].size() + j), false, true));
      }
    }
    // Together: slots 2, 0, 1; the first two prompts prefilled in one step.
    auto s = d.session(3, cache);
    const uint32_t slot[] = {2, 0, 1};
    std::vector<uint32_t> ids;
    std::vector<runtime::TokenPlace> places;
    for (size_t i = 0; i < 2; ++i)
      for (size_t t = 0; t < prompts[i].size(); ++t) {
        ids.push_back(prompts[i][t]);
        places.push_back({slot[i], uint32_t(t)});
      }
    s->forward(ids, places, true, false);
    places.clear();
    for (size_t t = 0; t < prompts[2].size(); ++t) places.push_back({slot[2], uint32_t(t)});
    s->forward(prompts[2], places, false, false);
    for (size_t j = 0; j < next.size(); ++j) {
      // Step 2 leaves sequence 1 out (two rows); the others run all three (padded to 4).
      std::vector<size_t> in = j == 2 ? std::vector<size_t>{0, 2} : std::vector<size_t>{0, 1, 2};
      ids.clear();
      places.clear();
      for (size_t i : in) {
        ids.push_back(next[j]);
        places.push_back({slot[i], uint32_t(prompts[i].size() + j)});
      }
      const std::vector<float> logits = s->forward(ids, places, true, true);
      ASSERT_EQ(logits.size(), in.size() * vocab);
      for (size_t r = 0; r < in.size(); ++r) {
        SCOPED_TRACE(testing::Message() << "step " << j << " sequence " << in[r]);
        std::span<const float> got(logits.data() + r * vocab, vocab);
        EXPECT_LE(rel_error(got, alone[in[r]][j]), bound);
        EXPECT_EQ(std::max_element(got.begin(), got.end()) - got.begin(),
                  std::max_element(alone[in[r]][j].begin(), alone[in[r]][j].end()) -
                      alone[in[r]][j].begin());
      }
      if (j == 2) {  // sequence 1 catches up alone
        const uint32_t one[] = {next[j]};
        const runtime::TokenPlace at[] = {{slot[1], uint32_t(prompts[1].size() + j)}};
        EXPECT_LE(rel_error(s->forward(one, at, false, true), alone[1][j]), bound);
      }
    }
  }
}

// Two prompts prefilled in one step return the logits of each one's last token,
// as each prompt's prefill alone does.
TEST(Batch, PrefillOfSeveralPromptsReturnsTheirLastRows) {
  Demo d;
  const size_t vocab = size_t(d.folder.config.vocab_size);
  const std::vector<uint32_t> a = d.encode(kPrompts[0]), b = d.encode(kPrompts[2]);
  for (DType cache : {DType::F32, DType::F16}) {
    SCOPED_TRACE(dtype_name(cache));
    const double bound = cache == DType::F32 ? 1e-4 : 1e-2;
    std::vector<float> want_a = d.session(1, cache)->forward(a, 0, false);
    std::vector<float> want_b = d.session(1, cache)->forward(b, 0, false);
    auto s = d.session(2, cache);
    std::vector<uint32_t> ids = b;
    ids.insert(ids.end(), a.begin(), a.end());
    std::vector<runtime::TokenPlace> places;
    for (size_t t = 0; t < b.size(); ++t) places.push_back({1, uint32_t(t)});
    for (size_t t = 0; t < a.size(); ++t) places.push_back({0, uint32_t(t)});
    const uint32_t rows[] = {uint32_t(ids.size() - 1), uint32_t(b.size() - 1)};
    const std::vector<float> got = s->forward_rows(ids, places, rows);
    ASSERT_EQ(got.size(), 2 * vocab);
    EXPECT_LE(rel_error(std::span(got).subspan(0, vocab), want_a), bound);
    EXPECT_LE(rel_error(std::span(got).subspan(vocab, vocab), want_b), bound);
    const uint32_t bad[] = {uint32_t(ids.size())};
    EXPECT_THROW(s->forward_rows(ids, places, bad), Error);
  }
}

// A greedy batched step (the argmax on the device) returns what the host's argmax
// of the same step's logits returns, for 3 sequences (padded to 4), and the step's
// logits stay readable for a row the host must judge.
TEST(Batch, GreedyStepEqualsArgmaxOfLogits) {
  Demo d;
  const size_t vocab = size_t(d.folder.config.vocab_size);
  auto s = d.session(3, DType::F32);
  std::vector<uint32_t> ids;
  std::vector<runtime::TokenPlace> places;
  for (uint32_t q = 0; q < 3; ++q) {
    const std::vector<uint32_t> p = d.encode(kPrompts[q]);
    s->forward(std::span(p).first(p.size() - 1), 0, false);
    ids.push_back(p.back());
    places.push_back({q, uint32_t(p.size() - 1)});
  }
  const std::vector<float> logits = s->forward(ids, places, true, true);
  const std::vector<uint32_t> greedy = s->forward_greedy(ids, places);
  ASSERT_EQ(greedy.size(), 3u);
  for (size_t q = 0; q < 3; ++q) {
    auto row = std::span(logits).subspan(q * vocab, vocab);
    const uint32_t want = uint32_t(std::max_element(row.begin(), row.end()) - row.begin());
    EXPECT_EQ(greedy[q], want) << "sequence " << q;
    EXPECT_LE(rel_error(s->greedy_logits(q), row), 0.0) << "sequence " << q;
  }
  EXPECT_THROW(s->greedy_logits(3), Error);
}

// A prompt chunk of 128 rows or more multiplies a quantized weight dequantized into
// an intermediate (Forward::weight_for), a shorter one dequantizes in front of each
// tile: the same prompt in one step of 130 tokens and in two of 65 gives the same
// last logits, for q8 and q4 (f32 cache: the products are exact on both paths).
TEST(Batch, QuantPromptProductsEqualAcrossPaths) {
  Demo d;
  std::vector<uint32_t> prompt;
  while (prompt.size() < 130)
    for (const std::string& p : kPrompts) {
      const std::vector<uint32_t> ids = d.encode(p);
      prompt.insert(prompt.end(), ids.begin(), ids.end());
    }
  prompt.resize(130);
  for (std::string quant : {"q8", "q4"}) {
    SCOPED_TRACE(quant);
    const std::vector<float> whole =
        d.session(1, DType::F32, 160, quant)->forward(prompt, 0, false);
    auto s = d.session(1, DType::F32, 160, quant);
    s->forward(std::span(prompt).first(65), 0, false);
    const std::vector<float> halves = s->forward(std::span(prompt).subspan(65), 65, false);
    EXPECT_LE(rel_error(whole, halves), 1e-5);
  }
}

TEST(Batch, SessionRefusesBadPlaces) {
  Demo d;
  auto s = d.session(2, DType::F16, 16);
  const uint32_t ids[] = {5, 6};
  const runtime::TokenPlace beyond[] = {{0, 0}, {2, 0}};
  EXPECT_THROW(s->forward(ids, beyond, true, true), Error);
  const runtime::TokenPlace late[] = {{0, 0}, {1, 16}};
  EXPECT_THROW(s->forward(ids, late, true, true), Error);
  EXPECT_THROW(s->forward(ids, std::span<const runtime::TokenPlace>(beyond, 1), true, true), Error);
}

runtime::GenerateOptions greedy(uint32_t n) {
  runtime::GenerateOptions g;
  g.max_new_tokens = n;
  g.sampling.temperature = 0;
  return g;
}

struct Outcome {
  std::vector<uint32_t> ids;
  std::string text;
  runtime::FinishReason finish = runtime::FinishReason::Length;
  std::string error;
};

Outcome collect(runtime::BatchHandle& h) {
  Outcome o;
  for (;;) {
    auto e = h.next(std::chrono::seconds(120));
    if (!e) {
      o.error = "timed out";
      return o;
    }
    if (e->kind == runtime::BatchEvent::Kind::Done) {
      o.finish = e->finish;
      o.error = e->error;
      return o;
    }
    if (e->kind == runtime::BatchEvent::Kind::Token) o.ids.push_back(e->id);
    o.text += e->text;
  }
}

// Seven requests over three slots (four wait in the queue), each as Generator
// makes it alone.
TEST(Batch, BatcherEqualsGeneratorPerRequest) {
  Demo d;
  std::vector<std::vector<uint32_t>> prompts;
  for (const auto& p : kPrompts) prompts.push_back(d.encode(p));
  for (const auto& p : {"The sun", "A cat sat on", "Tom had a red ball.", "Sara"})
    prompts.push_back(d.encode(p));
  const std::vector<uint32_t> lengths = {12, 30, 5, 20, 1, 17, 9};
  std::vector<runtime::GenerateResult> want;
  {
    auto s = d.session(1, DType::F16);
    runtime::Generator gen(*s, &d.tokenizer);
    for (size_t i = 0; i < prompts.size(); ++i) {
      gen.reset();
      want.push_back(gen.generate(prompts[i], greedy(lengths[i])));
    }
  }
  auto s = d.session(3, DType::F16);
  runtime::Batcher batcher(*s, &d.tokenizer);
  std::vector<std::shared_ptr<runtime::BatchHandle>> handles;
  for (size_t i = 0; i < prompts.size(); ++i)
    handles.push_back(batcher.submit({.prompt = prompts[i], .options = greedy(lengths[i])}));
  for (size_t i = 0; i < prompts.size(); ++i) {
    SCOPED_TRACE(kPrompts.size() > i ? kPrompts[i] : std::to_string(i));
    const Outcome got = collect(*handles[i]);
    EXPECT_EQ(got.error, "");
    EXPECT_EQ(got.ids, want[i].ids);
    EXPECT_EQ(got.text, want[i].text);
    EXPECT_EQ(got.finish, want[i].finish);
    EXPECT_EQ(handles[i]->completion_tokens, want[i].ids.size());
    EXPECT_EQ(handles[i]->prompt_tokens, prompts[i].size());
  }
  const runtime::BatcherMetrics m = batcher.metrics();
  EXPECT_EQ(m.requests_finished, prompts.size());
  EXPECT_LT(m.batch.cumulative(0), m.batch.count());  // some steps ran several sequences
  EXPECT_EQ(m.ttft.count(), prompts.size());
}

// A prompt that extends a finished one runs only the new tokens; a cancelled
// request ends at once and its slot serves the next one.
TEST(Batch, PrefixReuseAndCancel) {
  Demo d;
  auto s = d.session(1, DType::F16);
  runtime::Batcher batcher(*s, &d.tokenizer);
  const std::vector<uint32_t> first = d.encode(kPrompts[2]);
  Outcome a = collect(*batcher.submit({.prompt = first, .options = greedy(4)}));
  ASSERT_EQ(a.error, "");
  std::vector<uint32_t> longer = first;
  longer.insert(longer.end(), a.ids.begin(), a.ids.end());
  longer.push_back(7);
  auto h = batcher.submit({.prompt = longer, .options = greedy(3)});
  collect(*h);
  EXPECT_EQ(h->cached_tokens, first.size() + a.ids.size() - 1);  // the last sampled never ran

  auto endless = batcher.submit({.prompt = first, .options = greedy(100000)});
  auto waiting = batcher.submit({.prompt = first, .options = greedy(2)});
  ASSERT_TRUE(endless->next(std::chrono::seconds(60)).has_value());  // it is generating
  endless->cancel();
  const Outcome cancelled = collect(*endless);
  EXPECT_EQ(cancelled.finish, runtime::FinishReason::Interrupted);
  const Outcome after = collect(*waiting);
  EXPECT_EQ(after.error, "");
  EXPECT_EQ(after.ids.size(), 2u);
}

TEST(Batch, BatcherRefusesWhatCannotRun) {
  Demo d;
  auto s = d.session(1, DType::F16, 16);
  runtime::Batcher batcher(*s, &d.tokenizer, {.max_queue = 1});
  EXPECT_THROW(batcher.submit({.prompt = {}}), Error);
  EXPECT_THROW(batcher.submit({.prompt = std::vector<uint32_t>(17, 5)}), Error);
  EXPECT_THROW(batcher.submit({.prompt = {5, 1u << 30}}), Error);
  runtime::GenerateOptions bad = greedy(2);
  bad.sampling.top_p = 2;
  EXPECT_THROW(batcher.submit({.prompt = {5}, .options = bad}), Error);
  // One slot and a queue of one: of three long requests at once, at most two fit.
  size_t full = 0;
  std::vector<std::shared_ptr<runtime::BatchHandle>> ok;
  for (int i = 0; i < 3; ++i) try {
      ok.push_back(batcher.submit({.prompt = {5, 6}, .options = greedy(14)}));
    } catch (const runtime::QueueFull&) {
      ++full;
    }
  EXPECT_GE(full, 1u);
  for (auto& h : ok) EXPECT_EQ(collect(*h).error, "");
}

}  // namespace
}  // namespace vkllm
