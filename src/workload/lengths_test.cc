#include "workload/lengths.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <vector>

namespace aiinfra::workload {
namespace {

Distribution Must(Result<Distribution> d) {
  EXPECT_TRUE(d.has_value()) << d.error().ToString();
  return d ? *d : Distribution();
}

Result<Distribution> ParseCount(const std::string& yaml) {
  auto node = ParseYaml(yaml, "lengths.yaml");
  if (!node) return Fail(node.error());
  return ParseCountDistribution(*node, "");
}

TEST(LengthsTest, FixedAndDefault) {
  Rng rng(1);
  EXPECT_EQ(Must(Distribution::Fixed(300)).SampleCount(rng), 300);
  EXPECT_EQ(Distribution().SampleCount(rng), 1);
  // Counts are at least 1 even when the value is 0.
  EXPECT_EQ(Must(Distribution::Fixed(0)).SampleCount(rng), 1);
  EXPECT_DOUBLE_EQ(Must(Distribution::Fixed(2.5)).SampleReal(rng), 2.5);
}

TEST(LengthsTest, UniformCountsAreEvenIncludingTheEnds) {
  Rng rng(2);
  const Distribution d = Must(Distribution::Uniform(10, 14));
  std::map<int64_t, int> counts;
  const int n = 100000;
  for (int i = 0; i < n; ++i) ++counts[d.SampleCount(rng)];
  ASSERT_EQ(counts.size(), 5u);
  EXPECT_EQ(counts.begin()->first, 10);
  EXPECT_EQ(counts.rbegin()->first, 14);
  for (auto [value, count] : counts) EXPECT_NEAR(count, n / 5, 600) << value;
}

TEST(LengthsTest, NormalIsTruncatedAtOneNotPiledThere) {
  Rng rng(3);
  const Distribution d = Must(Distribution::Normal(2, 4));
  int ones = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const int64_t x = d.SampleCount(rng);
    ASSERT_GE(x, 1);
    ones += x == 1;
  }
  // X ~ N(2, 4^2): P(round(X) = 1 | round(X) >= 1) = P(0.5 <= X < 1.5) / P(X >= 0.5)
  // = 0.0964 / 0.6462 = 0.149. Clamping instead would give P(X < 1.5) = 0.45.
  EXPECT_NEAR(static_cast<double>(ones) / n, 0.149, 0.006);
}

TEST(LengthsTest, LognormalMedianAndMean) {
  Rng rng(4);
  const int n = 100001;
  std::vector<int64_t> v(n);
  const Distribution by_median = Must(Distribution::LognormalFromMedian(500, 1.0));
  for (auto& x : v) x = by_median.SampleCount(rng);
  std::nth_element(v.begin(), v.begin() + n / 2, v.end());
  EXPECT_NEAR(v[n / 2], 500, 500 * 0.02);

  const Distribution by_mean = Must(Distribution::LognormalFromMean(1000, 0.8));
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += by_mean.SampleReal(rng);
  EXPECT_NEAR(sum / n, 1000, 1000 * 0.02);
}

TEST(LengthsTest, ZipfFrequenciesFollowTheFormula) {
  for (double s : {0.8, 1.0, 1.2, 2.0}) {
    Rng rng(5);
    const int64_t max = 100;
    const Distribution d = Must(Distribution::Zipf(s, max));
    double norm = 0;
    for (int k = 1; k <= max; ++k) norm += std::pow(k, -s);
    const int n = 200000;
    std::vector<int> counts(max + 1, 0);
    for (int i = 0; i < n; ++i) {
      const int64_t k = d.SampleCount(rng);
      ASSERT_GE(k, 1);
      ASSERT_LE(k, max);
      ++counts[k];
    }
    for (int k : {1, 2, 3, 10, 50, 100}) {
      const double p = std::pow(k, -s) / norm;
      const double sigma = std::sqrt(p * (1 - p) / n);
      EXPECT_NEAR(static_cast<double>(counts[k]) / n, p, 5 * sigma) << "s=" << s << " k=" << k;
    }
  }
}

TEST(LengthsTest, ZipfHandlesHugeSupportWithoutATable) {
  Rng rng(6);
  const Distribution d = Must(Distribution::Zipf(1.1, 1'000'000'000));
  for (int i = 0; i < 1000; ++i) {
    const int64_t k = d.SampleCount(rng);
    ASSERT_GE(k, 1);
    ASSERT_LE(k, 1'000'000'000);
  }
}

TEST(LengthsTest, EmpiricalDrawsOnlyItsValues) {
  Rng rng(7);
  const Distribution d = Must(Distribution::Empirical({10, 20, 20, 40}));
  std::map<int64_t, int> counts;
  for (int i = 0; i < 40000; ++i) ++counts[d.SampleCount(rng)];
  ASSERT_EQ(counts.size(), 3u);
  EXPECT_NEAR(counts[20], 20000, 600);
  EXPECT_FALSE(Distribution::Empirical({}).has_value());
}

TEST(LengthsTest, ClampBoundsEveryDraw) {
  Rng rng(8);
  Distribution d = Must(Distribution::LognormalFromMedian(1000, 2.0));
  ASSERT_TRUE(d.SetClamp(100, 2000).has_value());
  for (int i = 0; i < 10000; ++i) {
    const int64_t x = d.SampleCount(rng);
    ASSERT_GE(x, 100);
    ASSERT_LE(x, 2000);
  }
  EXPECT_FALSE(d.SetClamp(5, 1).has_value());
}

TEST(LengthsTest, ParsesEveryKindFromYaml) {
  Rng rng(9);
  EXPECT_EQ(Must(ParseCount("128")).SampleCount(rng), 128);
  EXPECT_EQ(Must(ParseCount("{kind: fixed, value: 64}")).SampleCount(rng), 64);
  const Distribution u = Must(ParseCount("{kind: uniform, min: 5, max: 6}"));
  EXPECT_GE(u.SampleCount(rng), 5);
  EXPECT_TRUE(std::holds_alternative<NormalDist>(
      Must(ParseCount("{kind: normal, mean: 100, stddev: 10}")).kind()));
  const Distribution ln = Must(ParseCount("{kind: lognormal, median: 800, sigma: 1, max: 8192}"));
  EXPECT_DOUBLE_EQ(ln.max(), 8192);
  EXPECT_NEAR(std::exp(std::get<LognormalDist>(ln.kind()).mu), 800, 1e-9);
  EXPECT_TRUE(std::holds_alternative<ExponentialDist>(
      Must(ParseCount("{kind: exponential, mean: 50}")).kind()));
  const Distribution z = Must(ParseCount("{kind: zipf, s: 1.1, max: 4096}"));
  EXPECT_EQ(std::get<ZipfDist>(z.kind()).n, 4096);
  const Distribution e = Must(ParseCount("{kind: empirical, values: [3, 5]}"));
  EXPECT_EQ(std::get<EmpiricalDist>(e.kind()).values->size(), 2u);
}

TEST(LengthsTest, EmpiricalFromAFileColumn) {
  const std::string path = testing::TempDir() + "/lengths_column.csv";
  std::ofstream(path) << "a,tokens\n1,100\n2,\"200\"\n3,300\n";
  auto node = ParseYaml("{kind: empirical, csv: lengths_column.csv, column: tokens}", "x.yaml");
  ASSERT_TRUE(node.has_value());
  const Distribution d = Must(ParseCountDistribution(*node, testing::TempDir()));
  EXPECT_EQ(*std::get<EmpiricalDist>(d.kind()).values, (std::vector<double>{100, 200, 300}));
  auto missing = ParseYaml("{kind: empirical, csv: lengths_column.csv, column: nope}", "x.yaml");
  auto error = ParseCountDistribution(*missing, testing::TempDir());
  ASSERT_FALSE(error.has_value());
  EXPECT_NE(error.error().message.find("no column \"nope\""), std::string::npos);
}

TEST(LengthsTest, DurationsNeedUnits) {
  Rng rng(10);
  auto node = ParseYaml("{kind: exponential, mean: 20s}", "t.yaml");
  ASSERT_TRUE(node.has_value());
  const Distribution d = Must(ParseDurationDistribution(*node));
  EXPECT_DOUBLE_EQ(std::get<ExponentialDist>(d.kind()).mean, 20.0);
  EXPECT_GE(d.SampleReal(rng), 0.0);
  auto fixed = ParseYaml("500ms", "t.yaml");
  EXPECT_DOUBLE_EQ(Must(ParseDurationDistribution(*fixed)).SampleReal(rng), 0.5);
  auto bare = ParseYaml("{kind: fixed, value: 5}", "t.yaml");
  EXPECT_FALSE(ParseDurationDistribution(*bare).has_value());
}

TEST(LengthsTest, ErrorsNameFileLineAndField) {
  auto e = ParseCount("kind: lognormal\nmedian: 800\n");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().where.file, "lengths.yaml");
  EXPECT_NE(e.error().message.find("sigma"), std::string::npos) << e.error().ToString();

  e = ParseCount("kind: gaussian\nmean: 1\n");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().where.line, 1);
  EXPECT_EQ(e.error().where.field, "kind");
  EXPECT_NE(e.error().message.find("expected fixed, uniform"), std::string::npos);

  e = ParseCount("kind: fixed\nvalue: 3\nvalu: 4\n");
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().ToString().find("valu"), std::string::npos);

  e = ParseCount("kind: normal\nmean: 10\nstddev: 1\nmin: 20\nmax: 5\n");
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().message.find("above max"), std::string::npos);

