#include "workload/sampling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

namespace aiinfra::workload {
namespace {

struct Moments {
  double mean = 0;
  double variance = 0;
};

template <typename F>
Moments Measure(int n, F draw) {
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = draw();
    sum += x;
    sum2 += x * x;
  }
  const double mean = sum / n;
  return {mean, sum2 / n - mean * mean};
}

TEST(SamplingTest, DerivedSeedsAreDistinctAndStable) {
  std::set<uint64_t> seen;
  for (uint64_t seed = 0; seed < 16; ++seed) {
    for (uint64_t stream = 0; stream < 16; ++stream) seen.insert(DeriveSeed(seed, stream));
  }
  EXPECT_EQ(seen.size(), 256u);
  // Fixed forever: every saved workload depends on it.
  EXPECT_EQ(DeriveSeed(1, 2), DeriveSeed(1, 2));
  EXPECT_NE(Mix64(0), 0u);
}

TEST(SamplingTest, UniformStaysInItsInterval) {
  Rng rng(1);
  for (int i = 0; i < 100000; ++i) {
    const double u = Uniform01(rng);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    const double v = UniformOpen01(rng);
    ASSERT_GT(v, 0.0);
    ASSERT_LT(v, 1.0);
  }
}

TEST(SamplingTest, ExponentialNormalAndGammaHaveTheirMoments) {
  Rng rng(7);
  const int n = 200000;
  // Tolerances are several standard errors of the estimates at this n.
  const Moments e = Measure(n, [&] { return Exponential(rng, 4.0); });
  EXPECT_NEAR(e.mean, 0.25, 0.25 * 0.015);
  EXPECT_NEAR(e.variance, 0.0625, 0.0625 * 0.04);
  const Moments z = Measure(n, [&] { return StandardNormal(rng); });
  EXPECT_NEAR(z.mean, 0.0, 0.01);
  EXPECT_NEAR(z.variance, 1.0, 0.02);
  for (double shape : {0.0625, 0.25, 1.0, 3.5}) {
    const Moments g = Measure(n, [&] { return Gamma(rng, shape, 2.0); });
    EXPECT_NEAR(g.mean, 2.0 * shape, 2.0 * shape * 0.03) << "shape " << shape;
    EXPECT_NEAR(g.variance, 4.0 * shape, 4.0 * shape * 0.12) << "shape " << shape;
  }
}

TEST(SamplingTest, SameSeedSameNumbers) {
  Rng a(42), b(42), c(43);
  std::vector<double> from_a, from_b, from_c;
  for (int i = 0; i < 10; ++i) {
    from_a.push_back(Gamma(a, 0.5, 1.0));
    from_b.push_back(Gamma(b, 0.5, 1.0));
    from_c.push_back(Gamma(c, 0.5, 1.0));
  }
  EXPECT_EQ(from_a, from_b);
  EXPECT_NE(from_a, from_c);
}

}  // namespace
}  // namespace aiinfra::workload
