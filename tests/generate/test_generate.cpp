// Generation end to end: the bundled demo model's greedy continuations equal
// transformers' (models/demo/reference.json, written when the model was made),
// every fixture's greedy continuation where its top-2 margin is clear, and the
// ways generation ends: EOS lists, stop strings across token boundaries, -n,
// a full context; UTF-8 split across tokens; a chat turn reusing the cache.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstring>
#include <fstream>

#include "engine/base/error.h"
#include "engine/runtime/device_map.h"
#include "engine/runtime/generator.h"
#include "engine/vulkan/context.h"
#include "loaders/chat/chat_template.h"
#include "loaders/safetensors/file.h"
#include "tests/support/fixtures.h"
#include "tests/support/test_data.h"

namespace vkllm {
namespace {

// VKLLM_DEMO_MODEL overrides the source tree's copy (a build run elsewhere).
const std::filesystem::path kDemo = [] {
  const char* env = std::getenv("VKLLM_DEMO_MODEL");
  return env && *env ? std::filesystem::path(env)
                     : std::filesystem::path(VKLLM_SOURCE_DIR) / "models" / "demo";
}();

std::vector<uint32_t> encode(const tok::Tokenizer& t, const std::string& text, bool special) {
  auto ids = t.encode(text, special);
  return {ids.begin(), ids.end()};
}

std::string decode(const tok::Tokenizer& t, std::span<const uint32_t> ids) {
  std::vector<tok::TokenId> v(ids.begin(), ids.end());
  return t.decode(v, true);
}

runtime::GenerateOptions greedy(uint32_t n, std::vector<uint32_t> eos = {}) {
  runtime::GenerateOptions g;
  g.max_new_tokens = n;
  g.sampling.temperature = 0;
  g.eos_ids = std::move(eos);
  return g;
}

// The demo model on lavapipe, f32 cache, and its tokenizer.
struct Demo {
  vk::Context ctx{{.validation = true, .device_options = {.persist_pipeline_cache = false}}};
  model::ModelFolder folder = model::open_model_folder(kDemo);
  tok::Tokenizer tokenizer = tok::Tokenizer::load(kDemo);
  std::unique_ptr<runtime::Session> session;

