// GET /metrics: the Prometheus text format (version 0.0.4) of what the server
// counted: HTTP requests by route and status, requests and tokens, the running
// and waiting requests, and histograms of time to first token, inter-token
// latency and decode batch size.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "engine/runtime/batcher.h"

namespace vkllm::server {

// HTTP responses by (route, status), counted as they are sent.
class HttpCounters {
 public:
  void count(const std::string& route, int status);
  std::map<std::pair<std::string, int>, uint64_t> snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> counts_;
};

std::string prometheus_text(const std::string& model, const runtime::BatcherMetrics& m,
                            const std::map<std::pair<std::string, int>, uint64_t>& http,
                            uint32_t slots);

}  // namespace vkllm::server
