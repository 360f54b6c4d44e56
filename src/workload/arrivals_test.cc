#include "workload/arrivals.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

namespace aiinfra::workload {
namespace {

std::unique_ptr<ArrivalProcess> Make(ArrivalSpec spec, uint64_t seed = 1) {
  auto p = MakeArrivalProcess(spec, seed);
  EXPECT_TRUE(p.has_value()) << p.error().ToString();
  return p ? std::move(*p) : nullptr;
}

struct GapStats {
  double mean = 0;
  double cv = 0;
};

GapStats Gaps(ArrivalProcess& p, int n) {
  double previous = 0, sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double t = p.Next();
    const double gap = t - previous;
    previous = t;
    sum += gap;
    sum2 += gap * gap;
  }
  const double mean = sum / n;
  return {mean, std::sqrt(sum2 / n - mean * mean) / mean};
}

// Arrivals in [from, to) of a fresh process.
std::vector<double> Times(ArrivalProcess& p, double to) {
  std::vector<double> times;
  for (double t = p.Next(); t < to; t = p.Next()) times.push_back(t);
  return times;
}

TEST(ArrivalsTest, PoissonMeanGapAndCv) {
  auto p = Make({PoissonArrivals{10}});
  const GapStats s = Gaps(*p, 200000);
  // Standard error of the mean gap is 0.22% here; of the CV about 0.3%.
  EXPECT_NEAR(s.mean, 0.1, 0.1 * 0.02);
  EXPECT_NEAR(s.cv, 1.0, 0.02);
}

TEST(ArrivalsTest, GammaHasTheAskedBurstiness) {
  for (double cv : {0.5, 2.0, 4.0}) {
    auto p = Make({GammaArrivals{5, cv}}, 11);
    // CV 4 is shape 1/16, whose sample variance converges slowly (excess kurtosis 96): 400k gaps
    // put the CV's standard error near 0.8%, so 5% is about 6 standard errors. The mean gap's
    // standard error is cv / sqrt(n) relative; allow 5 of them.
    const int n = 400000;
    const GapStats s = Gaps(*p, n);
    EXPECT_NEAR(s.mean, 0.2, 0.2 * 5 * cv / std::sqrt(n)) << "cv " << cv;
    EXPECT_NEAR(s.cv, cv, cv * 0.05) << "cv " << cv;
  }
}

TEST(ArrivalsTest, ConstantIsExact) {
  auto p = Make({ConstantArrivals{4}});
  for (int i = 1; i <= 1000; ++i) ASSERT_DOUBLE_EQ(p->Next(), i / 4.0);
  EXPECT_DOUBLE_EQ(p->ExpectedCount(10), 40);
}

TEST(ArrivalsTest, OnOffIsSilentWhenOff) {
  auto p = Make({OnOffArrivals{100, 10, 30}});
  const std::vector<double> times = Times(*p, 4000);  // 100 cycles of 40 s
  for (double t : times) ASSERT_LT(std::fmod(t, 40.0), 10.0) << t;
  // 100 cycles x 10 s x 100/s = 100k arrivals; Poisson spread 0.3%.
  EXPECT_NEAR(times.size(), 100000, 1500);
  EXPECT_DOUBLE_EQ(p->ExpectedCount(4000), 100000);
  EXPECT_DOUBLE_EQ(p->ExpectedCount(45), 1500);  // one cycle, then 5 s of the next "on"
}

TEST(ArrivalsTest, DiurnalMeanRateAndShape) {
  const DiurnalArrivals spec{100, 0.8, 100, 0};
  auto p = Make({spec}, 3);
  const std::vector<double> times = Times(*p, 1000);  // 10 periods
  EXPECT_NEAR(times.size() / 1000.0, 100, 100 * 0.02);
  EXPECT_NEAR(p->ExpectedCount(1000), 100000, 1e-6);
  // The first half of each period (sin > 0) holds (1 + 2a/pi)/2 of the arrivals.
  double high = 0;
  for (double t : times) high += std::fmod(t, 100.0) < 50.0;
  const double expected = (1 + 2 * 0.8 / std::numbers::pi) / 2;
  EXPECT_NEAR(high / times.size(), expected, 0.01);
  EXPECT_NEAR(p->ExpectedCount(50), 5000 * (1 + 2 * 0.8 / std::numbers::pi), 1e-6);
}

TEST(ArrivalsTest, StepsFollowTheSchedule) {
  auto p = Make({StepArrivals{{{10, 50}, {110, 0}, {210, 200}, {260, 0}}}}, 5);
  const std::vector<double> times = Times(*p, 1e9);
  int first = 0, third = 0;
  for (double t : times) {
    ASSERT_TRUE((t >= 10 && t < 110) || (t >= 210 && t < 260)) << t;
    first += t < 110;
    third += t >= 210;
  }
  EXPECT_NEAR(first, 5000, 300);
  EXPECT_NEAR(third, 10000, 400);
  // The last step has rate 0: the process ends.
  EXPECT_TRUE(std::isinf(p->Next()));
  EXPECT_DOUBLE_EQ(p->ExpectedCount(1000), 5000 + 10000);
}

TEST(ArrivalsTest, SumSuperposesItsParts) {
  SumArrivals sum;
  sum.parts.push_back({PoissonArrivals{30}});
  sum.parts.push_back({OnOffArrivals{100, 5, 5}});
  sum.parts.push_back({ConstantArrivals{20}});
  auto p = Make({sum}, 9);
  const std::vector<double> times = Times(*p, 1000);
  for (size_t i = 1; i < times.size(); ++i) ASSERT_LE(times[i - 1], times[i]);
  EXPECT_NEAR(times.size(), 30000 + 50000 + 20000, 1500);
  EXPECT_DOUBLE_EQ(p->ExpectedCount(1000), 100000);
}

TEST(ArrivalsTest, SameSeedSameTimesOtherSeedOthers) {
  GammaArrivals spec{10, 2};
  auto a = Make({spec}, 42), b = Make({spec}, 42), c = Make({spec}, 43);
  std::vector<double> ta, tb, tc;
  for (int i = 0; i < 100; ++i) {
    ta.push_back(a->Next());
    tb.push_back(b->Next());
    tc.push_back(c->Next());
  }
  EXPECT_EQ(ta, tb);
  EXPECT_NE(ta, tc);
}

TEST(ArrivalsTest, RejectsBadParameters) {
  EXPECT_FALSE(MakeArrivalProcess({PoissonArrivals{0}}, 1).has_value());
  EXPECT_FALSE(MakeArrivalProcess({GammaArrivals{1, 0}}, 1).has_value());
  EXPECT_FALSE(MakeArrivalProcess({DiurnalArrivals{1, 1.5, 10, 0}}, 1).has_value());
  EXPECT_FALSE(MakeArrivalProcess({OnOffArrivals{1, 0, 1}}, 1).has_value());
  EXPECT_FALSE(MakeArrivalProcess({StepArrivals{{{5, 1}, {5, 2}}}}, 1).has_value());
  EXPECT_FALSE(MakeArrivalProcess({SumArrivals{}}, 1).has_value());
}

Result<ArrivalSpec> Parse(const std::string& yaml) {
  auto node = ParseYaml(yaml, "arrivals.yaml");
  if (!node) return Fail(node.error());
  return ParseArrivalSpec(*node);
}

TEST(ArrivalsTest, ParsesEveryKind) {
  auto gamma = Parse("{kind: gamma, rate: 1200/min, cv: 2}");
  ASSERT_TRUE(gamma.has_value()) << gamma.error().ToString();
  EXPECT_DOUBLE_EQ(std::get<GammaArrivals>(gamma->kind).rate, 20);
  auto on_off = Parse("{kind: on_off, rate: 50/s, on: 30s, off: 1.5min}");
  ASSERT_TRUE(on_off.has_value()) << on_off.error().ToString();
  EXPECT_DOUBLE_EQ(std::get<OnOffArrivals>(on_off->kind).off, 90);
  auto diurnal = Parse("{kind: diurnal, mean: 10, amplitude: 0.6, period: 24h, phase: 1.5}");
  ASSERT_TRUE(diurnal.has_value()) << diurnal.error().ToString();
  EXPECT_DOUBLE_EQ(std::get<DiurnalArrivals>(diurnal->kind).period, 86400);
  auto steps = Parse("{kind: steps, steps: [{at: 0s, rate: 5}, {at: 10min, rate: 3600/h}]}");
  ASSERT_TRUE(steps.has_value()) << steps.error().ToString();
  EXPECT_DOUBLE_EQ(std::get<StepArrivals>(steps->kind).steps[1].at, 600);
  EXPECT_DOUBLE_EQ(std::get<StepArrivals>(steps->kind).steps[1].rate, 1);
  auto sum = Parse("{kind: sum, of: [{kind: poisson, rate: 5}, {kind: constant, rate: 1}]}");
  ASSERT_TRUE(sum.has_value()) << sum.error().ToString();
  EXPECT_EQ(std::get<SumArrivals>(sum->kind).parts.size(), 2u);
}

TEST(ArrivalsTest, ParseErrorsSayWhereAndWhat) {
  auto e = Parse("kind: poisson\nrate: 10/day\n");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().where.line, 2);
  EXPECT_EQ(e.error().where.field, "rate");
  EXPECT_NE(e.error().message.find("N/min"), std::string::npos);

