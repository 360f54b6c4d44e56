// The replica engine against the wall clock: tokens come when the steps the performance model
// times end.
#include "serve/engine.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>

#include "sim/sim_test_util.h"

namespace aiinfra::serve {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Step time: 10 ms + 10 us per prefill token + 0.1 ms per decode.
sim::Replica Linear() {
  sim::ReplicaConfig c;
  c.num_blocks = 4000;
  return sim::fakes::LinearReplica(c);
}

std::unique_ptr<sim::Sequence> Seq(uint64_t id, int n_in, int n_out) {
  auto s = std::make_unique<sim::Sequence>();
  s->id = id;
  s->n_in = n_in;
  s->n_out = n_out;
  return s;
}

struct Seen {
  std::vector<double> tokens;  // wall seconds since submit
  int generated = -1;
  double done = -1;
};

EngineCallbacks Record(Seen& seen, Clock::time_point* submitted) {
  const auto since = [submitted] {
    return std::chrono::duration<double>(Clock::now() - *submitted).count();
  };
  return {
      .on_token = [&seen, since](const sim::Sequence&, double) { seen.tokens.push_back(since()); },
      .on_done =
          [&seen, since](const sim::Sequence& s, double) {
            seen.generated = s.generated;
            seen.done = since();
          }};
}

TEST(EngineTest, TokensComeWhenTheirStepsEndOnTheWallClock) {
  // The prefill step: 10 ms + 1,000 x 10 us = 20 ms; then decode steps of 10.1 ms. On a
  // machine shared with other tests a run may be descheduled for milliseconds: up to 3 runs,
  // the closest must be within 4 ms.
  double miss = 1e9, first = 0, rest = 0;
  for (int attempt = 0; attempt < 3 && miss > 0.004; ++attempt) {
    asio::io_context io;
    RealtimeEngine engine(io.get_executor(), Linear, 1, {});
    Seen seen;
    Clock::time_point submitted = Clock::now();
    asio::post(io, [&] {
      submitted = Clock::now();
      engine.Submit(Seq(1, 1000, 5), 0, Record(seen, &submitted));
    });
    io.run_for(2s);
    ASSERT_EQ(seen.tokens.size(), 5u);
    EXPECT_EQ(seen.generated, 5);
    EXPECT_GE(seen.done, seen.tokens[4]);
    const double m = std::max(std::abs(seen.tokens[0] - 0.020),
                              std::abs(seen.tokens[4] - seen.tokens[0] - 4 * 0.0101));
    if (m < miss) {
      miss = m;
      first = seen.tokens[0];
      rest = seen.tokens[4] - seen.tokens[0];
    }
  }
  EXPECT_NEAR(first, 0.020, 0.004);
  EXPECT_NEAR(rest, 4 * 0.0101, 0.004);
}

TEST(EngineTest, RequestsShareStepsAndCancelledOnesEnd) {
  asio::io_context io;
  RealtimeEngine engine(io.get_executor(), Linear, 1, {});
  Seen a, b, c;
  Clock::time_point submitted = Clock::now();
  asio::post(io, [&] {
    submitted = Clock::now();
    engine.Submit(Seq(1, 100, 40), 0, Record(a, &submitted));
    engine.Submit(Seq(2, 100, 40), 0, Record(b, &submitted));
    engine.Submit(Seq(3, 100, 1000), 0, Record(c, &submitted));
  });
  // Cancel the long one after 100 ms.
  asio::steady_timer t(io, 100ms);
  t.async_wait([&](const boost::system::error_code&) { engine.Cancel(3); });
  io.run_for(3s);
  EXPECT_EQ(a.generated, 40);
  EXPECT_EQ(b.generated, 40);
  // Batched together: 40 steps of about 10 ms, not 80.
  EXPECT_LT(a.done, 0.6);
  EXPECT_GT(c.generated, 3);
  EXPECT_LT(c.generated, 20);
  EXPECT_NEAR(c.done, 0.1, 0.03);
  for (const ReplicaState& r : engine.replicas()) {
    EXPECT_EQ(r.running + r.waiting, 0u);
    EXPECT_DOUBLE_EQ(r.kv_usage, 0);
  }
}

TEST(EngineTest, WithoutReplicasRequestsQueueAndCanBeCancelled) {
  asio::io_context io;
  RealtimeEngine engine(io.get_executor(), Linear, 0, {});
  Seen seen;
  Clock::time_point submitted = Clock::now();
  engine.Submit(Seq(7, 10, 10), 0, Record(seen, &submitted));
  io.run_for(50ms);
  EXPECT_EQ(engine.queued(), 1u);
  EXPECT_EQ(seen.generated, -1);
  engine.Cancel(7);
  EXPECT_EQ(engine.queued(), 0u);
  EXPECT_EQ(seen.generated, 0);
  engine.Cancel(7);  // twice: nothing
}

}  // namespace
}  // namespace aiinfra::serve