  e = ParseCount("kind: lognormal\nmedian: 800\nmean: 900\nsigma: 1\n");
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().message.find("exactly one of median or mean"), std::string::npos);
}

// Counts were only capped at 4e18 when drawn, and every prompt carries one hash per block: a
// fixed input of 1e300 tokens made the generator allocate ~1e17 hashes (std::bad_alloc).
TEST(LengthsTest, CountsAboveTheTokenLimitAreErrorsAtTheirField) {
  Rng rng(12);
  EXPECT_EQ(Must(ParseCount("1e9")).SampleCount(rng), kMaxTokens);
  for (const char* yaml :
       {"1e300", "{kind: fixed, value: 2e9}", "{kind: uniform, min: 1, max: 1e10}",
        "{kind: normal, mean: 5e9, stddev: 1}", "{kind: lognormal, median: 1e12, sigma: 1}",
        "{kind: exponential, mean: 1e10}", "{kind: zipf, s: 1.1, max: 1e12}"}) {
    SCOPED_TRACE(yaml);
    auto e = ParseCount(yaml);
    ASSERT_FALSE(e.has_value());
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(e.error().where.file, "lengths.yaml");
    EXPECT_EQ(e.error().where.line, 1);
    EXPECT_NE(e.error().message.find("above the limit of 1000000000 tokens"), std::string::npos)
        << e.error().ToString();
  }
  // The error names the offending field and its line.
  auto e = ParseCount("kind: lognormal\nmedian: 800\nsigma: 1\nmax: 1e12\n");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().where.line, 4);
  EXPECT_EQ(e.error().where.field, "max");
  e = ParseCount("kind: empirical\nvalues:\n  - 10\n  - 4e18\n");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().where.line, 4);

  // Durations are not token counts.
  auto long_think = ParseYaml("{kind: fixed, value: 2e9s}", "t.yaml");
  ASSERT_TRUE(long_think.has_value());
  EXPECT_TRUE(ParseDurationDistribution(*long_think).has_value());
}