  e = Parse("kind: diurnal\nmean: 10\namplitude: 2\nperiod: 1h\n");
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().message.find("amplitude must be in [0, 1]"), std::string::npos);

  e = Parse("kind: sum\nof:\n  - {kind: poisson, rate: 1}\n  - {kind: bursty, rate: 2}\n");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().where.line, 4);
  EXPECT_EQ(e.error().where.field, "of[1].kind");

  e = Parse("kind: on_off\nrate: 5\non: 10\noff: 5s\n");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().where.field, "on");
}

TEST(ArrivalsTest, ParsesClosedLoop) {
  auto node = ParseYaml("{users: 32, think_time: {kind: exponential, mean: 2s}}", "c.yaml");
  ASSERT_TRUE(node.has_value());
  auto loop = ParseClosedLoop(*node);
  ASSERT_TRUE(loop.has_value()) << loop.error().ToString();
  EXPECT_EQ(loop->users, 32);
  Rng rng(1);
  EXPECT_GE(loop->think_time.SampleReal(rng), 0);
  auto bad = ParseYaml("{users: 0, think_time: 1s}", "c.yaml");
  EXPECT_FALSE(ParseClosedLoop(*bad).has_value());
}

}  // namespace
}  // namespace aiinfra::workload

namespace aiinfra::workload {
namespace {

// An "on" phase whose end rounds onto the current time used to stop the process forever
// (found by fuzz/workload_spec_fuzz: {rate: 1000, on: 1ms, off: 1s} hung at t = 1.002 s).
TEST(ArrivalsRegressionTest, OnOffPhaseEndsThatRoundOntoTheTimeStillAdvance) {
  auto p = MakeArrivalProcess({OnOffArrivals{1000, 0.001, 1}}, 7).value();
  double t = 0;
  for (int i = 0; i < 20000 && t < 30; ++i) t = p->Next();
  EXPECT_GE(t, 30);  // got through 30 cycles
}

// A cv whose 1/cv^2 overflows made NaN gaps that ended the whole workload (fuzz finding).
TEST(ArrivalsRegressionTest, GammaCvOutsideItsRangeIsAnError) {
  for (double cv : {1e-200, 1e-4, 1e4}) {
    auto p = MakeArrivalProcess({GammaArrivals{1, cv}}, 1);
    ASSERT_FALSE(p) << cv;
    EXPECT_NE(p.error().message.find("between 0.001 and 1000"), std::string::npos);
  }
  EXPECT_TRUE(MakeArrivalProcess({GammaArrivals{1, 0.001}}, 1));
  EXPECT_TRUE(MakeArrivalProcess({GammaArrivals{1, 1000}}, 1));
}

TEST(ArrivalsRegressionTest, AliasCyclesAndBlowUpsAreErrors) {
  auto cycle = ParseYaml("&a {kind: sum, of: [*a]}", "w.yaml");
  ASSERT_TRUE(cycle);
  auto spec = ParseArrivalSpec(*cycle);
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message.find("nest deeper"), std::string::npos) << spec.error().message;
  std::string doc = "p0: &p0 {kind: poisson, rate: 1}\n";
  for (int i = 1; i <= 4; ++i) {
    doc += "p" + std::to_string(i) + ": &p" + std::to_string(i) + " {kind: sum, of: [";
    for (int k = 0; k < 10; ++k) doc += (k ? ", *p" : "*p") + std::to_string(i - 1);
    doc += "]}\n";
  }
  auto root = ParseYaml(doc, "w.yaml");
  ASSERT_TRUE(root);
  auto big =
      ParseArrivalSpec(root->node["p4"] ? YamlNode{root->node["p4"], "w.yaml", "p4"} : *root);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("more than 1000"), std::string::npos) << big.error().message;
}

}  // namespace
}  // namespace aiinfra::workload
