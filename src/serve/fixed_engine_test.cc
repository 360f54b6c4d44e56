// Fixed timing: the first token at TTFT, then one per ITL, without drift.
#include "serve/fixed_engine.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace aiinfra::serve {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::unique_ptr<sim::Sequence> Seq(uint64_t id, int n_out) {
  auto s = std::make_unique<sim::Sequence>();
  s->id = id;
  s->n_in = 10;
  s->n_out = n_out;
  return s;
}

TEST(FixedEngineTest, TokensAreDueAtTtftThenEveryItl) {
  asio::io_context io;
  FixedTimingEngine engine(io.get_executor(), {.ttft = 0.03, .itl = 0.01});
  std::vector<double> times, gaps;
  Ending ending = Ending::kFailed;
  int done = 0;
  for (uint64_t id = 0; id < 100; ++id) {
    engine.Submit(Seq(id, 20), 0,
                  {.on_token =
                       [&, id](const sim::Sequence& s, double t) {
                         if (id == 0) times.push_back(t - s.arrival);
                         if (s.t_last >= 0) gaps.push_back(t - s.t_last);
                       },
                   .on_done =
                       [&](const sim::Sequence& s, double, Ending e) {
                         ++done;
                         ending = e;
                         EXPECT_EQ(s.generated, 20);
                       }});
  }
  EXPECT_EQ(engine.in_flight(), 100u);
  io.run_for(1s);
  EXPECT_EQ(done, 100);
  EXPECT_EQ(ending, Ending::kFinished);
  ASSERT_EQ(times.size(), 20u);
  // The times reported are the schedule itself; the wall clock is checked by bench's tests.
  EXPECT_NEAR(times[0], 0.03, 1e-9);
  EXPECT_NEAR(times[19], 0.03 + 19 * 0.01, 1e-9);
  for (double g : gaps) EXPECT_NEAR(g, 0.01, 1e-9);
  EXPECT_EQ(engine.in_flight(), 0u);
}

TEST(FixedEngineTest, CancelAndAbortEndRequestsOnce) {
  asio::io_context io;
  FixedTimingEngine engine(io.get_executor(), {.ttft = 0.01, .itl = 0.01});
  std::map<uint64_t, std::vector<Ending>> ends;
  for (uint64_t id = 0; id < 3; ++id) {
    engine.Submit(Seq(id, 1000), 0,
                  {.on_token = {}, .on_done = [&, id](const sim::Sequence&, double, Ending e) {
                     ends[id].push_back(e);
                   }});
  }
  io.run_for(50ms);
  engine.Cancel(1);
  engine.Cancel(1);
  engine.Abort();
  io.run_for(50ms);
  EXPECT_EQ(ends[0], std::vector<Ending>{Ending::kFailed});
  EXPECT_EQ(ends[1], std::vector<Ending>{Ending::kCancelled});
  EXPECT_EQ(ends[2], std::vector<Ending>{Ending::kFailed});
}

}  // namespace
}  // namespace aiinfra::serve
