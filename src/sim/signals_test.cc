#include "sim/signals.h"

#include <gtest/gtest.h>

#include <cmath>

namespace aiinfra::sim {
namespace {

TEST(SignalsTest, ParsesNamesWithTheirStatistic) {
  auto p90 = ParseSignal("ttft_p90");
  ASSERT_TRUE(p90) << p90.error().message;
  EXPECT_EQ(p90->signal, Signal::kTtft);
  EXPECT_DOUBLE_EQ(p90->quantile, 0.9);
  auto mean = ParseSignal("itl_mean");
  ASSERT_TRUE(mean);
  EXPECT_EQ(mean->signal, Signal::kItl);
  EXPECT_EQ(mean->quantile, 0);
  auto p999 = ParseSignal("e2e_p99.9");
  ASSERT_TRUE(p999);
  EXPECT_NEAR(p999->quantile, 0.999, 1e-12);
  auto rate = ParseSignal("request_rate");
  ASSERT_TRUE(rate);
  EXPECT_EQ(rate->signal, Signal::kRequestRate);
  EXPECT_FALSE(rate->latency());
  for (const char* name :
       {"kv_usage", "requests", "waiting", "token_rate", "queue_p50", "tpot_p99", "itl_mean"}) {
    auto s = ParseSignal(name);
    ASSERT_TRUE(s) << name;
    EXPECT_EQ(SignalName(*s), name);
  }
  EXPECT_EQ(SignalName(*p999), "e2e_p99.9");
}

TEST(SignalsTest, RejectsUnknownNamesAndMissingOrStrayStatistics) {
  for (const char* bad :
       {"ttft", "requests_p90", "bogus", "ttft_p100", "ttft_p0", "ttft_px", "itl_median", ""}) {
    auto s = ParseSignal(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_NE(s.error().message.find("ttft_p90"), std::string::npos) << s.error().message;
  }
}

TEST(SignalsTest, RatesCountTheWindowsSeconds) {
  PoolSignals s(30);
  for (int i = 0; i < 600; ++i) s.Arrival(i * 0.1);  // 10/s for 60 s
  EXPECT_DOUBLE_EQ(s.Rate(Signal::kRequestRate, 59.95, 30), 10);
  EXPECT_DOUBLE_EQ(s.Rate(Signal::kRequestRate, 59.95, 10), 10);
  // 30 s past the last arrival nothing is left in the window.
  EXPECT_DOUBLE_EQ(s.Rate(Signal::kRequestRate, 90, 30), 0);
  EXPECT_DOUBLE_EQ(s.Rate(Signal::kTokenRate, 59.95, 30), 0);
  s.OutputToken(60.5);
  s.OutputToken(60.7);
  EXPECT_DOUBLE_EQ(s.Rate(Signal::kTokenRate, 61, 2), 1);
}

TEST(SignalsTest, QuantilesInterpolateInsideVllmBucketsAsHistogramQuantileDoes) {
  PoolSignals s(30);
  for (int i = 0; i < 90; ++i) s.Latency(Signal::kTtft, 10 + i * 0.1, 0.03);  // (0.02, 0.04]
  for (int i = 0; i < 10; ++i) s.Latency(Signal::kTtft, 12 + i * 0.1, 3.0);   // (2.5, 5]
  SignalSpec spec{Signal::kTtft, 0.9, 30};
  // Rank 90 is the top of the (0.02, 0.04] bucket.
  EXPECT_NEAR(s.LatencyStat(spec, 20), 0.04, 1e-12);
  spec.quantile = 0.95;  // rank 95: half-way into (2.5, 5]
  EXPECT_NEAR(s.LatencyStat(spec, 20), 3.75, 1e-12);
  spec.quantile = 0.45;  // rank 45: half-way into (0.02, 0.04]
  EXPECT_NEAR(s.LatencyStat(spec, 20), 0.03, 1e-12);
  spec.quantile = 0;  // mean
  EXPECT_NEAR(s.LatencyStat(spec, 20), (90 * 0.03 + 10 * 3.0) / 100, 1e-12);
  // Other latencies are separate.
  EXPECT_TRUE(std::isnan(s.LatencyStat({Signal::kItl, 0.9, 30}, 20)));
}

TEST(SignalsTest, OldObservationsLeaveTheWindowAndTheInfBucketGivesTheTopBound) {
  PoolSignals s(10);
  s.Latency(Signal::kE2e, 5, 1.0);
  const SignalSpec spec{Signal::kE2e, 0.5, 10};
  EXPECT_FALSE(std::isnan(s.LatencyStat(spec, 14.5)));
  EXPECT_TRUE(std::isnan(s.LatencyStat(spec, 15.5)));  // second 5 is out of (5, 15]
  // A later observation in the same ring slot replaces the old second.
  s.Latency(Signal::kE2e, 5 + 11, 9000);  // beyond the last bucket (7680 s)
  EXPECT_DOUBLE_EQ(s.LatencyStat(spec, 16), 7680);
}

}  // namespace
}  // namespace aiinfra::sim
