#include "metrics/series.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace aiinfra::metrics {
namespace {

TEST(SeriesTest, CountersBucketByTime) {
  TimeSeries s;
  for (double t : {0.1, 0.9, 1.0, 2.5}) s.Count(TimeSeries::kArrivals, t);
  s.Count(TimeSeries::kOutputTokens, 2.0, 40);
  s.Count(TimeSeries::kArrivals, -3);  // before t0: bucket 0
  s.Close(3.0);
  ASSERT_EQ(s.size(), 3u);  // t_end on a boundary opens no bucket
  EXPECT_EQ(s.CounterValue(TimeSeries::kArrivals, 0), 3);
  EXPECT_EQ(s.CounterValue(TimeSeries::kArrivals, 1), 1);
  EXPECT_EQ(s.CounterValue(TimeSeries::kArrivals, 2), 1);
  EXPECT_EQ(s.CounterValue(TimeSeries::kOutputTokens, 2), 40);
  EXPECT_EQ(s.BucketStart(2), 2.0);
}

TEST(SeriesTest, GaugesAreTimeWeighted) {
  TimeSeries s;
  s.Set(TimeSeries::kRunning, 0.5, 2);
  s.Set(TimeSeries::kRunning, 1.5, 4);
  s.Set(TimeSeries::kKvUsage, 0.0, 0.25);
  s.Set(TimeSeries::kKvUsage, 2.75, 0.75);
  s.Close(3.0);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_DOUBLE_EQ(s.GaugeMean(TimeSeries::kRunning, 0), 2);  // defined from 0.5 only
  EXPECT_DOUBLE_EQ(s.GaugeMean(TimeSeries::kRunning, 1), 3);  // half 2, half 4
  EXPECT_DOUBLE_EQ(s.GaugeMean(TimeSeries::kRunning, 2), 4);
  EXPECT_DOUBLE_EQ(s.GaugeMean(TimeSeries::kKvUsage, 2), 0.375);  // 0.75 s at .25, .25 s at .75
  EXPECT_TRUE(std::isnan(s.GaugeMean(TimeSeries::kWaiting, 1)));  // never set
}

TEST(SeriesTest, WindowedTtftQuantile) {
  TimeSeries::Options options;
  options.ttft_window = 2;
  options.ttft_quantile = 1.0;  // the window's largest TTFT: easy to follow by hand
  TimeSeries s(options);
  s.ObserveTtft(0.5, 5.0);
  s.ObserveTtft(1.5, 1.0);
  s.ObserveTtft(3.5, 2.0);
  s.Close(6.0);
  ASSERT_EQ(s.size(), 6u);
  auto near = [](double v, double want) { return std::fabs(v - want) <= 0.005 * want; };
  EXPECT_TRUE(near(s.TtftQuantile(0), 5.0));   // {5}
  EXPECT_TRUE(near(s.TtftQuantile(1), 5.0));   // {5, 1}
  EXPECT_TRUE(near(s.TtftQuantile(2), 1.0));   // {1}: 5 left the window
  EXPECT_TRUE(near(s.TtftQuantile(3), 2.0));   // {2}
  EXPECT_TRUE(near(s.TtftQuantile(4), 2.0));   // {2}
  EXPECT_TRUE(std::isnan(s.TtftQuantile(5)));  // empty window
  EXPECT_EQ(s.TtftColumnName(), "ttft_p100");
}

TEST(SeriesTest, CsvAndJson) {
  TimeSeries s;
  const int preempt = s.AddCounter("preemptions");
  s.Count(TimeSeries::kArrivals, 0.2);
  s.Count(TimeSeries::kOutputTokens, 1.2, 7);
  s.Count(preempt, 1.9);
  s.Set(TimeSeries::kReplicasReady, 0, 2);
  s.ObserveTtft(0.2, 0.5);
  s.Close(2.0);
  // One TTFT in the window: read back as its bucket's value, within 0.5%.
  const double p90 = s.TtftQuantile(0);
  EXPECT_NEAR(p90, 0.5, 0.5 * 0.005);
  std::ostringstream csv;
  s.WriteCsv(csv);
  EXPECT_EQ(csv.str(), fmt::format("t,arrivals,completions,failures,input_tokens,output_tokens,"
                                   "preemptions,output_tokens_per_s,running,waiting,"
                                   "replicas_ready,replicas_starting,kv_usage,ttft_p90\n"
                                   "0,1,0,0,0,0,0,0,,,2,,,{0}\n"
                                   "1,0,0,0,0,7,1,7,,,2,,,{0}\n",
                                   p90));
  const auto j = s.ToJson();
  EXPECT_EQ(j["step"], 1.0);
  EXPECT_EQ(j["ttft_window"], 30.0);
  EXPECT_EQ(j["columns"]["t"], nlohmann::ordered_json::parse("[0.0, 1.0]"));
  EXPECT_EQ(j["columns"]["output_tokens"], nlohmann::ordered_json::parse("[0.0, 7.0]"));
  EXPECT_TRUE(j["columns"]["running"][0].is_null());
}

TEST(SeriesTest, StepAndOrigin) {
  TimeSeries::Options options;
  options.t0 = 100;
  options.step = 0.5;
  TimeSeries s(options);
  s.Count(TimeSeries::kCompletions, 100.4);
  s.Count(TimeSeries::kCompletions, 100.6, 2);
  s.Count(TimeSeries::kOutputTokens, 100.6, 10);
  s.Close(101);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.CounterValue(TimeSeries::kCompletions, 1), 2);
  std::ostringstream csv;
  s.WriteCsv(csv);
  EXPECT_NE(csv.str().find("\n100.5,0,2,0,0,10,20,"), std::string::npos) << csv.str();
}

TEST(SeriesTest, MemoryFollowsDurationNotRequests) {
  TimeSeries s;
  for (int i = 0; i < 200'000; ++i) {
    const double t = i * 0.0005;  // 2,000 requests per second for 100 s
    s.Count(TimeSeries::kArrivals, t);
    s.ObserveTtft(t, 0.1 + (i % 100) * 0.001);
    s.Set(TimeSeries::kRunning, t, i % 64);
  }
  s.Close(100);
  EXPECT_EQ(s.size(), 100u);
  EXPECT_EQ(s.CounterValue(TimeSeries::kArrivals, 50), 2000);
  EXPECT_NEAR(s.TtftQuantile(99), 0.1 + 0.0891, 0.005 * 0.19);
}

}  // namespace
}  // namespace aiinfra::metrics
