// Streaming quantiles with bounded memory and a stated error: what every latency percentile in
// aiinfra is computed with, in the simulator, the live endpoint and the load generator alike.
//
// Two layers:
// - LogBuckets: a DDSketch-style histogram (Masson, Rim, Lee, "DDSketch: a fast and
//   fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019). A value v > 0
//   goes to bucket i = ceil(log_gamma(v)) with gamma = (1 + a) / (1 - a), and a bucket is read
//   back as 2 gamma^i / (gamma + 1), which is within a relative error `a` of every value in
//   the bucket. Negative values mirror into a second store; |v| < kMinIndexable counts as 0.
//   Buckets add and subtract exactly, so histograms merge (shards, classes) and slide
//   (windows) without loss beyond the bucketing itself.
// - QuantileSketch: exact while it holds at most `exact_limit` values (it keeps them), then it
//   moves them into LogBuckets and stays bucketed. count, sum, mean, min and max are exact in
//   both modes.
//
// Quantile definition (both modes): the linear interpolation between the order statistics of
// 0-based ranks floor(q (n - 1)) and ceil(q (n - 1)), which is numpy's default
// (`np.percentile`, method "linear") and what `vllm bench serve` reports. With weights, a value
// of weight w stands for w equal values.
//
// Error guarantee: in exact mode the result is that definition exactly. In bucketed mode each of
// the two order statistics is read back within relative error `a` (default 0.5%), so their
// interpolation is too: |estimate - exact| <= a * |exact| for values that are all >= 0 (or all
// <= 0), for every q in [0, 1], whatever the number of values or their distribution. (Values of
// mixed sign keep the bound per order statistic.) Values below kMinIndexable in magnitude are
// read back as 0, an absolute error under 1e-9. Results are clamped to [min, max], which only
// moves them closer to the truth.
//
// Memory: exact mode 16 bytes per Add (at most exact_limit of them); bucketed mode
// 8 bytes per bucket between the smallest and largest magnitude seen, about
// ln(max / min) / (2 a) buckets: ~1,500 buckets (12 KB) for values from 1 ms to 1 h at a = 0.5%,
// never more than ~4,200 per sign for values from 1e-9 to 1e9. Memory never grows with the
// number of values.
//
// Value types; not thread-safe (Quantile() of a QuantileSketch sorts its values lazily, so even
// concurrent readers need a lock). Results are deterministic: they depend on the values added,
// not on the order in which they were added (except, rarely, the last bit of sum and mean).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace aiinfra::metrics {

inline constexpr double kDefaultRelativeAccuracy = 0.005;
inline constexpr std::uint64_t kDefaultExactLimit = 10'000;
// Magnitudes below this count as 0 in LogBuckets (1 ns when values are seconds).
inline constexpr double kMinIndexable = 1e-9;

// The percentiles every summary reports, as fractions, and their names in JSON output.
inline constexpr std::array<double, 5> kPercentiles = {0.5, 0.9, 0.95, 0.99, 0.999};
inline constexpr std::array<std::string_view, 5> kPercentileNames = {"p50", "p90", "p95", "p99",
                                                                     "p99.9"};

// The q-quantile (linear interpolation, as above) of values sorted ascending; NaN when empty.
// The reference the sketches are tested against.
double SortedQuantile(const std::vector<double>& sorted, double q);

class LogBuckets {
 public:
  // 0 < relative_accuracy < 1.
  explicit LogBuckets(double relative_accuracy = kDefaultRelativeAccuracy);

  double relative_accuracy() const { return accuracy_; }

  // Adds `weight` copies of `value` (finite).
  void Add(double value, std::uint64_t weight = 1);
  // Adds every bucket of `other`, which must have the same relative accuracy.
  void Merge(const LogBuckets& other);
  // Removes every bucket of `other`, which must have been added to this one before (asserted).
  void Subtract(const LogBuckets& other);
  void Clear();

  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Buckets held (memory is 8 bytes each).
  std::size_t bucket_count() const;

  // The value read back for the element of 0-based rank `rank` (< count()) in ascending order.
  double ValueAtRank(std::uint64_t rank) const;
  // The q-quantile (q in [0, 1]) by the definition above; NaN when empty.
  double Quantile(double q) const;

 private:
  // Dense counts for bucket indexes [offset, offset + counts.size()).
  struct Store {
    int offset = 0;
    std::vector<std::uint64_t> counts;

    // The common case (index within the current range) stays inline; growth is out of line.
    void Add(int index, std::uint64_t weight) {
      const auto i = static_cast<std::size_t>(static_cast<unsigned>(index - offset));
      if (i < counts.size()) {
        counts[i] += weight;
      } else {
        Grow(index, weight);
      }
    }
    void Grow(int index, std::uint64_t weight);
    void Subtract(int index, std::uint64_t weight);
    void Trim();
  };

  int Index(double magnitude) const;
  double Value(int index) const;

  double accuracy_;
  double log_gamma_;
  double inv_log_gamma_;
  double gamma_;
  Store positive_;
  Store negative_;  // by magnitude
  std::uint64_t zeros_ = 0;
  std::uint64_t count_ = 0;
};

class QuantileSketch {
 public:
  // Exact while count() <= exact_limit (0: bucketed from the start).
  explicit QuantileSketch(std::uint64_t exact_limit = kDefaultExactLimit,
                          double relative_accuracy = kDefaultRelativeAccuracy);

  // Adds `weight` (>= 1) copies of `value` (finite).
  void Add(double value, std::uint64_t weight = 1);
  // Adds everything `other` holds; the result is exact when both are and the total fits the
  // limit. Relative accuracies must match.
  void Merge(const QuantileSketch& other);

  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  bool exact() const { return exact_; }
  double relative_accuracy() const { return buckets_.relative_accuracy(); }
  double sum() const { return sum_ + sum_error_; }
  // NaN when empty.
  double mean() const;
  double min() const;
  double max() const;
  // The q-quantile (q in [0, 1]); NaN when empty.
  double Quantile(double q) const;

 private:
  void SortValues() const;
  void SwitchToBuckets();

  std::uint64_t exact_limit_;
  bool exact_ = true;
  mutable bool sorted_ = true;
  mutable std::vector<std::pair<double, std::uint64_t>> values_;  // (value, weight), exact mode
  LogBuckets buckets_;
  std::uint64_t count_ = 0;
  // Neumaier-compensated sum: pooled itl sums hundreds of millions of similar values, where a
  // plain sum would drift by ~1e-9 relative.
  double sum_ = 0;
  double sum_error_ = 0;
  double min_;
  double max_;
};

}  // namespace aiinfra::metrics
