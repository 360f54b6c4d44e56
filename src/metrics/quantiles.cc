#include "metrics/quantiles.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace aiinfra::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Splits the fractional rank q (n - 1) into the two order statistics it interpolates between.
struct Ranks {
  std::uint64_t lo;
  std::uint64_t hi;
  double frac;
};

Ranks RanksFor(double q, std::uint64_t n) {
  q = std::clamp(q, 0.0, 1.0);
  const double r = q * static_cast<double>(n - 1);
  const auto lo = static_cast<std::uint64_t>(std::floor(r));
  const double frac = r - static_cast<double>(lo);
  return {lo, frac > 0 ? std::min(lo + 1, n - 1) : lo, frac};
}

// Adds x to the compensated sum (sum, error) (Neumaier's variant of Kahan summation).
void CompensatedAdd(double& sum, double& error, double x) {
  const double t = sum + x;
  error += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
  sum = t;
}

double Interpolate(double lo, double hi, double frac) {
  return frac > 0 ? lo + frac * (hi - lo) : lo;
}

}  // namespace

double SortedQuantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  const Ranks r = RanksFor(q, sorted.size());
  return Interpolate(sorted[r.lo], sorted[r.hi], r.frac);
}

// --- LogBuckets ---------------------------------------------------------------------------

LogBuckets::LogBuckets(double relative_accuracy) : accuracy_(relative_accuracy) {
  assert(relative_accuracy > 0 && relative_accuracy < 1);
  gamma_ = (1 + relative_accuracy) / (1 - relative_accuracy);
  log_gamma_ = std::log(gamma_);
  inv_log_gamma_ = 1 / log_gamma_;
}

void LogBuckets::Store::Grow(int index, std::uint64_t weight) {
  if (counts.empty()) {
    offset = index;
    counts.assign(1, 0);
  } else if (index < offset) {
    // Growing downwards is rare once the range of a metric has been seen, so the O(size) insert
    // is cheaper overall than a ring buffer's bookkeeping on every Add.
    counts.insert(counts.begin(), static_cast<std::size_t>(offset - index), 0);
    offset = index;
  } else if (index - offset >= static_cast<int>(counts.size())) {
    counts.resize(static_cast<std::size_t>(index - offset) + 1, 0);
  }
  counts[static_cast<std::size_t>(index - offset)] += weight;
}

void LogBuckets::Store::Subtract(int index, std::uint64_t weight) {
  assert(index >= offset && index - offset < static_cast<int>(counts.size()));
  auto& c = counts[static_cast<std::size_t>(index - offset)];
  assert(c >= weight);
  c -= weight;
}

void LogBuckets::Store::Trim() {
  // Drop empty edges so that a sliding window's memory follows the values still in it.
  std::size_t first = 0;
  while (first < counts.size() && counts[first] == 0) ++first;
  if (first == counts.size()) {
    counts.clear();
    return;
  }
  std::size_t last = counts.size();
  while (counts[last - 1] == 0) --last;
  if (first > 0 || last < counts.size()) {
    counts = std::vector<std::uint64_t>(counts.begin() + static_cast<std::ptrdiff_t>(first),
                                        counts.begin() + static_cast<std::ptrdiff_t>(last));
    offset += static_cast<int>(first);
  }
}

int LogBuckets::Index(double magnitude) const {
  // ceil without a libm call (x86-64's baseline has no rounding instruction); |x| < 2^31 since
  // magnitudes are finite and >= kMinIndexable.
  const double x = std::log(magnitude) * inv_log_gamma_;
  const int i = static_cast<int>(x);
  return i < x ? i + 1 : i;
}

double LogBuckets::Value(int index) const {
  // The point of bucket (gamma^(i-1), gamma^i] whose relative distance to both ends is `a`.
  return 2 * std::exp(index * log_gamma_) / (gamma_ + 1);
}

void LogBuckets::Add(double value, std::uint64_t weight) {
  assert(std::isfinite(value));
  if (weight == 0) return;
  count_ += weight;
  const double magnitude = std::fabs(value);
  if (magnitude < kMinIndexable) {
    zeros_ += weight;
  } else if (value > 0) {
    positive_.Add(Index(magnitude), weight);
  } else {
    negative_.Add(Index(magnitude), weight);
  }
}

void LogBuckets::Merge(const LogBuckets& other) {
  assert(other.accuracy_ == accuracy_);
  for (std::size_t i = 0; i < other.positive_.counts.size(); ++i) {
    if (other.positive_.counts[i] > 0) {
      positive_.Add(other.positive_.offset + static_cast<int>(i), other.positive_.counts[i]);
    }
  }
  for (std::size_t i = 0; i < other.negative_.counts.size(); ++i) {
    if (other.negative_.counts[i] > 0) {
      negative_.Add(other.negative_.offset + static_cast<int>(i), other.negative_.counts[i]);
    }
  }
  zeros_ += other.zeros_;
  count_ += other.count_;
}

