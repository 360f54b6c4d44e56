#include "sim/simulation.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "sim/sim_test_util.h"

namespace aiinfra::sim {
namespace {

using namespace fakes;  // NOLINT(build/namespaces): the shared doubles

TEST(SimulationTest, EveryRequestFinishesOrIsReportedAndTokensAreConserved) {
  PoolSpec pool = Pool(3);
  pool.router.policy = RoutePolicy::kRoundRobin;
  PoissonSource src(50, 200, 20, 1);
  Collect c;
  SimOptions o;
  o.horizon = 60;
  SimResult r = Simulate(pool, src, c, o);
  EXPECT_EQ(r.arrivals, c.finished.size() + c.unfinished.size());
  EXPECT_TRUE(c.unfinished.empty());  // drained past the horizon
  EXPECT_EQ(c.tokens, static_cast<int64_t>(c.finished.size()) * 20);
  EXPECT_NEAR(static_cast<double>(r.arrivals), 3000, 200);
  for (const auto& s : c.finished) {
    EXPECT_LE(s->arrival, s->t_sched);
    EXPECT_LE(s->t_first, s->t_last);
    EXPECT_EQ(s->generated, 20);
  }
  // Round-robin deals evenly.
  for (auto [replica, n] : c.per_replica) EXPECT_NEAR(n, r.arrivals / 3.0, 1.0);
  ASSERT_FALSE(c.samples.empty());
  EXPECT_DOUBLE_EQ(c.samples[0].time, 1);
  EXPECT_EQ(c.samples[0].replicas_ready, 3);
}

TEST(SimulationTest, WithoutDrainRequestsInFlightAtTheHorizonAreUnfinished) {
  PoolSpec pool = Pool(1);
  PoissonSource src(50, 200, 200, 2);
  Collect c;
  SimOptions o;
  o.horizon = 10;
  o.drain = false;
  SimResult r = Simulate(pool, src, c, o);
  EXPECT_GT(r.unfinished, 0u);
  EXPECT_EQ(r.arrivals, c.finished.size() + c.unfinished.size());
  EXPECT_LE(r.end_time, 10);
}

TEST(SimulationTest, IsDeterministicPerSeed) {
  auto run = [](uint64_t seed) {
    PoolSpec pool = Pool(2);
    pool.router.policy = RoutePolicy::kRandom;
    pool.router.seed = seed;
    PoissonSource src(40, 300, 30, seed);
    Collect c;
    SimOptions o;
    o.horizon = 30;
    Simulate(pool, src, c, o);
    std::vector<double> t;
    for (const auto& s : c.finished) t.push_back(s->t_last);
    return t;
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

TEST(SimulationTest, HpaAddsReplicasThatServeAfterTheirColdStart) {
  PoolSpec pool = Pool(1);
  pool.cold_start = {.scheduling = 5, .image_pull = 20, .weight_load = 30, .warmup = 5};
  pool.autoscaler = AutoscalerSpec{};
  pool.autoscaler->hpa.max_replicas = 8;
  pool.autoscaler->metrics = {{.signal = {Signal::kRequests}, .target = 4}};  // per replica
  PoissonSource src(40, 500, 200, 3);
  Collect c;
  SimOptions o;
  o.horizon = 300;
  SimResult r = Simulate(pool, src, c, o);
  ASSERT_FALSE(c.scales.empty());
  const ScaleEvent& first = c.scales.front();
  EXPECT_DOUBLE_EQ(first.time, 15);  // the first sync
  EXPECT_EQ(first.from, 1);
  EXPECT_GT(first.to, 1);
  EXPECT_GT(r.peak_replicas, 1);
  // Nothing is served by a new replica before its 60 s cold start has passed.
  int added_serving_early = 0;
  for (const PoolSample& p : c.samples) {
    if (p.time < first.time + 60) added_serving_early += p.replicas_ready > 1;
    if (p.time > first.time && p.time < first.time + 60) {
      EXPECT_GT(p.replicas_starting, 0);
    }
  }
  EXPECT_EQ(added_serving_early, 0);
  EXPECT_EQ(r.arrivals, c.finished.size() + c.unfinished.size());
}

TEST(SimulationTest, RequestsWaitInTheRouterWhileNoReplicaIsReady) {
  PoolSpec pool = Pool(0);
  PoissonSource src(10, 100, 5, 4, 20);
  Collect c;
  SimOptions o;
  o.horizon = 100;
  SimResult r = Simulate(pool, src, c, o);
  EXPECT_EQ(r.arrivals, 20u);
  EXPECT_EQ(c.unfinished.size(), 20u);
  EXPECT_TRUE(c.finished.empty());
}

ClusterSpec Disaggregated() {
  ClusterSpec c;
  c.pool = Pool(1);
  c.decode = Pool(1);
  c.transfer.bandwidth = 1e9;                              // 1 GB/s
  c.transfer.latency = 0.001;                              // 1 ms
  c.transfer.bytes = [](const Sequence&) { return 1e6; };  // 1 MB: 1 ms on the link
  return c;
}

TEST(SimulationTest, DisaggregatedRequestMovesItsKvToTheDecodePool) {
  ClusterSpec c = Disaggregated();
  ListSource src;
  src.Add(0, 1000, 5);
  Collect col;
  SimResult r = Simulate(c, src, col, {});
  ASSERT_EQ(col.finished.size(), 1u);
  const Sequence& s = *col.finished[0];
  const double prefill = 0.01 + 1000 * 1e-5;
  // 2 ms of transfer, then 5 decode steps of one sequence on the decode replica: the first
  // output token is the decode replica's (the prefill's is not streamed).
  EXPECT_NEAR(s.t_first, prefill + 0.002 + (0.01 + 1e-4), 1e-12);
  EXPECT_NEAR(s.t_last, prefill + 0.002 + 5 * (0.01 + 1e-4), 1e-12);
  EXPECT_EQ(col.per_replica.size(), 1u);
  EXPECT_EQ(col.tokens, 5);
  EXPECT_EQ(r.transfers, 1u);
  ASSERT_EQ(col.transfer_seconds.size(), 1u);
  EXPECT_NEAR(col.transfer_seconds[0], 0.002, 1e-12);
}

TEST(SimulationTest, TransfersFromOnePrefillReplicaQueueOnItsLink) {
  ClusterSpec c = Disaggregated();
  c.transfer.bandwidth = 1e7;  // 100 ms per transfer: longer than a prefill step
  ListSource src;
  src.Add(0, 100, 3);
  src.Add(0, 100, 3);
  Collect col;
  Simulate(c, src, col, {});
  // The first request is prefilled alone in [0, 11 ms] (the engine starts a step as soon as it
  // has work), the second in [11, 22 ms]. The first transfer holds the link until 111 ms, so
  // the second waits 89 ms for it: 0.111 + 0.1 + 0.001 - 0.022 = 0.19 s.
  ASSERT_EQ(col.transfer_seconds.size(), 2u);
  EXPECT_NEAR(col.transfer_seconds[0], 0.101, 1e-12);
  EXPECT_NEAR(col.transfer_seconds[1], 0.19, 1e-12);
  EXPECT_EQ(col.finished.size(), 2u);
}

TEST(SimulationTest, ASingleTokenRequestIsStillAnsweredByTheDecodePool) {
  ClusterSpec c = Disaggregated();
  ListSource src;
  src.Add(0, 100, 1);
  Collect col;
  SimResult r = Simulate(c, src, col, {});
  ASSERT_EQ(col.finished.size(), 1u);
  EXPECT_EQ(r.transfers, 1u);
  EXPECT_EQ(col.tokens, 1);
  EXPECT_GT(col.finished[0]->t_first, 0.011 + 0.002);  // after the prefill and the transfer
}

}  // namespace
}  // namespace aiinfra::sim
