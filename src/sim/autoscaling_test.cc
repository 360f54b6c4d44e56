// The simulation loop's controllers: KEDA scale to and from zero, the HPA on windowed latency
// signals, the cluster's capacity, closed-loop users and the SLO planner.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "sim/sim_test_util.h"
#include "sim/simulation.h"

namespace aiinfra::sim {
namespace {

using namespace fakes;  // NOLINT(build/namespaces): the shared doubles

TEST(AutoscalingTest, KedaScalesToZeroAfterTheCooldownAndActivatesOnWaitingRequests) {
  PoolSpec pool = Pool(1);
  pool.cold_start = {.scheduling = 4, .image_pull = 6};  // 10 s
  AutoscalerSpec a;
  a.hpa.min_replicas = 1;
  a.hpa.max_replicas = 4;
  a.metrics = {{.signal = {Signal::kRequests}, .type = HpaMetricType::kTotal, .target = 8}};
  a.keda = KedaSpec{.polling_interval = 30, .cooldown = 120, .min_replicas = 0};
  pool.autoscaler = a;
  ListSource src;
  for (int i = 0; i < 5; ++i) src.Add(1 + i, 100, 10);
  for (int i = 0; i < 5; ++i) src.Add(400 + i, 100, 10);
  Collect c;
  SimOptions o;
  o.horizon = 600;
  SimResult r = Simulate(pool, src, c, o);
  EXPECT_EQ(r.finished, 10u);
  // Idle since the start: gone at the first poll 120 s after it; back at the first poll after
  // the burst at 400 s.
  ASSERT_EQ(c.scales.size(), 2u);
  EXPECT_EQ(c.scales[0].cause, ScaleEvent::Cause::kKedaIdle);
  EXPECT_DOUBLE_EQ(c.scales[0].time, 120);
  EXPECT_EQ(c.scales[0].to, 0);
  EXPECT_EQ(c.scales[1].cause, ScaleEvent::Cause::kKedaActivate);
  EXPECT_DOUBLE_EQ(c.scales[1].time, 420);
  EXPECT_EQ(c.scales[1].from, 0);
  EXPECT_EQ(c.scales[1].to, 1);
  EXPECT_DOUBLE_EQ(c.scales[1].values[0], 5);  // the five waiting in the router
  for (const auto& s : c.finished) {
    if (s->arrival >= 400) {
      EXPECT_GE(s->t_first, 430);  // activation + cold start
    }
  }
  for (const PoolSample& p : c.samples) {
    if (p.time > 120 && p.time < 420) {
      EXPECT_EQ(p.replicas_ready + p.replicas_starting, 0);
    }
  }
}

TEST(AutoscalingTest, KedaActivationThresholdKeepsAQuietPoolAtZero) {
  PoolSpec pool = Pool(0);
  AutoscalerSpec a;
  a.hpa.max_replicas = 4;
  a.metrics = {
      {.signal = {Signal::kWaiting}, .type = HpaMetricType::kTotal, .target = 8, .activation = 3}};
  a.keda = KedaSpec{.polling_interval = 30, .cooldown = 300, .min_replicas = 0};
  pool.autoscaler = a;
  ListSource src;
  for (int i = 0; i < 3; ++i) src.Add(1 + i, 100, 10);  // 3 waiting: not above 3
  Collect c;
  SimOptions o;
  o.horizon = 200;
  o.drain = false;
  SimResult r = Simulate(pool, src, c, o);
  EXPECT_TRUE(c.scales.empty());
  EXPECT_EQ(r.unfinished, 3u);
}

TEST(AutoscalingTest, HpaOnWindowedTtftP90FollowsTheValueFormula) {
  PoolSpec pool = Pool(1);
  pool.replica.max_num_seqs = 8;  // queueing builds TTFT quickly
  pool.make_replica = [c = pool.replica] { return LinearReplica(c); };
  AutoscalerSpec a;
  a.hpa.max_replicas = 10;
  a.metrics = {{.signal = {Signal::kTtft, 0.9, 30}, .type = HpaMetricType::kValue, .target = 0.5},
               // Mean TPOT, with a target it never reaches: read, never deciding.
               {.signal = {Signal::kTpot, 0, 30}, .type = HpaMetricType::kValue, .target = 10}};
  pool.autoscaler = a;
  PoissonSource src(60, 400, 100, 7);
  Collect c;
  SimOptions o;
  o.horizon = 120;
  Simulate(pool, src, c, o);
  ASSERT_FALSE(c.scales.empty());
  const ScaleEvent& e = c.scales.front();
  EXPECT_EQ(e.cause, ScaleEvent::Cause::kHpa);
  ASSERT_EQ(e.values.size(), 2u);
  EXPECT_GT(e.values[0], 0.5 * 1.1);
  // A decode step is 10 ms + 0.1 ms a sequence (8 at most), plus 4 ms when a 400-token prompt
  // rides along.
  EXPECT_GT(e.values[1], 0.0101);
  EXPECT_LT(e.values[1], 0.0148);
  // Step 1 with a Value target: ceil(ready x value / target), before the rate limits.
  EXPECT_EQ(e.decision.recommended, static_cast<int>(std::ceil(e.from * e.values[0] / 0.5)));
  EXPECT_GT(e.to, e.from);
}

TEST(AutoscalingTest, ReplicasBeyondTheClusterStayPendingUntilRoomFrees) {
  ClusterSpec cluster;
  cluster.pool = Pool(1);
  cluster.pool.gpus = 4;
  cluster.pool.system = 0;
  cluster.capacity = {{.count = 1, .gpus_per_system = 8}};  // room for 2 replicas
  AutoscalerSpec a;
  a.hpa.max_replicas = 6;
  a.metrics = {{.signal = {Signal::kRequests}, .target = 2}};
  cluster.pool.autoscaler = a;
  cluster.pool.cold_start.warmup = 5;
  PoissonSource src(200, 200, 50, 9, 4000);
  Collect c;
  SimOptions o;
  o.horizon = 60;
  SimResult r = Simulate(cluster, src, c, o);
  int most_pending = 0;
  for (const PoolSample& p : c.samples) {
    EXPECT_LE(p.replicas_ready + p.replicas_draining, 2) << p.time;
    EXPECT_LE(p.replicas_pending, p.replicas_starting);
    most_pending = std::max(most_pending, p.replicas_pending);
  }
  EXPECT_GT(most_pending, 0);
  EXPECT_EQ(r.arrivals, c.finished.size() + c.unfinished.size());
}

// Closed loop: `users` users, each sending its next request `think` seconds after its
// previous one finished.
class UsersSource : public ArrivalSource {
 public:
  UsersSource(int users, double think, double horizon)
      : users_(users), think_(think), horizon_(horizon) {}
  std::optional<Arrival> Next() override { return std::nullopt; }
  std::vector<Arrival> Start() override {
    std::vector<Arrival> out;
    for (int u = 0; u < users_; ++u) out.push_back(Make(0));
    return out;
  }
  std::optional<Arrival> FollowUp(const Sequence& ended, double t) override {
    finished_at[ended.id] = t;
    if (t + think_ > horizon_) return std::nullopt;
    Arrival a = Make(t + think_);
    previous[a.seq->id] = ended.id;
    return a;
  }
  std::map<uint64_t, double> finished_at;
  std::map<uint64_t, uint64_t> previous;  // request -> the one its user sent before

