#include "server/metrics.h"

#include <fmt/format.h>

namespace vkllm::server {

void HttpCounters::count(const std::string& route, int status) {
  std::lock_guard lock(mu_);
  counts_[{route, status}]++;
}

std::map<std::pair<std::string, int>, uint64_t> HttpCounters::snapshot() const {
  std::lock_guard lock(mu_);
  return counts_;
}

namespace {

// A label value with \, " and newlines escaped.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void head(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void histogram(std::string& out, const char* name, const char* help, const Histogram& h,
               const std::string& labels) {
  head(out, name, "histogram", help);
  for (size_t i = 0; i < h.bounds().size(); ++i)
    out +=
        fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", name, labels, h.bounds()[i], h.cumulative(i));
  out += fmt::format("{}_bucket{{{},le=\"+Inf\"}} {}\n", name, labels, h.count());
  out += fmt::format("{}_sum{{{}}} {}\n", name, labels, h.sum());
  out += fmt::format("{}_count{{{}}} {}\n", name, labels, h.count());
}

}  // namespace

std::string prometheus_text(const std::string& model, const runtime::BatcherMetrics& m,
                            const std::map<std::pair<std::string, int>, uint64_t>& http,
                            uint32_t slots) {
  const std::string labels = fmt::format("model_name=\"{}\"", label(model));
  std::string out;
  auto counter = [&](const char* name, const char* help, uint64_t v) {
    head(out, name, "counter", help);
    out += fmt::format("{}{{{}}} {}\n", name, labels, v);
  };
  auto gauge = [&](const char* name, const char* help, double v) {
    head(out, name, "gauge", help);
    out += fmt::format("{}{{{}}} {}\n", name, labels, v);
  };
  head(out, "vkllm_http_requests_total", "counter", "HTTP responses by route and status.");
  for (const auto& [key, n] : http)
    out += fmt::format("vkllm_http_requests_total{{{},route=\"{}\",status=\"{}\"}} {}\n", labels,
                       label(key.first), key.second, n);
  counter("vkllm_requests_finished_total", "Generation requests finished.", m.requests_finished);
  counter("vkllm_prompt_tokens_total", "Prompt tokens of finished prefills.", m.prompt_tokens);
  counter("vkllm_prompt_tokens_cached_total", "Prompt tokens found in a slot's KV cache.",
          m.cached_tokens);
  counter("vkllm_generation_tokens_total", "Tokens generated.", m.generated_tokens);
  counter("vkllm_decode_steps_total", "Batched decode steps run.", m.steps);
  gauge("vkllm_requests_running", "Requests holding a KV cache slot.", m.running);
  gauge("vkllm_requests_waiting", "Requests queued for a slot.", m.waiting);
  gauge("vkllm_slots", "KV cache slots (--parallel).", slots);
  histogram(out, "vkllm_time_to_first_token_seconds", "From arrival to the first generated token.",
            m.ttft, labels);
  histogram(out, "vkllm_inter_token_latency_seconds", "Between a request's consecutive tokens.",
            m.itl, labels);
  histogram(out, "vkllm_batch_size", "Sequences in each decode step.", m.batch, labels);
  return out;
}

}  // namespace vkllm::server
