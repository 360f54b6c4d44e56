// The rate sweep: the saturation rule on made-up steps, and a sweep against an endpoint that
// serves one request at a time (a fixed capacity) on loopback.
#include "loadgen/sweep.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "loadgen/result.h"
#include "loadgen/test_endpoint.h"

namespace aiinfra::loadgen {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// `n` requests of 10 tokens sent `gap` apart from 0, each finishing `latency` after its send;
// with `capacity` (req/s), served one after another (FIFO); with `shared` (req/s), served
// together, each at an equal share of that capacity (processor sharing, as a batching server):
// then requests overlap and each finishes as its share of the work is done.
StepTimes Times(int n, double gap, double latency, double capacity = 0, double shared = 0) {
  std::vector<double> ends(static_cast<size_t>(n));
  if (shared > 0) {
    // Event simulation of processor sharing: each request needs 1 / shared seconds of the server.
    std::vector<double> left(static_cast<size_t>(n), 1.0 / shared);
    double now = 0;
    size_t next = 0;
    std::vector<size_t> active;
    while (next < left.size() || !active.empty()) {
      const double arrival = next < left.size() ? next * gap : 1e300;
      double finish = 1e300;
      for (size_t i : active) finish = std::min(finish, now + left[i] * active.size());
      const double t = std::min(arrival, finish);
      for (size_t i : active) left[i] -= (t - now) / active.size();
      now = t;
      if (t == arrival) {
        active.push_back(next++);
      } else {
        for (auto it = active.begin(); it != active.end();) {
          if (left[*it] <= 1e-12) {
            ends[*it] = now + latency;
            it = active.erase(it);
          } else {
            ++it;
          }
        }
      }
    }
  }
  StepTimes t;
  double free_at = 0;
  for (int i = 0; i < n; ++i) {
    metrics::RequestRecord r(i * gap);
    double end = r.t_send + latency;
    if (capacity > 0) {
      end = std::max(free_at, r.t_send) + 1 / capacity;
      free_at = end;
    } else if (shared > 0) {
      end = ends[static_cast<size_t>(i)];
    }
    // Tokens stream while the request is served: from its start (FIFO: when the server is free)
    // to its end, evenly.
    const double start = capacity > 0 ? end - 1 / capacity : r.t_send;
    for (int k = 0; k < 10; ++k) r.AddChunk(start + (end - start) * (k + 1) / 10, 1);
    r.Finish(metrics::Outcome::kOk, end);
    t.Add(SentRequest{.record = r, .planned_output = 10});
  }
  return t;
}

TEST(SweepTest, AServerThatKeepsUpIsNotSaturatedWhateverItsLatency) {
  SweepSpec spec;
  for (double latency : {0.01, 1.0, 3.0}) {
    const StepVerdict v = JudgeStep(Times(150, 0.1, latency), 0.2, spec);
    EXPECT_FALSE(v.saturated) << latency << ": " << v.reason;
    EXPECT_NEAR(v.sent_rate, 10, 0.2) << latency;
    EXPECT_NEAR(v.asked, 100, 2) << latency;  // 10 tokens each
    EXPECT_NEAR(v.delivered, v.asked, 3) << latency;
    EXPECT_TRUE(v.warning.empty()) << v.warning;
  }
  // Both servers at 80% of their capacity keep up.
  const StepVerdict fifo = JudgeStep(Times(150, 0.1, 0, /*capacity=*/12.5), 0.2, spec);
  EXPECT_FALSE(fifo.saturated) << fifo.reason;
  const StepVerdict ps = JudgeStep(Times(150, 0.1, 0, 0, /*shared=*/12.5), 0.2, spec);
  EXPECT_FALSE(ps.saturated) << ps.reason;
  // A step whose first quarter is shorter than a latency is judged, with a warning.
  const StepVerdict short_step = JudgeStep(Times(30, 0.1, 2.0), 0.2, spec);
  EXPECT_NE(short_step.warning.find("may still have been filling up"), std::string::npos);
}

TEST(SweepTest, AServerBelowTheRateSentIsSaturatedWhetherItQueuesOrBatches) {
  SweepSpec spec;
  // FIFO at 8 of the 10 req/s sent: it streams at its capacity.
  const StepVerdict fifo = JudgeStep(Times(150, 0.1, 0, /*capacity=*/8), 0.2, spec);
  EXPECT_TRUE(fifo.saturated);
  EXPECT_NEAR(fifo.delivered, 80, 3);
  EXPECT_NEAR(fifo.achieved, 8, 0.3);
  EXPECT_NE(fifo.reason.find("tok/s asked for"), std::string::npos) << fifo.reason;
  // Processor sharing at 8 of 10: every request slows as the batch grows and the requests end in
  // a burst after sending stopped, which a completion rate would count; the tokens streamed
  // while the load lasts are the server's capacity.
  const StepVerdict ps = JudgeStep(Times(150, 0.1, 0, 0, /*shared=*/8), 0.2, spec);
  EXPECT_TRUE(ps.saturated) << ps.delivered;
  EXPECT_NEAR(ps.delivered, 80, 3);
  // Overload by 15% saturates; a looser ratio lets it pass.
  EXPECT_TRUE(JudgeStep(Times(300, 0.1, 0, /*capacity=*/8.7), 0.2, spec).saturated);
  spec.min_ratio = 0.8;
  EXPECT_FALSE(JudgeStep(Times(300, 0.1, 0, /*capacity=*/8.7), 0.2, spec).saturated);
}

TEST(SweepTest, TtftLimitAndFailuresSaturate) {
  SweepSpec spec;
  spec.ttft_limit = 0.5;
  EXPECT_FALSE(JudgeStep(Times(20, 0.1, 0.1), 0.4, spec).saturated);
  const StepVerdict slow = JudgeStep(Times(20, 0.1, 0.1), 0.7, spec);
  EXPECT_TRUE(slow.saturated);
  EXPECT_NE(slow.reason.find("TTFT p90 0.7 s > limit 0.5 s"), std::string::npos) << slow.reason;
  EXPECT_FALSE(JudgeStep(Times(20, 0.1, 0.1), kNaN, spec).saturated);
  // Refusals: a fifth of the requests fail, their tokens are asked for and never streamed.
  StepTimes t;
  for (int i = 0; i < 50; ++i) {
    metrics::RequestRecord r(i * 0.1);
    if (i % 5 == 4) {
      r.FinishError(r.t_send + 0.01, 429, "rate_limit");
    } else {
      for (int k = 1; k <= 10; ++k) r.AddChunk(r.t_send + 0.005 * k, 1);
      r.Finish(metrics::Outcome::kOk, r.t_send + 0.05);
    }
    t.Add(SentRequest{.record = r, .planned_output = 10});
  }
  const StepVerdict refused = JudgeStep(t, 0.05, SweepSpec{});
  EXPECT_TRUE(refused.saturated);
  EXPECT_NEAR(refused.delivered / refused.asked, 0.8, 0.05) << refused.reason;
  EXPECT_TRUE(JudgeStep(StepTimes{}, kNaN, SweepSpec{}).saturated);  // nothing completed
}

TEST(SweepTest, UsageCountsScaleChunksThatCarrySeveralTokens) {
  // One chunk per 4 tokens, the usage says 40: the server delivered what was asked.
  StepTimes t;
  for (int i = 0; i < 100; ++i) {
    metrics::RequestRecord r(i * 0.1);
    for (int k = 1; k <= 10; ++k) r.AddChunk(r.t_send + 0.01 * k, 1);
    r.SetOutputTokens(40);
    r.Finish(metrics::Outcome::kOk, r.t_send + 0.1);
    t.Add(SentRequest{.record = r, .planned_output = 40});
  }
  const StepVerdict v = JudgeStep(t, 0.01, SweepSpec{});
  EXPECT_FALSE(v.saturated) << v.reason;
  EXPECT_NEAR(v.delivered, 400, 10);
}

TEST(SweepTest, RatesAreTheListOrGeometricAndChecked) {
  SweepSpec spec;
  spec.start = 2;
  spec.factor = 1.5;
  spec.max_steps = 4;
  EXPECT_EQ(SweepRates(spec).value(), (std::vector<double>{2, 3, 4.5, 6.75}));
  spec.rates = {1, 2, 4, 8};
  EXPECT_EQ(SweepRates(spec).value(), spec.rates);
  spec.rates = {1, 4, 2};
  EXPECT_FALSE(SweepRates(spec));
  spec.rates = {};
  spec.factor = 1;
  EXPECT_FALSE(SweepRates(spec));
  spec.factor = 2;
  spec.min_ratio = 1.5;
  EXPECT_FALSE(SweepRates(spec));

  const auto gamma = WithRate(workload::ArrivalSpec{workload::GammaArrivals{1, 3}}, 7).value();
  EXPECT_EQ(std::get<workload::GammaArrivals>(gamma.kind).rate, 7);
  EXPECT_EQ(std::get<workload::GammaArrivals>(gamma.kind).cv, 3);
  EXPECT_FALSE(WithRate(workload::ArrivalSpec{workload::OnOffArrivals{}}, 7));
}

TEST(SweepTest, StopsWhereAServerOfFixedCapacitySaturates) {
  // One request at a time, 30 ms each (20 ms to the first token, 2 more 5 ms apart): about
  // 33 requests/s. Steps at 10 and 20 req/s keep up; 80 req/s is more than twice too many.
  testing::Endpoint endpoint(
      {.ttft = std::chrono::milliseconds(20), .itl = std::chrono::milliseconds(5), .serial = true});
  LoadSpec base;
  base.url = endpoint.url();
  base.request.model = "m";
  base.prompts.output = workload::Distribution::Fixed(3).value();
  base.arrivals = workload::ArrivalSpec{workload::ConstantArrivals{1}};
  base.num_requests = 12;
  SweepSpec spec;
  spec.rates = {10, 20, 80, 160};
  std::vector<int> steps_seen;
  int requests = 0;
  auto r = RunSweep(
      base, spec, {}, [&](int, const SentRequest&) { ++requests; },
      [&](int step, double) { steps_seen.push_back(step); });
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->steps.size(), 3u);  // stopped at the saturated step
  EXPECT_EQ(steps_seen, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(requests, 36);
  EXPECT_FALSE(r->steps[0].verdict.saturated) << r->steps[0].verdict.reason;
  EXPECT_FALSE(r->steps[1].verdict.saturated) << r->steps[1].verdict.reason;
  EXPECT_TRUE(r->steps[2].verdict.saturated);
  EXPECT_EQ(r->saturated, 2);
  EXPECT_EQ(r->sustained(), 1);
  EXPECT_NEAR(r->steps[2].verdict.achieved, 33, 8);         // the server's capacity
  EXPECT_GT(r->steps[1].offset, r->steps[0].offset + 1.0);  // 12 requests at 10/s before it

  const auto json = SweepJson(*r, spec);
  EXPECT_EQ(json["saturated_step"], 2);
  EXPECT_EQ(json["saturation_rate"], 80);
  EXPECT_EQ(json["max_sustained_rate"], 20);
  ASSERT_EQ(json["steps"].size(), 3u);
  EXPECT_EQ(json["steps"][0]["completed"], 12);
  const std::string table = SweepTable(*r);
  EXPECT_NE(table.find("saturated at 80 req/s offered (step 3)"), std::string::npos) << table;
  EXPECT_NE(table.find("highest sustained rate 20 req/s (step 2)"), std::string::npos) << table;

  // A closed loop cannot be swept.
  base.arrivals.reset();
  EXPECT_FALSE(RunSweep(base, spec, {}));
}

}  // namespace
}  // namespace aiinfra::loadgen