 private:
  Arrival Make(double at) {
    auto s = std::make_unique<Sequence>();
    s->id = next_id_++;
    s->arrival = at;
    s->n_in = 300;
    s->n_out = 40;
    return Arrival{std::move(s), 0};
  }
  int users_;
  double think_, horizon_;
  uint64_t next_id_ = 0;
};

TEST(AutoscalingTest, ClosedLoopUsersSendAThinkTimeAfterTheirAnswerEnds) {
  PoolSpec pool = Pool(1);
  UsersSource src(6, 2.0, 60);
  Collect c;
  SimOptions o;
  o.horizon = 60;
  SimResult r = Simulate(pool, src, c, o);
  EXPECT_GT(r.finished, 6u * 10);
  EXPECT_EQ(r.arrivals, c.finished.size() + c.unfinished.size());
  for (const PoolSample& p : c.samples) EXPECT_LE(p.running + p.waiting, 6);
  for (const auto& s : c.finished) {
    auto it = src.previous.find(s->id);
    if (it == src.previous.end()) {
      EXPECT_EQ(s->arrival, 0);
    } else {
      EXPECT_DOUBLE_EQ(s->arrival, src.finished_at.at(it->second) + 2.0);
    }
  }
}

TEST(AutoscalingTest, ThePlannerResizesBothPoolsEachInterval) {
  ClusterSpec cluster;
  cluster.pool = Pool(1);
  cluster.decode = Pool(1);
  cluster.transfer.bandwidth = 1e10;
  PlannerSpec planner;
  planner.config.interval = 30;
  planner.config.ttft_target = 0.5;
  planner.config.itl_target = 0.025;
  planner.config.correction = false;  // PlannerTest covers the factors
  planner.config.max_prefill = planner.config.max_decode = 16;
  EngineProfile profile;
  profile.prefill_seconds = [](double isl) { return 0.01 + 1e-5 * isl; };
  profile.decode_step_seconds = [](double batch, double) { return 0.01 + 1e-4 * batch; };
  profile.max_batch = 256;
  profile.max_sequences = [](double) { return 1e6; };
  planner.prefill = profile;
  planner.decode = profile;
  cluster.planner = planner;
  // The planner replaces the pools' own autoscalers: this HPA never acts.
  cluster.pool.autoscaler = AutoscalerSpec{};
  cluster.pool.autoscaler->metrics = {{.signal = {Signal::kRequests}, .target = 1}};
  PoissonSource src(100, 1500, 200, 11);
  Collect c;
  SimOptions o;
  o.horizon = 95;
  SimResult r = Simulate(cluster, src, c, o);
  EXPECT_EQ(r.arrivals, c.finished.size() + c.unfinished.size());
  std::vector<const ScaleEvent*> plans;
  for (const ScaleEvent& e : c.scales) {
    EXPECT_EQ(e.cause, ScaleEvent::Cause::kPlanner);
    EXPECT_EQ(std::fmod(e.time, 30), 0);
    plans.push_back(&e);
  }
  ASSERT_FALSE(plans.empty());
  const PlannerDecision& d = plans.front()->plan;
  EXPECT_NEAR(d.rate, 100, 15);
  EXPECT_NEAR(d.isl, 1500, 1);
  EXPECT_NEAR(d.osl, 200, 1);
  // 100/s x 1,500 tokens at 1,500 / 0.025 s = 60,000 tokens/s a replica: 2.5, so 3 prefill
  // replicas; decode: 10 ms + 0.1 ms x b <= 25 ms gives b = 150 and 6,000 tokens/s: 20,000
  // need 3.3, so 4.
  EXPECT_EQ(d.prefill, 3);
  EXPECT_EQ(d.decode, 4);
}

}  // namespace
}  // namespace aiinfra::sim