  explicit Demo(uint32_t ctx_tokens, std::vector<std::string> dump = {}) {
    session = std::make_unique<runtime::Session>(
        std::vector<graph::Backend>{&ctx.device()}, folder, runtime::single_device(folder.config),
        runtime::SessionOptions{.ctx = ctx_tokens, .cache = DType::F32, .dump = std::move(dump)});
  }
};

nlohmann::json demo_reference() {
  std::ifstream in(kDemo / "reference.json");
  return nlohmann::json::parse(in);
}

TEST(Demo, GreedyEqualsTransformers) {
  Demo d(128);
  const chat::ChatTemplate tmpl = chat::ChatTemplate::load(kDemo);
  runtime::Generator gen(*d.session, &d.tokenizer);
  for (const auto& c : demo_reference()["cases"]) {
    SCOPED_TRACE(c["rendered"].get<std::string>());
    // The prompt's ids from our tokenizer and chat template equal transformers'.
    std::vector<uint32_t> prompt;
    if (c["kind"] == "chat") {
      EXPECT_EQ(tmpl.render(nlohmann::ordered_json(c["prompt"])), c["rendered"]);
      prompt = encode(d.tokenizer, c["rendered"], false);
    } else {
      prompt = encode(d.tokenizer, c["prompt"], true);
    }
    EXPECT_EQ(prompt, c["prompt_ids"].get<std::vector<uint32_t>>());
    const auto want = c["ids"].get<std::vector<uint32_t>>();
    runtime::GenerateResult r = gen.generate(prompt, greedy(uint32_t(want.size()), {1, 2}));
    EXPECT_EQ(r.ids, want);
    EXPECT_EQ(r.text, decode(d.tokenizer, want));
  }
  EXPECT_EQ(d.ctx.validation_messages(), 0u);
}

TEST(Demo, EndsAtLengthEosAndStopStrings) {
  Demo d(128);
  runtime::Generator gen(*d.session, &d.tokenizer);
  const auto ref = demo_reference()["cases"][0];
  const auto prompt = ref["prompt_ids"].get<std::vector<uint32_t>>();
  const auto want = ref["ids"].get<std::vector<uint32_t>>();

  // -n: exactly n tokens, the first from the prefill's logits.
  runtime::GenerateResult r = gen.generate(prompt, greedy(5));
  EXPECT_EQ(r.finish, runtime::FinishReason::Length);
  EXPECT_EQ(r.ids, std::vector<uint32_t>(want.begin(), want.begin() + 5));
  EXPECT_EQ(r.decode_steps, 4u);

  // -n 0: the prompt is prefilled into the cache and nothing is generated.
  r = gen.generate(prompt, greedy(0));
  EXPECT_EQ(r.finish, runtime::FinishReason::Length);
  EXPECT_TRUE(r.ids.empty());
  EXPECT_TRUE(r.text.empty());
  EXPECT_EQ(r.decode_steps, 0u);

  // An interrupt (Ctrl-C in chat) ends the reply after the token being produced.
  const std::atomic<bool> interrupted{true};
  r = gen.generate(prompt, greedy(40), nullptr, &interrupted);
  EXPECT_EQ(r.finish, runtime::FinishReason::Interrupted);
  EXPECT_EQ(r.ids, std::vector<uint32_t>(want.begin(), want.begin() + 1));

  // An EOS list: the earliest of its ids ends generation; it is returned, not printed.
  const std::vector<uint32_t> eos{want[12], want[7]};
  size_t end = 0;
  while (std::find(eos.begin(), eos.end(), want[end]) == eos.end()) ++end;
  ASSERT_GT(end, 2u);
  r = gen.generate(prompt, greedy(40, eos));
  EXPECT_EQ(r.finish, runtime::FinishReason::Eos);
  EXPECT_EQ(r.ids, std::vector<uint32_t>(want.begin(), want.begin() + long(end) + 1));
  EXPECT_EQ(r.text, decode(d.tokenizer, std::span(want).first(end)));

  // A stop string that starts inside one token and ends inside the next.
  const std::string p5 = decode(d.tokenizer, std::span(want).first(5));
  const std::string p6 = decode(d.tokenizer, std::span(want).first(6));
  ASSERT_GE(p6.size(), p5.size() + 2);
  const std::string stop = p5.substr(p5.size() - 2) + p6.substr(p5.size(), 2);
  const std::string full = decode(d.tokenizer, want);
  runtime::GenerateOptions g = greedy(40);
  g.stop = {"never in the text", stop};
  std::string streamed;
  r = gen.generate(prompt, g, [&](std::string_view s) {
    EXPECT_EQ(std::string(s).find(stop), std::string::npos);
    streamed += s;
  });
  EXPECT_EQ(r.finish, runtime::FinishReason::Stop);
  EXPECT_EQ(r.text, full.substr(0, full.find(stop)));
  EXPECT_EQ(streamed, r.text);
  EXPECT_EQ(r.ids.size(), 6u);  // the token that completed the stop string is the last
  EXPECT_EQ(d.ctx.validation_messages(), 0u);
}

// EOS ids come from generation_config.json, else config.json, else the tokenizer.
TEST(Defaults, EosIdsInTransformersOrder) {
  model::ModelFolder folder = model::open_model_folder(kDemo);
  const tok::Tokenizer tokenizer = tok::Tokenizer::load(kDemo);
  ASSERT_TRUE(folder.generation && tokenizer.eos_id());
  folder.generation->eos_token_ids = {5, 7, 5};
  folder.config.eos_token_ids = {9};
  EXPECT_EQ(runtime::default_eos_ids(folder, &tokenizer), (std::vector<uint32_t>{5, 7}));
  folder.generation->eos_token_ids.clear();
  EXPECT_EQ(runtime::default_eos_ids(folder, &tokenizer), std::vector<uint32_t>{9});
  folder.generation.reset();
  EXPECT_EQ(runtime::default_eos_ids(folder, &tokenizer), std::vector<uint32_t>{9});
  folder.config.eos_token_ids.clear();
  EXPECT_EQ(runtime::default_eos_ids(folder, &tokenizer),
            std::vector<uint32_t>{uint32_t(*tokenizer.eos_id())});
  EXPECT_TRUE(runtime::default_eos_ids(folder, nullptr).empty());
}

// Sampling defaults follow generation_config.json; without do_sample it is greedy.
TEST(Defaults, SamplingFromGenerationConfig) {
  model::ModelFolder folder = model::open_model_folder(kDemo);
  runtime::SamplingParams p = runtime::default_sampling(folder);  // the demo's file
  EXPECT_FLOAT_EQ(p.temperature, 0.7f);
  EXPECT_EQ(p.top_k, 40);
  EXPECT_FLOAT_EQ(p.top_p, 0.9f);
  EXPECT_FLOAT_EQ(p.min_p, 0.0f);

  folder.generation->do_sample = false;
  folder.generation->min_p = 0.05;
  folder.generation->repetition_penalty = 1.3;
  p = runtime::default_sampling(folder);
  EXPECT_EQ(p.temperature, 0.0f);
  EXPECT_FLOAT_EQ(p.min_p, 0.05f);
  EXPECT_FLOAT_EQ(p.repetition_penalty, 1.3f);

  folder.generation->do_sample = true;
  folder.generation->temperature.reset();  // transformers' default temperature is 1
  EXPECT_FLOAT_EQ(runtime::default_sampling(folder).temperature, 1.0f);

  folder.generation.reset();  // no file: greedy, transformers' top_k 50
  p = runtime::default_sampling(folder);
  EXPECT_EQ(p.temperature, 0.0f);
  EXPECT_EQ(p.top_k, 50);
  EXPECT_FLOAT_EQ(p.top_p, 1.0f);
}

TEST(Demo, ContextLimits) {
  Demo d(16);
  runtime::Generator gen(*d.session, &d.tokenizer);
  const std::vector<uint32_t> seventeen(17, 300), ten(10, 300);
  try {
    gen.generate(seventeen, greedy(4));
    ADD_FAILURE() << "a prompt past the context ran";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("17 tokens but the context holds 16"), std::string::npos)
        << e.what();
  }
  // 10 prompt tokens leave 6 cache rows: 6 tokens run through decode, and the
  // logits of the last give one more.
  runtime::GenerateResult r = gen.generate(ten, greedy(100));
  EXPECT_EQ(r.finish, runtime::FinishReason::Context);
  EXPECT_EQ(r.ids.size(), 7u);
  EXPECT_EQ(gen.cached().size(), 16u);
}

// --dump names the same tensors in the prefill graph and in the decode graph,
// where the output projections would otherwise be fused with their residual
// adds, and q is read before its rotation (q_rope after).
TEST(Demo, DumpsTheSameTensorsInPrefillAndDecode) {
  const std::vector<std::string> names{"layers.0.q", "layers.0.q_rope", "layers.1.attn_out",
                                       "layers.1.ffn_down", "layers.1.out"};
  const std::vector<uint32_t> ids{5, 80, 300, 41, 7, 600};
  Demo prefill(16, names), decode(16, names);
  prefill.session->forward(ids, 0, true);
  auto all = prefill.session->dumps();
  for (size_t t = 0; t < ids.size(); ++t) {
    decode.session->forward(std::span(ids).subspan(t, 1), uint32_t(t), false, true);
    auto one = decode.session->dumps();
    for (const std::string& name : names) {
      SCOPED_TRACE(name + " at position " + std::to_string(t));
      const auto& rows = all.at(name);
      const auto& row = one.at(name);
      ASSERT_EQ(rows.shape[0], ids.size());
      ASSERT_EQ(row.shape[0], 1u);
      ASSERT_EQ(row.values.size() * ids.size(), rows.values.size());
      const size_t n = row.values.size();
      for (size_t i = 0; i < n; ++i)
        ASSERT_NEAR(row.values[i], rows.values[t * n + i], 1e-4 * (1 + std::abs(row.values[i])));
    }
    // Position 0 rotates by nothing; every later position changes q.
    const auto &q = one.at("layers.0.q").values, &qr = one.at("layers.0.q_rope").values;
    if (t == 0)
      EXPECT_EQ(q, qr);
    else
      EXPECT_NE(q, qr);
  }
  EXPECT_EQ(prefill.ctx.validation_messages() + decode.ctx.validation_messages(), 0u);
}

TEST(Demo, ChatTurnPrefillsOnlyItsNewTokens) {
  Demo d(256);
  const chat::ChatTemplate tmpl = chat::ChatTemplate::load(kDemo);
  runtime::Generator gen(*d.session, &d.tokenizer);
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  messages.push_back({{"role", "user"}, {"content", "Tell me a story about a cat named Tom."}});
  const auto first = encode(d.tokenizer, tmpl.render(messages), false);
  runtime::GenerateResult r1 = gen.generate(first, greedy(24, {1, 2}));
  EXPECT_EQ(r1.cached_tokens, 0u);
  EXPECT_EQ(r1.prefilled_tokens, first.size());

  messages.push_back({{"role", "assistant"}, {"content", r1.text}});
  messages.push_back({{"role", "user"}, {"content", "Tell me another one."}});
  const auto second = encode(d.tokenizer, tmpl.render(messages), false);
  runtime::GenerateResult r2 = gen.generate(second, greedy(16, {1, 2}));
  // The first turn's prompt and its reply (as far as the re-rendered text keeps
  // the same tokens) come from the cache.
  EXPECT_GE(r2.cached_tokens, first.size() + r1.ids.size() - 2);
  EXPECT_EQ(r2.cached_tokens + r2.prefilled_tokens, second.size());
  EXPECT_LT(r2.prefilled_tokens, 24u);

  // And the reply equals one computed from an empty cache.
  gen.reset();
  runtime::GenerateResult fresh = gen.generate(second, greedy(16, {1, 2}));
  EXPECT_EQ(fresh.prefilled_tokens, second.size());
  EXPECT_EQ(fresh.ids, r2.ids);
  EXPECT_EQ(d.ctx.validation_messages(), 0u);
}

TEST(Demo, TextStreamKeepsCharactersWhole) {
  const tok::Tokenizer t = tok::Tokenizer::load(kDemo);
  const std::string text = "Tom saw a 🙂 and é and 日本 near the sea.";
  const auto ids = encode(t, text, false);
  runtime::TextStream stream(t, {}, true);
  std::string out;
  size_t empty = 0;
  for (uint32_t id : ids) {
    std::string piece = stream.push(id);
    if (piece.empty()) ++empty;
    // Every piece is whole UTF-8: it decodes alone without a replacement character.
    EXPECT_EQ(piece.find("\xEF\xBF\xBD"), std::string::npos);
    out += piece;
  }
  out += stream.finish();
  EXPECT_EQ(out, text);
  EXPECT_GT(empty, 0u) << "no character was split over tokens: the test proves nothing";
}

// Greedy generation from each fixture's prompt gives transformers' continuation
// wherever the reference's top-2 margin is clear; after a near-tie both
// continuations are valid and the comparison stops.
class FixtureGreedy : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureGreedy, ReproducesReference) {
  VKLLM_TEST_DATA_PATH(dir, "fixtures/" + GetParam());
  auto f = st::SafetensorsFile::open(dir / "reference.safetensors");
  auto read_i64 = [&](const char* name) {
    auto bytes = f.data(f.at(name));
    std::vector<uint32_t> v(bytes.size() / 8);
    for (size_t i = 0; i < v.size(); ++i) {
      int64_t x;
      std::memcpy(&x, bytes.data() + i * 8, 8);
      v[i] = uint32_t(x);
    }
    return v;
  };
  const std::vector<uint32_t> ids = read_i64("input_ids");
  const size_t prompt_len = read_i64("prompt_len")[0];
  auto mbytes = f.data(f.at("top2_margin"));
  std::vector<float> margin(mbytes.size() / 4);
  std::memcpy(margin.data(), mbytes.data(), mbytes.size());

