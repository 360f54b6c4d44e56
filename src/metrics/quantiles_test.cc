#include "metrics/quantiles.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace aiinfra::metrics {
namespace {

std::vector<double> Lognormal(std::size_t n, unsigned seed, double mu = -3, double sigma = 1.5) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(mu, sigma);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

std::vector<double> Qs() {
  std::vector<double> qs(kPercentiles.begin(), kPercentiles.end());
  for (int i = 0; i <= 100; ++i) qs.push_back(i / 100.0);
  qs.push_back(0.0001);
  qs.push_back(0.9999);
  return qs;
}

TEST(QuantilesTest, SortedQuantileIsNumpyLinear) {
  const std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(SortedQuantile(v, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(SortedQuantile(v, 0.9), 3.7);  // rank 2.7
  EXPECT_DOUBLE_EQ(SortedQuantile(v, 0), 1);
  EXPECT_DOUBLE_EQ(SortedQuantile(v, 1), 4);
  EXPECT_TRUE(std::isnan(SortedQuantile({}, 0.5)));
}

TEST(QuantilesTest, ExactModeEqualsSortedQuantiles) {
  std::vector<double> v = Lognormal(5000, 1);
  QuantileSketch s;
  for (double x : v) s.Add(x);
  ASSERT_TRUE(s.exact());
  std::sort(v.begin(), v.end());
  for (double q : Qs()) EXPECT_DOUBLE_EQ(s.Quantile(q), SortedQuantile(v, q)) << q;
  EXPECT_EQ(s.count(), 5000u);
  EXPECT_EQ(s.min(), v.front());
  EXPECT_EQ(s.max(), v.back());
}

TEST(QuantilesTest, WeightsStandForCopies) {
  QuantileSketch weighted;
  QuantileSketch copies;
  weighted.Add(0.25, 2);
  weighted.Add(1.0, 1);
  copies.Add(0.25);
  copies.Add(0.25);
  copies.Add(1.0);
  for (double q : Qs()) EXPECT_DOUBLE_EQ(weighted.Quantile(q), copies.Quantile(q));
  EXPECT_EQ(weighted.count(), 3u);
  EXPECT_DOUBLE_EQ(weighted.mean(), 0.5);
}

// The documented guarantee: bucketed estimates within 0.5% of the exact quantile, for any q.
TEST(QuantilesTest, LognormalWithinRelativeError) {
  for (unsigned seed : {2u, 3u}) {
    std::vector<double> v = Lognormal(200'000, seed);
    QuantileSketch s;
    long double sum = 0;  // reference for the compensated sum
    for (double x : v) {
      s.Add(x);
      sum += x;
    }
    ASSERT_FALSE(s.exact());
    std::sort(v.begin(), v.end());
    for (double q : Qs()) {
      const double exact = SortedQuantile(v, q);
      EXPECT_LE(std::fabs(s.Quantile(q) - exact), kDefaultRelativeAccuracy * exact * (1 + 1e-9))
          << "q=" << q;
    }
    EXPECT_EQ(s.count(), v.size());
    EXPECT_EQ(s.min(), v.front());
    EXPECT_EQ(s.max(), v.back());
    EXPECT_NEAR(s.sum(), static_cast<double>(sum), 1e-15 * static_cast<double>(sum));
  }
}

TEST(QuantilesTest, OtherAccuracies) {
  std::vector<double> v = Lognormal(50'000, 4, 0, 2);
  QuantileSketch s(0, 0.02);
  for (double x : v) s.Add(x);
  std::sort(v.begin(), v.end());
  for (double q : Qs()) {
    const double exact = SortedQuantile(v, q);
    EXPECT_LE(std::fabs(s.Quantile(q) - exact), 0.02 * exact * (1 + 1e-9)) << q;
  }
}

TEST(QuantilesTest, EdgeCases) {
  for (std::uint64_t limit : {kDefaultExactLimit, std::uint64_t{0}}) {
    QuantileSketch empty(limit);
    EXPECT_EQ(empty.count(), 0u);
    EXPECT_TRUE(std::isnan(empty.Quantile(0.5)));
    EXPECT_TRUE(std::isnan(empty.mean()));
    EXPECT_TRUE(std::isnan(empty.min()));
    EXPECT_TRUE(std::isnan(empty.max()));

    QuantileSketch one(limit);
    one.Add(0.042);
    for (double q : Qs()) EXPECT_EQ(one.Quantile(q), 0.042);

    // All equal: bucketed results are clamped to [min, max], so they are exact.
    QuantileSketch same(limit);
    for (int i = 0; i < 20'000; ++i) same.Add(0.123);
    for (double q : Qs()) EXPECT_EQ(same.Quantile(q), 0.123);
    EXPECT_DOUBLE_EQ(same.mean(), 0.123);

    QuantileSketch zeros(limit);
    for (int i = 0; i < 100; ++i) zeros.Add(0);
    for (double q : Qs()) EXPECT_EQ(zeros.Quantile(q), 0);
  }
  // Zeros among positives keep their rank in bucketed mode.
  QuantileSketch mixed(0);
  for (int i = 0; i < 50; ++i) mixed.Add(0);
  for (int i = 0; i < 50; ++i) mixed.Add(1);
  EXPECT_EQ(mixed.Quantile(0.25), 0);
  EXPECT_NEAR(mixed.Quantile(0.75), 1, 0.005);
}

TEST(QuantilesTest, SwitchesAtTheLimit) {
  QuantileSketch s(10);
  for (int i = 1; i <= 10; ++i) s.Add(i);
  EXPECT_TRUE(s.exact());
  s.Add(11);
  EXPECT_FALSE(s.exact());
  EXPECT_NEAR(s.Quantile(0.5), 6, 6 * 0.005);
  EXPECT_EQ(s.count(), 11u);
}

TEST(QuantilesTest, NegativeValues) {
  std::vector<double> v = Lognormal(20'000, 5);
  for (double& x : v) x = -x;
  QuantileSketch s(0);
  for (double x : v) s.Add(x);
  std::sort(v.begin(), v.end());
  for (double q : Qs()) {
    const double exact = SortedQuantile(v, q);
    EXPECT_LE(std::fabs(s.Quantile(q) - exact), 0.005 * std::fabs(exact) * (1 + 1e-9)) << q;
  }
}

TEST(QuantilesTest, MergeMatchesOneSketch) {
  const std::vector<double> a = Lognormal(3000, 6);
  const std::vector<double> b = Lognormal(4000, 7);
  // Both fit: the merge stays exact.
  QuantileSketch sa, sb, all;
  for (double x : a) sa.Add(x), all.Add(x);
  for (double x : b) sb.Add(x), all.Add(x);
  sa.Merge(sb);
  EXPECT_TRUE(sa.exact());
  for (double q : Qs()) EXPECT_DOUBLE_EQ(sa.Quantile(q), all.Quantile(q));

  // Too many for exact mode: bucket counts add, so the merge reads back as one sketch would.
  QuantileSketch ca(5000), cb(5000), call(5000);
  for (double x : a) ca.Add(x), call.Add(x);
  for (double x : b) cb.Add(x), call.Add(x);
  ca.Merge(cb);
  EXPECT_FALSE(ca.exact());
  EXPECT_EQ(ca.count(), call.count());
  for (double q : Qs()) EXPECT_DOUBLE_EQ(ca.Quantile(q), call.Quantile(q));
  EXPECT_EQ(ca.min(), call.min());
  EXPECT_EQ(ca.max(), call.max());
}

TEST(QuantilesTest, OrderDoesNotMatter) {
  std::vector<double> v = Lognormal(30'000, 8);
  QuantileSketch forward, shuffled;
  for (double x : v) forward.Add(x);
  std::shuffle(v.begin(), v.end(), std::mt19937_64(9));
  for (double x : v) shuffled.Add(x);
  for (double q : Qs()) EXPECT_EQ(forward.Quantile(q), shuffled.Quantile(q));
}

TEST(QuantilesTest, LogBucketsSubtractAndMemory) {
  LogBuckets a, b, both;
  for (double x : Lognormal(10'000, 10)) a.Add(x), both.Add(x);
  for (double x : Lognormal(10'000, 11, 2, 0.5)) b.Add(x), both.Add(x);
  both.Subtract(a);
  EXPECT_EQ(both.count(), b.count());
  for (double q : Qs()) EXPECT_EQ(both.Quantile(q), b.Quantile(q));
  EXPECT_EQ(both.bucket_count(), b.bucket_count());  // empty edges are trimmed
  both.Subtract(b);
  EXPECT_TRUE(both.empty());
  EXPECT_EQ(both.bucket_count(), 0u);

  // Memory follows the value range, not the count: 1 ms .. 1 h needs ~1,500 buckets.
  LogBuckets wide;
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> log10(-3, std::log10(3600));
  for (int i = 0; i < 1'000'000; ++i) wide.Add(std::pow(10, log10(rng)));
  EXPECT_LT(wide.bucket_count(), 1600u);
}

}  // namespace
}  // namespace aiinfra::metrics
