#include "sim/planner.h"

#include <gtest/gtest.h>

namespace aiinfra::sim {
namespace {

// Prefill at 10,000 tokens/s; a decode step of 10 ms + 0.5 ms per sequence; 4 GPUs a replica.
EngineProfile Profile() {
  EngineProfile p;
  p.prefill_seconds = [](double isl) { return 1e-4 * isl; };
  p.decode_step_seconds = [](double batch, double) { return 0.01 + 0.0005 * batch; };
  p.max_batch = 256;
  p.max_sequences = [](double) { return 1e6; };
  p.gpus = 4;
  return p;
}

PlannerConfig Config() {
  PlannerConfig c;
  c.interval = 60;
  c.ttft_target = 1;
  c.itl_target = 0.05;
  c.max_prefill = c.max_decode = 100;
  return c;
}

// 30 requests/s of 1,000 tokens in, 200 out.
PlannerObservation Steady() {
  PlannerObservation o;
  o.requests = 1800;
  o.isl = 1000;
  o.osl = 200;
  return o;
}

TEST(PlannerTest, SizesPrefillByTokenThroughputAndDecodeByTheBatchMeetingItl) {
  Planner planner(Config(), Profile(), Profile());
  const PlannerDecision d = planner.Decide(Steady());
  EXPECT_DOUBLE_EQ(d.rate, 30);
  EXPECT_DOUBLE_EQ(d.prefill_throughput, 10000);
  // 30 x 1,000 tokens/s over 10,000 per replica: 3.
  EXPECT_EQ(d.prefill, 3);
  // 10 ms + 0.5 ms x b <= 50 ms: b = 80 at 50 ms, 1,600 tokens/s; 6,000 tokens/s need 3.75.
  EXPECT_DOUBLE_EQ(d.decode_throughput, 1600);
  EXPECT_EQ(d.decode, 4);
}

TEST(PlannerTest, CorrectionFactorsFollowObservedLatencies) {
  Planner planner(Config(), Profile(), Profile());
  PlannerObservation o = Steady();
  o.ttft = 0.05;     // half the profile's 100 ms (prefix hits): half the prefill load
  o.itl = 2 * 0.03;  // twice the profile's 30 ms at batch 40
  o.decode_batch = 40;
  const PlannerDecision d = planner.Decide(o);
  EXPECT_DOUBLE_EQ(d.prefill_correction, 0.5);
  EXPECT_DOUBLE_EQ(d.decode_correction, 2);
  EXPECT_EQ(d.prefill, 2);  // ceil(1.5)
  // ITL target 25 ms: b = 30, 1,200 tokens/s; 6,000 need 5.
  EXPECT_EQ(d.decode, 5);
  // A slow TTFT (queueing) never adds prefill replicas: min(1, correction).
  o.ttft = 0.4;
  EXPECT_EQ(planner.Decide(o).prefill, 3);

  PlannerConfig off = Config();
  off.correction = false;
  Planner plain(off, Profile(), Profile());
  const PlannerDecision p = plain.Decide(o);
  EXPECT_EQ(p.prefill, 3);
  EXPECT_EQ(p.decode, 4);
}

TEST(PlannerTest, PredictorsForecastTheNextInterval) {
  PlannerConfig c = Config();
  c.predictor = Predictor::kLinear;
  Planner linear(c, Profile(), Profile());
  c.predictor = Predictor::kMovingAverage;
  Planner average(c, Profile(), Profile());
  PlannerObservation o = Steady();
  PlannerDecision l, a;
  for (double n : {600.0, 1200.0, 1800.0}) {
    o.requests = n;
    l = linear.Decide(o);
    a = average.Decide(o);
  }
  EXPECT_NEAR(l.rate, 2400.0 / 60, 1e-9);  // the trend continues
  EXPECT_NEAR(a.rate, 1200.0 / 60, 1e-9);
  EXPECT_EQ(ParsePredictor("linear").value(), Predictor::kLinear);
  EXPECT_FALSE(ParsePredictor("arima"));
}

TEST(PlannerTest, BoundsAndTheGpuBudget) {
  PlannerConfig c = Config();
  c.max_gpus = 16;  // 3 + 4 replicas of 4 GPUs would take 28
  Planner planner(c, Profile(), Profile());
  const PlannerDecision d = planner.Decide(Steady());
  EXPECT_EQ(d.prefill, 1);  // floor(3 x 16/28)
  EXPECT_EQ(d.decode, 3);   // (16 - 4) / 4
  // Nothing seen yet: the minimums.
  c = Config();
  c.min_prefill = 2;
  c.min_decode = 3;
  Planner idle(c, Profile(), Profile());
  const PlannerDecision none = idle.Decide({});
  EXPECT_EQ(none.prefill, 2);
  EXPECT_EQ(none.decode, 3);
}

TEST(PlannerTest, AggregatedReplicasShareTheirTimeBetweenPrefillAndDecode) {
  Planner planner(Config(), Profile(), std::nullopt);
  const PlannerDecision d = planner.Decide(Steady());
  EXPECT_EQ(d.prefill, 7);  // ceil(3 + 3.75)
  EXPECT_EQ(d.decode, 0);
}

}  // namespace
}  // namespace aiinfra::sim
