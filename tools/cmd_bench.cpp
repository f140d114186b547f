// vkllm bench -m DIR: like llama-bench, prefill of -p tokens and greedy decode of
// -n tokens (EOS ignored), median of -r runs. Reports tok/s, and for decode the
// effective bandwidth (weight bytes read per token x tok/s: all but the token
// embedding table, of which one row is read) against the device's
// measured streaming-read bandwidth. --batch-decode 1,4,16,64 instead decodes that
// many sequences together (each with its own KV cache, prefilled with -p tokens)
// and reports aggregate tok/s: the engine half of the server's continuous batching.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "engine/base/error.h"
#include "host/cpu/bandwidth.h"
#include "tests/harness/harness.h"
#include "tools/command.h"
#include "tools/model_options.h"

namespace vkllm::cli {
namespace {

struct Options {
  ModelOptions model;
  uint32_t prompt = 512, gen = 128, reps = 3, batch = 512;
  std::vector<uint32_t> batch_decode;
  bool json = false;
};

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

uint32_t argmax(std::span<const float> row) {
  return uint32_t(std::max_element(row.begin(), row.end()) - row.begin());
}

// The read ceiling decode is measured against: the (first) GPU's streaming read, or
// the host's when every layer is on the CPU (--device cpu).
harness::Ceilings ceilings(const OpenModel& m) {
  if (m.devices.empty()) return {host::cpu::read_bandwidth(*m.cpu) / 1e9, 0};
  return harness::measure_ceilings(*m.devices.front());
}

std::string device_name(const OpenModel& m) {
  return m.devices.empty() ? m.cpu->name() : m.devices[0]->info().name;
}

// --batch-decode: every sequence prefilled once with its own random prompt, then per
// batch size B and run, -n steps of B tokens at positions p..p+n-1 (each run writes
// the same cache rows again).
int run_batched(const Options& o) {
  const uint32_t most = *std::max_element(o.batch_decode.begin(), o.batch_decode.end());
  OpenModel m = open_model(o.model, o.prompt + o.gen, most);
  runtime::Session& s = *m.session;
  if (uint64_t(o.prompt) + o.gen > s.ctx())
    fail("bench: -p {} + -n {} tokens do not fit the context of {} (--ctx)", o.prompt, o.gen,
         s.ctx());
  std::mt19937 rng(1234);
  std::uniform_int_distribution<uint32_t> tok(0, uint32_t(s.config().vocab_size - 1));
  for (uint32_t q = 0; q < most && o.prompt; ++q)
    for (uint32_t pos = 0; pos < o.prompt; pos += o.batch) {
      const uint32_t n = std::min(o.batch, o.prompt - pos);
      std::vector<uint32_t> ids(n);
      std::vector<runtime::TokenPlace> places(n);
      for (uint32_t i = 0; i < n; ++i) {
        ids[i] = tok(rng);
        places[i] = {q, pos + i};
      }
      s.forward(ids, places, false, false);
    }
  const harness::Ceilings ceil = ceilings(m);
  nlohmann::json rows = nlohmann::json::array();
  if (!o.json)
    std::printf("%-8s %12s %14s %10s %12s   (-p %u context, -n %u steps, median of %u runs)\n",
                "batch", "tok/s", "tok/s/stream", "ms/step", "weights GB/s", o.prompt, o.gen,
                o.reps);
  for (uint32_t b : o.batch_decode) {
    std::vector<double> times;
    // Over the timed steps: the graph, reading back the logits (one sequence) or the
    // argmax ids (several).
    double run_s = 0, read_s = 0;
    std::vector<uint32_t> next(b);
    for (uint32_t& t : next) t = tok(rng);
    for (uint32_t r = 0; r <= o.reps; ++r) {
      const double t0 = now();
      for (uint32_t i = 0; i < o.gen; ++i) {
        std::vector<runtime::TokenPlace> places(b);
        for (uint32_t q = 0; q < b; ++q) places[q] = {q, o.prompt + i};
        // Several sequences as the server runs greedy ones: the argmax on the device.
        if (b > 1) {
          next = s.forward_greedy(next, places);
        } else {
          const std::vector<float>& logits = s.forward(next, places, false, true);
          next[0] = argmax(logits);
        }
        if (r > 0) {
          run_s += s.last_times().run;
          read_s += s.last_times().read;
        }
      }
      if (r > 0) times.push_back(now() - t0);  // run 0 records the graph
    }
    const double step = median(times) / o.gen;
    const double run_ms = 1e3 * run_s / (o.reps * o.gen), read_ms = 1e3 * read_s / (o.reps * o.gen);
    const double gbs = double(s.decode_read_bytes()) / step / 1e9;
    rows.push_back({{"batch", b},
                    {"tok_s", b / step},
                    {"tok_s_per_stream", 1 / step},
                    {"ms_per_step", step * 1e3},
                    {"ms_graph", run_ms},
                    {"ms_read_back", read_ms},
                    {"weights_gb_s", gbs},
                    {"fraction_of_read_ceiling", ceil.read_gbs > 0 ? gbs / ceil.read_gbs : 0}});
    if (!o.json)
      std::printf("%-8u %12.1f %14.1f %10.2f %12.4g   graph %.2f ms, read back %.2f ms\n", b,
                  b / step, 1 / step, step * 1e3, gbs, run_ms, read_ms);
  }
  if (o.model.profile) print_profile(s.profile());  // the last step of the last batch size
  if (o.json)
    std::printf("%s\n", nlohmann::json({{"model", o.model.dir},
                                        {"device", device_name(m)},
                                        {"context", o.prompt},
                                        {"steps", o.gen},
                                        {"read_ceiling_gb_s", ceil.read_gbs},
                                        {"batch_decode", rows}})
                            .dump(2)
                            .c_str());
  return m.validation_messages() ? 1 : 0;
}

int run(const Options& o) {
  if (!o.batch_decode.empty()) return run_batched(o);
  OpenModel m = open_model(o.model, o.prompt + o.gen);
  runtime::Session& s = *m.session;
  const auto& cfg = s.config();
  if (uint64_t(o.prompt) + o.gen > s.ctx())
    fail("bench: -p {} + -n {} tokens do not fit the context of {} (--ctx)", o.prompt, o.gen,
         s.ctx());
  std::mt19937 rng(1234);
  std::uniform_int_distribution<uint32_t> tok(0, uint32_t(cfg.vocab_size - 1));
  std::vector<uint32_t> prompt(o.prompt);
  for (uint32_t& t : prompt) t = tok(rng);

  // Warm-up: records the graphs and compiles the pipelines.
  auto prefill = [&]() {
    std::vector<float> last;
    for (uint32_t pos = 0; pos < o.prompt; pos += o.batch) {
      const uint32_t n = std::min(o.batch, o.prompt - pos);
      last = s.forward(std::span(prompt).subspan(pos, n), pos, false);
    }
    return last;
  };
  std::vector<double> pp, tg;
  for (uint32_t r = 0; r <= o.reps; ++r) {
    double t0 = now();
    std::vector<float> logits = o.prompt ? prefill() : std::vector<float>{};
    double t1 = now();
    uint32_t next = o.prompt ? argmax(logits) : tok(rng);
    for (uint32_t i = 0; i < o.gen; ++i) {
      logits = s.forward(std::span(&next, 1), o.prompt + i, false, true);
      next = argmax(logits);
    }
    double t2 = now();
    if (r == 0) continue;  // warm-up
    pp.push_back(t1 - t0);
    tg.push_back(t2 - t1);
  }
  const double pp_tps = o.prompt ? o.prompt / median(pp) : 0;
  const double tg_tps = o.gen ? o.gen / median(tg) : 0;
  const double gbs = double(s.decode_read_bytes()) * tg_tps / 1e9;
  const harness::Ceilings ceil = ceilings(m);
  const double frac = ceil.read_gbs > 0 ? gbs / ceil.read_gbs : 0;
  if (o.model.profile) print_profile(s.profile());
  const std::string dev = device_name(m);
  if (o.json) {
    nlohmann::json j = {{"model", o.model.dir},
                        {"device", dev},
                        {"weight_bytes", s.weight_bytes()},
                        {"decode_read_bytes", s.decode_read_bytes()},
                        {"prompt_tokens", o.prompt},
                        {"gen_tokens", o.gen},
                        {"reps", o.reps},
                        {"prefill_tok_s", pp_tps},
                        {"decode_tok_s", tg_tps},
                        {"decode_gb_s", gbs},
                        {"read_ceiling_gb_s", ceil.read_gbs},
                        {"decode_fraction_of_ceiling", frac},
                        {"prefill_s", pp},
                        {"decode_s", tg},
                        {"lora", lora_json(m)},
                        {"device_map", nlohmann::json::parse(m.device_map)}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("model  %s (%s, %.2f GB of weights) on %s, median of %u runs\n",
                o.model.dir.c_str(), std::string(model::family_name(cfg.family)).c_str(),
                double(s.weight_bytes()) / 1e9, dev.c_str(), o.reps);
    for (const model::LoraAdapter& a : m.adapters)
      std::printf("lora   %s\n", describe_lora(a, m.adapters_merged).c_str() + 6);
    std::printf("%-10s %8s %12s\n", "test", "tokens", "tok/s");
    if (o.prompt) std::printf("%-10s %8u %12.1f\n", "prefill", o.prompt, pp_tps);
    if (o.gen)
      std::printf("%-10s %8u %12.1f   %.4g GB/s effective, %.1f%% of measured read %.4g GB/s\n",
                  "decode", o.gen, tg_tps, gbs, 100 * frac, ceil.read_gbs);
  }
  return m.validation_messages() ? 1 : 0;
}

Registration reg{
    {"bench", "Prefill and decode speed of a model (like llama-bench)", [](CLI::App& sub) {
       auto o = std::make_shared<Options>();
       o->model.add_to(sub, false);
       sub.add_option("-p,--prompt", o->prompt, "Prompt tokens (default 512)");
       sub.add_option("-n,--gen", o->gen, "Generated tokens (default 128)");
       sub.add_option("-r,--reps", o->reps, "Timed runs (default 3)")->check(CLI::Range(1u, 1000u));
       sub.add_option("--batch", o->batch, "Prefill chunk (default 512)")
           ->check(CLI::Range(1u, 1u << 20));
       sub.add_option("--batch-decode", o->batch_decode,
                      "Decode this many sequences together (1,4,16,64): aggregate tok/s")
           ->delimiter(',')
           ->check(CLI::Range(1u, 1024u));
       sub.add_flag("--json", o->json, "Print JSON");
       return [o]() -> int { return run(*o); };
     }}};

}  // namespace
}  // namespace vkllm::cli
