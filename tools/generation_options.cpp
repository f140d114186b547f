#include "tools/generation_options.h"

#include <cstdio>
#include <filesystem>
#include <random>

#include "loaders/model/config.h"

namespace vkllm::cli {

void GenerationFlags::add_to(CLI::App& sub) {
  sub.add_option("-n,--n-predict", n,
                 "Most tokens to generate (default: generation_config.json, else 256)");
  sub.add_option("--temp", temp, "Temperature; 0 is greedy (default: generation_config.json)");
  sub.add_option("--top-k", top_k, "Keep the k most likely tokens (0: off)");
  sub.add_option("--top-p", top_p, "Keep the most likely tokens up to this probability mass");
  sub.add_option("--min-p", min_p, "Drop tokens below this fraction of the top probability");
  sub.add_option("--repeat-penalty", repeat_penalty,
                 "Repetition penalty over the context (transformers' rule; 1: off)");
  sub.add_option("--presence-penalty", presence, "Subtract from tokens generated at least once");
  sub.add_option("--frequency-penalty", frequency,
                 "Subtract this times the count of each generated token");
  sub.add_option("--seed", seed, "Random seed (default: drawn, and reported)");
  sub.add_option("--stop", stop, "Stop when this text is generated (repeatable)");
  sub.add_flag("--special", special, "Print special tokens too");
  sub.add_flag("--ignore-eos", ignore_eos, "Generate past end-of-sequence tokens (benchmarks)");
}

runtime::GenerateOptions GenerationFlags::resolve(const model::ModelFolder& folder,
                                                  const tok::Tokenizer* tokenizer) const {
  runtime::GenerateOptions g;
  runtime::SamplingParams& p = g.sampling;
  p = runtime::default_sampling(folder);
  if (temp) p.temperature = *temp;
  if (top_k) p.top_k = *top_k;
  if (top_p) p.top_p = *top_p;
  if (min_p) p.min_p = *min_p;
  if (repeat_penalty) p.repetition_penalty = *repeat_penalty;
  p.presence_penalty = presence;
  p.frequency_penalty = frequency;
  p.seed = seed ? *seed : std::random_device{}();
  g.max_new_tokens = 256;
  if (folder.generation && folder.generation->max_new_tokens)
    g.max_new_tokens = uint32_t(*folder.generation->max_new_tokens);
  if (n) g.max_new_tokens = *n;
  if (!ignore_eos) g.eos_ids = runtime::default_eos_ids(folder, tokenizer);
  g.stop = stop;
  g.skip_special_tokens = !special;
  return g;
}

std::unique_ptr<tok::Tokenizer> load_tokenizer_if_any(const std::string& dir) {
  // A wrong -m is named before the tokenizer it lacks.
  model::require_model_folder(dir);
  if (!std::filesystem::exists(std::filesystem::path(dir) / "tokenizer.json")) return nullptr;
  return std::make_unique<tok::Tokenizer>(tok::Tokenizer::load(dir));
}

std::vector<uint32_t> encode_ids(const tok::Tokenizer& tokenizer, std::string_view text,
                                 bool add_special_tokens) {
  const std::vector<tok::TokenId> ids = tokenizer.encode(text, add_special_tokens);
  return std::vector<uint32_t>(ids.begin(), ids.end());
}

void print_summary(const runtime::GenerateResult& r, double load_seconds) {
  const double prompt_rate = r.prefill_seconds > 0 ? r.prefilled_tokens / r.prefill_seconds : 0;
  const double gen_rate = r.decode_seconds > 0 ? r.decode_steps / r.decode_seconds : 0;
  std::fprintf(stderr,
               "\n[load %.2f s | prompt %u tokens (%u cached), %.3f s, %.1f tok/s | generated %zu "
               "tokens: %u decode steps, %.3f s, %.1f tok/s | %s]\n",
               load_seconds, r.prefilled_tokens, r.cached_tokens, r.prefill_seconds, prompt_rate,
               r.ids.size(), r.decode_steps, r.decode_seconds, gen_rate,
               runtime::finish_reason_name(r.finish));
}

}  // namespace vkllm::cli