TEST(LengthsTest, DrawsNeverPassTheTokenLimit) {
  Rng rng(11);
  // Tails past the limit land on it (the parser refuses such parameters; the factories take
  // them, for durations).
  const Distribution wide = Must(Distribution::LognormalFromMedian(1e9, 30));
  const Distribution huge = Must(Distribution::Fixed(1e300));
  const Distribution exp = Must(Distribution::Exponential(1e12));
  for (int i = 0; i < 1000; ++i) {
    for (const Distribution* d : {&wide, &huge, &exp}) {
      const int64_t x = d->SampleCount(rng);
      ASSERT_GE(x, 1);
      ASSERT_LE(x, kMaxTokens);
    }
  }
  EXPECT_EQ(huge.SampleCount(rng), kMaxTokens);
  // A lognormal by its mean with a sigma whose square overflows would draw NaN.
  EXPECT_FALSE(Distribution::LognormalFromMean(100, 1e200).has_value());
}

TEST(LengthsTest, EmpiricalFileValuesAboveTheTokenLimitNameTheirLine) {
  const std::string path = testing::TempDir() + "/lengths_huge.csv";
  std::ofstream(path) << "tokens\n100\n3e9\n";
  auto node = ParseYaml("{kind: empirical, csv: lengths_huge.csv, column: tokens}", "x.yaml");
  ASSERT_TRUE(node.has_value());
  auto error = ParseCountDistribution(*node, testing::TempDir());
  ASSERT_FALSE(error.has_value());
  EXPECT_NE(error.error().message.find("lengths_huge.csv:3: tokens: value 3000000000 is above"),
            std::string::npos)
      << error.error().ToString();
}

}  // namespace
}  // namespace aiinfra::workload
