// vkllm score -m DIR --ids 1,2,3: teacher-forced logits at every position (the
// prefill path in chunks of --batch, or one token at a time through the decode
// path with --decode-check), the mean negative log-likelihood and perplexity,
// and optionally the logits as a safetensors file.
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "engine/base/error.h"
#include "engine/base/paths.h"
#include "engine/base/progress.h"
#include "loaders/safetensors/file.h"
#include "loaders/safetensors/writer.h"
#include "tools/command.h"
#include "tools/generation_options.h"
#include "tools/model_options.h"

namespace vkllm::cli {
namespace {

struct Options {
  ModelOptions model;
  std::string ids, ids_file, text, text_file, out, kl_base;
  uint32_t batch = 512, window = 0;
  bool decode_check = false, json = false;
};

std::vector<uint32_t> read_ids(const Options& o) {
  if (!o.ids.empty()) return parse_token_ids(o.ids, "--ids");
  if (!o.text.empty() || !o.text_file.empty()) {
    std::unique_ptr<tok::Tokenizer> tokenizer = load_tokenizer_if_any(o.model.folder());
    if (!tokenizer)
      fail("score: {} has no tokenizer.json; give the sequence with --ids", o.model.folder());
    return encode_ids(*tokenizer, o.text.empty() ? read_file(o.text_file, "--text-file") : o.text,
                      true);
  }
  return parse_token_ids(read_file(o.ids_file, "--ids-file"), o.ids_file);
}

// -log softmax(row)[target], in double.
double nll(std::span<const float> row, uint32_t target) {
  double mx = -INFINITY;
  for (float v : row) mx = std::max(mx, double(v));
  double sum = 0;
  for (float v : row) sum += std::exp(double(v) - mx);
  return std::log(sum) + mx - double(row[target]);
}

// KL(P || Q) of the softmaxes of two logit rows, in double.
double kl_divergence(std::span<const float> p, std::span<const float> q) {
  auto log_softmax = [](std::span<const float> x) {
    double mx = -INFINITY, sum = 0;
    for (float v : x) mx = std::max(mx, double(v));
    for (float v : x) sum += std::exp(double(v) - mx);
    std::vector<double> out(x.size());
    for (size_t i = 0; i < x.size(); ++i) out[i] = double(x[i]) - mx - std::log(sum);
    return out;
  };
  const std::vector<double> lp = log_softmax(p), lq = log_softmax(q);
  double kl = 0;
  for (size_t i = 0; i < lp.size(); ++i) kl += std::exp(lp[i]) * (lp[i] - lq[i]);
  return kl;
}

int run(const Options& o) {
  if (!o.model.dump.empty() && o.out.empty())
    fail("score: --dump writes the tensors into the --out file; give --out FILE.safetensors");
  const std::vector<uint32_t> ids = read_ids(o);
  // --window: independent windows of that many tokens, each from position 0.
  const size_t window = o.window ? o.window : ids.size();
  OpenModel m = open_model(o.model, uint32_t(window));
  runtime::Session& s = *m.session;
  const uint64_t vocab = uint64_t(s.config().vocab_size);
  if (window > s.ctx())
    fail(
        "score: {} tokens do not fit the context of {} (--ctx, or --window N to score in "
        "windows)",
        window, s.ctx());
  std::vector<float> logits(ids.size() * vocab);
  std::map<std::string, runtime::Session::Dump> dumps;  // stacked over the chunks
  Progress timer("score", 0, false);
  const uint32_t batch = o.decode_check ? 1 : std::max<uint32_t>(1, o.batch);
  for (size_t pos = 0; pos < ids.size(); pos += batch) {
    const size_t n = std::min({size_t(batch), ids.size() - pos, window - pos % window});
    std::vector<float> chunk =
        s.forward(std::span(ids).subspan(pos, n), uint32_t(pos % window), true, o.decode_check);
    std::copy(chunk.begin(), chunk.end(), logits.begin() + long(pos * vocab));
    for (auto& [name, d] : s.dumps()) {
      runtime::Session::Dump& all = dumps[name];
      if (n != ids.size() && (d.shape.empty() || d.shape[0] != n))
        fail(
            "score: --dump {}: its shape [{}] is not one row per token, so chunks of {} tokens "
            "cannot be stacked; run all {} tokens as one chunk (--batch {})",
            name, fmt::join(d.shape, ", "), n, ids.size(), ids.size());
      if (all.shape.empty())
        all.shape = d.shape;
      else
        all.shape[0] += d.shape[0];
      all.values.insert(all.values.end(), d.values.begin(), d.values.end());
    }
  }
  const double seconds = timer.seconds();
  // Predictions within each window: token t + 1 from the logits of t.
  double total = 0;
  size_t scored = 0;
  for (size_t t = 0; t + 1 < ids.size(); ++t) {
    if ((t + 1) % window == 0) continue;
    total += nll(std::span(logits).subspan(t * vocab, vocab), ids[t + 1]);
    ++scored;
  }
  const double mean = scored ? total / double(scored) : 0.0;
  // --kl-base: the same positions' distributions from an earlier --out (e.g. the
  // unquantized model): mean KL(base || this) and how often the top token agrees.
  double kl = 0, same_top = 0;
  if (!o.kl_base.empty()) {
    const st::SafetensorsFile base = st::SafetensorsFile::open(o.kl_base);
    const st::TensorInfo& bt = base.at("logits");
    if (bt.dtype != st::DType::F32 || bt.shape != std::vector<uint64_t>{ids.size(), vocab})
      fail("score: --kl-base {}: logits are {} [{}], expected F32 [{}, {}] (the same sequence)",
           o.kl_base, st::dtype_name(bt.dtype), fmt::join(bt.shape, ", "), ids.size(), vocab);
    std::vector<float> b(bt.numel());
    std::memcpy(b.data(), base.data(bt).data(), b.size() * 4);
    for (size_t t = 0; t < ids.size(); ++t) {
      const std::span<const float> p(b.data() + t * vocab, vocab),
          q(logits.data() + t * vocab, vocab);
      kl += kl_divergence(p, q);
      same_top += std::max_element(p.begin(), p.end()) - p.begin() ==
                  std::max_element(q.begin(), q.end()) - q.begin();
    }
    kl /= double(ids.size());
    same_top /= double(ids.size());
  }
  if (!o.out.empty()) {
    std::vector<st::TensorToWrite> tensors{
        {"logits", st::DType::F32, {ids.size(), vocab}, std::as_bytes(std::span(logits))}};
    for (auto& [name, d] : dumps)
      tensors.push_back({name, st::DType::F32, d.shape, std::as_bytes(std::span(d.values))});
    st::write_safetensors(o.out, tensors);
  }
  if (o.model.profile) print_profile(s.profile());
  if (o.json) {
    nlohmann::json j = {{"tokens", ids.size()},
                        {"scored", scored},
                        {"mean_nll", mean},
                        {"perplexity", std::exp(mean)},
                        {"path", o.decode_check ? "decode" : "prefill"},
                        {"window", window},
                        {"seconds", seconds},
                        {"device_map", nlohmann::json::parse(m.device_map)}};
    if (!o.kl_base.empty()) {
      j["mean_kl"] = kl;
      j["same_top_token"] = same_top;
    }
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf(
        "%zu tokens (%s path): mean NLL %.6f, perplexity %.4f over %zu predictions; "
        "%.3f s (%.1f tok/s)\n",
        ids.size(), o.decode_check ? "decode" : "prefill", mean, std::exp(mean), scored, seconds,
        double(ids.size()) / seconds);
    if (!o.kl_base.empty())
      std::printf("against %s: mean KL %.6f, same top token %.2f%%\n", o.kl_base.c_str(), kl,
                  100 * same_top);
  }
  return m.validation_messages() ? 1 : 0;
}

Registration reg{
    {"score", "Teacher-forced logits, mean NLL and perplexity of a token sequence",
     [](CLI::App& sub) {
       auto o = std::make_shared<Options>();
       o->model.add_to(sub, true);
       auto* ids = sub.add_option("--ids", o->ids, "Token ids: 1,2,3");
       auto* file =
           sub.add_option("--ids-file", o->ids_file, "File of whitespace- or comma-separated ids");
       auto* text =
           sub.add_option("--text", o->text, "Text, tokenized with the folder's tokenizer");
       auto* text_file = sub.add_option("--text-file", o->text_file,
                                        "File of text, tokenized with the folder's tokenizer");
       ids->excludes(file);
       text->excludes(ids)->excludes(file)->excludes(text_file);
       text_file->excludes(ids)->excludes(file);
       sub.add_option("--window", o->window,
                      "Score in independent windows of N tokens (perplexity of a long text)");
       sub.add_option("--kl-base", o->kl_base,
                      "Logits of the same sequence from an earlier --out: report mean KL "
                      "divergence and top-token agreement against them");
       sub.add_option("--out", o->out, "Write logits [T, V] F32 to this safetensors file");
       sub.add_option("--batch", o->batch, "Prefill chunk in tokens (default 512)");
       sub.add_flag("--decode-check", o->decode_check,
                    "Run one token at a time through the decode path");
       sub.add_flag("--json", o->json, "Print JSON");
       return [o]() -> int {
         if (o->ids.empty() && o->ids_file.empty() && o->text.empty() && o->text_file.empty())
           fail("score: give the sequence with --ids, --ids-file, --text or --text-file");
         return run(*o);
       };
     }}};

}  // namespace
}  // namespace vkllm::cli
