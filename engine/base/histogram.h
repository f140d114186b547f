// A fixed-bucket histogram as Prometheus exposes one: cumulative counts per upper
// bound, the sum and the count of every observation; memory does not grow.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace vkllm {

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, increasing; +Inf is implied.
  explicit Histogram(std::vector<double> bounds = {})
      : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

  void observe(double v) {
    const size_t i = size_t(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
    counts_[i]++;
    sum_ += v;
    count_++;
  }

  const std::vector<double>& bounds() const { return bounds_; }
  // Observations <= bounds()[i] (i = bounds().size(): all of them).
  uint64_t cumulative(size_t i) const {
    uint64_t n = 0;
    for (size_t j = 0; j <= i && j < counts_.size(); ++j) n += counts_[j];
    return n;
  }
  double sum() const { return sum_; }
  uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, the last one above every bound
  double sum_ = 0;
  uint64_t count_ = 0;
};

}  // namespace vkllm
