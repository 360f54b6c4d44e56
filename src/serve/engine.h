// The simulator's replica engine run against the wall clock (issue 6, item 3): a pool of
// sim::Replica behind a sim::Router, whose steps take the time the performance model gives,
// measured on a steady clock. Each request's tokens are delivered when its step ends, so an
// HTTP client sees the continuous batching, chunked prefill, preemption and prefix caching of
// the simulator as real latency.
//
// Requests that find no ready replica wait in the router's queue (in arrival order). A client
// that goes away cancels its request: it leaves its replica at once when no step is in flight,
// else at the end of the step (sim::Replica::Cancel).
//
// Threading: everything runs on the executor given (one thread); callbacks are called there.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>: first.
// clang-format off
#include <utility>
// clang-format on
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "sim/replica.h"
#include "sim/router.h"

namespace aiinfra::serve {

struct EngineCallbacks {
  // One output token; `seq.generated` counts it. Times are seconds since the engine started.
  std::function<void(const sim::Sequence& seq, double t)> on_token;
  // The request ended: all its tokens, or cancelled (seq.generated < the tokens asked for).
  std::function<void(const sim::Sequence& seq, double t)> on_done;
};

struct ReplicaState {
  bool ready = true;
  size_t running = 0, waiting = 0;
  double kv_usage = 0;
  uint64_t steps = 0, preemptions = 0;
  int64_t prefix_queried_tokens = 0, prefix_hit_tokens = 0;
};

class RealtimeEngine {
 public:
  // `replicas` replicas built by `make_replica`, all ready.
  RealtimeEngine(boost::asio::any_io_executor executor, std::function<sim::Replica()> make_replica,
                 int replicas, sim::RouterConfig router);
  ~RealtimeEngine();

  // Adds a request (its id unique among those in flight; arrival is set here).
  void Submit(std::unique_ptr<sim::Sequence> seq, uint64_t session, EngineCallbacks callbacks);
  // The client of request `id` went away; on_done is still called for it.
  void Cancel(uint64_t id);

  double Now() const;                              // seconds since the engine started
  size_t queued() const { return queue_.size(); }  // waiting for a ready replica
  std::vector<ReplicaState> replicas() const;

 private:
  struct Slot {
    std::unique_ptr<sim::Replica> replica;
    std::unique_ptr<boost::asio::steady_timer> timer;
    bool stepping = false;
    std::chrono::steady_clock::time_point step_end;
  };
  struct Queued {
    std::unique_ptr<sim::Sequence> seq;
    uint64_t session = 0;
  };
  class Sink;

  void Dispatch();
  // Starts replica i's next step at `at` (seconds; now when absent) if it has work.
  void Kick(size_t i, std::optional<double> at);
  void StepEnded(size_t i);
  void Done(const sim::Sequence& seq, double t);

  boost::asio::any_io_executor executor_;
  std::chrono::steady_clock::time_point start_;
  std::vector<Slot> slots_;
  sim::Router router_;
  std::vector<sim::ReplicaLoad> loads_;
  std::deque<Queued> queue_;
  std::unordered_map<uint64_t, EngineCallbacks> callbacks_;  // requests in flight
  std::shared_ptr<bool> alive_;  // false once destroyed: timers that fire later do nothing
};

}  // namespace aiinfra::serve