  vk::Context ctx({.validation = true, .device_options = {.persist_pipeline_cache = false}});
  model::ModelFolder folder = model::open_model_folder(dir);
  runtime::Session s({&ctx.device()}, folder, runtime::single_device(folder.config),
                     {.ctx = uint32_t(ids.size())});
  runtime::Generator gen(s, nullptr);
  const std::span<const uint32_t> prompt(ids.data(), prompt_len);
  // The reference ran with min_new_tokens: no EOS.
  runtime::GenerateResult r = gen.generate(prompt, greedy(uint32_t(ids.size() - prompt_len)));
  ASSERT_EQ(r.ids.size(), ids.size() - prompt_len);
  size_t compared = 0;
  for (size_t i = 0; i < r.ids.size(); ++i) {
    const float m = margin[prompt_len - 1 + i];
    if (m <= 0.1f) {
      if (r.ids[i] != ids[prompt_len + i]) break;
      continue;
    }
    EXPECT_EQ(r.ids[i], ids[prompt_len + i]) << "generated token " << i << " (margin " << m << ")";
    if (r.ids[i] != ids[prompt_len + i]) break;
    ++compared;
  }
  EXPECT_GT(compared, 0u);
  RecordProperty("compared", int(compared));
  EXPECT_EQ(ctx.validation_messages(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllFixtures, FixtureGreedy, test::all_fixtures(), test::fixture_test_name);

}  // namespace
}  // namespace vkllm
