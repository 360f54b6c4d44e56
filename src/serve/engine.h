// What produces `aiinfra serve`'s tokens, and when (issue 6, item 3).
//
// TokenEngine is the interface the HTTP routes use. Two engines implement it:
//
// RealtimeEngine: the simulator's replica engine run against the wall clock: a pool of
// sim::Replica behind a sim::Router, whose steps take the time the performance model gives,
// measured on a steady clock. Each request's tokens are delivered when its step ends, so an
// HTTP client sees the continuous batching, chunked prefill, preemption and prefix caching of
// the simulator as real latency. The pool's autoscaler (HPA, or KEDA around it: sim's
// PoolAutoscaler, the same decisions the simulation makes) runs on timers every sync period and
// polling interval; a new replica becomes ready after its cold start on the wall clock, a
// removed one stops taking requests at once and leaves when drained. Faults: a step may take
// extra time (a latency spike), and a replica may crash (its requests fail, it restarts after
// its cold start or a given restart time).
//
// FixedTimingEngine (fixed_engine.h): every request independent, first token a fixed time after
// arrival and then one per fixed interval: the reference endpoint for checking a load
// generator.
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
#include <random>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sim/autoscaler.h"
#include "sim/replica.h"
#include "sim/router.h"
#include "sim/simulation.h"

namespace aiinfra::serve {

// How a request left the engine.
enum class Ending {
  kFinished,   // all its tokens
  kCancelled,  // Cancel (its client went away)
  kFailed,     // its replica crashed
};

struct EngineCallbacks {
  // One output token; `seq.generated` counts it. Times are seconds since the engine started.
  std::function<void(const sim::Sequence& seq, double t)> on_token;
  // The request left (called exactly once per request submitted).
  std::function<void(const sim::Sequence& seq, double t, Ending ending)> on_done;
};

struct ReplicaState {
  enum class Phase { kStarting, kReady, kDraining, kRestarting };
  Phase phase = Phase::kReady;
  size_t running = 0, waiting = 0;
  double kv_usage = 0;
  uint64_t steps = 0, preemptions = 0;
  int64_t prefix_queried_tokens = 0, prefix_hit_tokens = 0;
};
const char* PhaseName(ReplicaState::Phase phase);

class TokenEngine {
 public:
  virtual ~TokenEngine() = default;
  // Adds a request (its id unique among those in flight; arrival is set here).
  virtual void Submit(std::unique_ptr<sim::Sequence> seq, uint64_t session,
                      EngineCallbacks callbacks) = 0;
  // The client of request `id` went away; on_done is still called for it (kCancelled, or
  // kFinished when it ended with the step in flight).
  virtual void Cancel(uint64_t id) = 0;
  virtual double Now() const = 0;        // seconds since the engine started
  virtual size_t queued() const = 0;     // waiting for a ready replica
  virtual size_t in_flight() const = 0;  // submitted and not yet done
  // Replicas that exist now (gone ones are not listed).
  virtual std::vector<ReplicaState> replicas() const = 0;
  // Shutting down: ends every request in flight (kFailed) and stops every timer.
  virtual void Abort() = 0;
};

struct EngineFaults {
  double spike_probability = 0;  // per step
  double spike_seconds = 0;      // added to a step that spikes
  double crash_mtbf = 0;         // mean seconds between crashes of a ready replica; 0: none
  double restart_seconds = -1;   // a crashed replica is back after this; < 0: its cold start
  uint64_t seed = 1;
};

struct EngineOptions {
  // make_replica, initial_replicas (ready at once), cold_start, router, autoscaler.
  sim::PoolSpec pool;
  EngineFaults faults;
  // Told of each resize (the event's cause and metric values) and each crash, for the log.
  std::function<void(const sim::ScaleEvent&)> on_scale;
  std::function<void(int replica, double t, size_t failed)> on_crash;
};

class RealtimeEngine : public TokenEngine {
 public:
  RealtimeEngine(boost::asio::any_io_executor executor, EngineOptions options);
  ~RealtimeEngine() override;

  void Submit(std::unique_ptr<sim::Sequence> seq, uint64_t session,
              EngineCallbacks callbacks) override;
  void Cancel(uint64_t id) override;
  double Now() const override;
  size_t queued() const override { return queue_.size(); }
  size_t in_flight() const override { return callbacks_.size(); }
  std::vector<ReplicaState> replicas() const override;
  void Abort() override;

  // Crashes the `index`-th replica listed by replicas() now (fault injection on demand):
  // false when there is no such ready replica.
  bool Crash(size_t index);
  const std::vector<sim::ScaleEvent>& scale_events() const { return scales_; }

 private:
  using Phase = ReplicaState::Phase;
  struct Slot {
    std::unique_ptr<sim::Replica> replica;
    std::unique_ptr<boost::asio::steady_timer> timer;  // the step in flight, or the cold start
    Phase phase = Phase::kStarting;
    bool gone = false;  // left (scaled down and drained): reusable
    bool stepping = false;
    uint64_t epoch = 0;  // bumped by a crash: a timer armed before it does nothing
    std::chrono::steady_clock::time_point step_end;
    double crash_at = 0;  // wall seconds; infinity: never
  };
  struct Queued {
    std::unique_ptr<sim::Sequence> seq;
    uint64_t session = 0;
  };
  class Sink;

  std::chrono::steady_clock::time_point At(double t) const;
  void Dispatch();
  // Starts replica i's next step at `at` (seconds; now when absent) if it has work.
  void Kick(size_t i, std::optional<double> at);
  void StepEnded(size_t i);
  void Done(const sim::Sequence& seq, double t, Ending ending);
  // A new replica (reusing a gone slot), ready at once or after `delay` seconds.
  void AddReplica(bool ready_now, double delay);
  void Ready(size_t i);
  void RemoveOne();  // scale-down victim: newest starting, else the ready one with least work
  void MaybeLeave(size_t i);
  void CrashSlot(size_t i);
  void ArmCrashTimer();
  void Sync();
  void Poll();
  void Resize(sim::ScaleEvent ev);
  sim::PoolSample Sample() const;
  int Current() const;  // starting + ready (what the autoscaler counts)

  boost::asio::any_io_executor executor_;
  EngineOptions options_;
  std::chrono::steady_clock::time_point start_;
  std::vector<Slot> slots_;
  sim::Router router_;
  std::vector<sim::ReplicaLoad> loads_;
  std::deque<Queued> queue_;
  std::unordered_map<uint64_t, EngineCallbacks> callbacks_;  // requests in flight
  std::unordered_map<uint64_t, size_t> where_;               // request -> slot, once routed
  std::unordered_set<uint64_t> cancelled_;                   // cancelled in a step in flight
  std::optional<sim::PoolAutoscaler> autoscaler_;
  std::optional<sim::PoolSignals> signals_;
  std::vector<sim::ScaleEvent> scales_;
  boost::asio::steady_timer sync_timer_, poll_timer_, crash_timer_;
  std::mt19937_64 rng_;
  std::shared_ptr<bool> alive_;  // false once destroyed: handlers that run later do nothing
};

}  // namespace aiinfra::serve