void LogBuckets::Subtract(const LogBuckets& other) {
  assert(other.accuracy_ == accuracy_);
  assert(other.count_ <= count_ && other.zeros_ <= zeros_);
  for (std::size_t i = 0; i < other.positive_.counts.size(); ++i) {
    if (other.positive_.counts[i] > 0) {
      positive_.Subtract(other.positive_.offset + static_cast<int>(i), other.positive_.counts[i]);
    }
  }
  for (std::size_t i = 0; i < other.negative_.counts.size(); ++i) {
    if (other.negative_.counts[i] > 0) {
      negative_.Subtract(other.negative_.offset + static_cast<int>(i), other.negative_.counts[i]);
    }
  }
  positive_.Trim();
  negative_.Trim();
  zeros_ -= other.zeros_;
  count_ -= other.count_;
}

void LogBuckets::Clear() {
  positive_ = {};
  negative_ = {};
  zeros_ = 0;
  count_ = 0;
}

std::size_t LogBuckets::bucket_count() const {
  return positive_.counts.size() + negative_.counts.size() + (zeros_ > 0 ? 1 : 0);
}

double LogBuckets::ValueAtRank(std::uint64_t rank) const {
  assert(rank < count_);
  // Ascending order: negatives from the largest magnitude down, zeros, positives upwards.
  for (std::size_t i = negative_.counts.size(); i-- > 0;) {
    if (rank < negative_.counts[i]) return -Value(negative_.offset + static_cast<int>(i));
    rank -= negative_.counts[i];
  }
  if (rank < zeros_) return 0;
  rank -= zeros_;
  for (std::size_t i = 0; i < positive_.counts.size(); ++i) {
    if (rank < positive_.counts[i]) return Value(positive_.offset + static_cast<int>(i));
    rank -= positive_.counts[i];
  }
  assert(false && "rank beyond count");
  return kNaN;
}

double LogBuckets::Quantile(double q) const {
  if (count_ == 0) return kNaN;
  const Ranks r = RanksFor(q, count_);
  const double lo = ValueAtRank(r.lo);
  return Interpolate(lo, r.hi == r.lo ? lo : ValueAtRank(r.hi), r.frac);
}

// --- QuantileSketch -----------------------------------------------------------------------

QuantileSketch::QuantileSketch(std::uint64_t exact_limit, double relative_accuracy)
    : exact_limit_(exact_limit),
      exact_(exact_limit > 0),
      buckets_(relative_accuracy),
      min_(std::numeric_limits<double>::infinity()),
      max_(-std::numeric_limits<double>::infinity()) {}

void QuantileSketch::Add(double value, std::uint64_t weight) {
  assert(std::isfinite(value));
  if (weight == 0) return;
  count_ += weight;
  CompensatedAdd(sum_, sum_error_, value * static_cast<double>(weight));
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  if (exact_ && count_ <= exact_limit_) {
    values_.emplace_back(value, weight);
    sorted_ = false;
    return;
  }
  if (exact_) SwitchToBuckets();
  buckets_.Add(value, weight);
}

void QuantileSketch::Merge(const QuantileSketch& other) {
  assert(other.relative_accuracy() == relative_accuracy());
  if (other.count_ == 0) return;
  const std::uint64_t total = count_ + other.count_;
  if (exact_ && other.exact_ && total <= exact_limit_) {
    values_.insert(values_.end(), other.values_.begin(), other.values_.end());
    sorted_ = false;
  } else {
    if (exact_) SwitchToBuckets();
    if (other.exact_) {
      for (const auto& [v, w] : other.values_) buckets_.Add(v, w);
    } else {
      buckets_.Merge(other.buckets_);
    }
  }
  count_ = total;
  CompensatedAdd(sum_, sum_error_, other.sum_);
  CompensatedAdd(sum_, sum_error_, other.sum_error_);
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void QuantileSketch::SwitchToBuckets() {
  for (const auto& [v, w] : values_) buckets_.Add(v, w);
  values_ = {};
  exact_ = false;
  sorted_ = true;
}

void QuantileSketch::SortValues() const {
  if (sorted_) return;
  std::sort(values_.begin(), values_.end());
  sorted_ = true;
}

double QuantileSketch::mean() const { return count_ ? sum() / static_cast<double>(count_) : kNaN; }
double QuantileSketch::min() const { return count_ ? min_ : kNaN; }
double QuantileSketch::max() const { return count_ ? max_ : kNaN; }

double QuantileSketch::Quantile(double q) const {
  if (count_ == 0) return kNaN;
  if (q <= 0) return min_;
  if (q >= 1) return max_;
  if (!exact_) return std::clamp(buckets_.Quantile(q), min_, max_);
  SortValues();
  const Ranks r = RanksFor(q, count_);
  double lo = kNaN;
  double hi = kNaN;
  std::uint64_t seen = 0;  // values before the current entry
  for (const auto& [v, w] : values_) {
    if (std::isnan(lo) && r.lo < seen + w) lo = v;
    if (r.hi < seen + w) {
      hi = v;
      break;
    }
    seen += w;
  }
  return Interpolate(lo, hi, r.frac);
}

}  // namespace aiinfra::metrics
