#include "serve/engine.h"

#include <algorithm>
#include <limits>

namespace aiinfra::serve {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {
constexpr double kNever = std::numeric_limits<double>::infinity();
}  // namespace

const char* PhaseName(ReplicaState::Phase phase) {
  switch (phase) {
    case ReplicaState::Phase::kStarting:
      return "starting";
    case ReplicaState::Phase::kReady:
      return "ready";
    case ReplicaState::Phase::kDraining:
      return "draining";
    case ReplicaState::Phase::kRestarting:
      return "restarting";
  }
  return "ready";
}

// Turns a replica's reports into the requests' callbacks and the autoscaler's signals.
class RealtimeEngine::Sink : public sim::ReplicaSink {
 public:
  explicit Sink(RealtimeEngine& engine) : engine_(engine) {}
  void OnToken(const sim::Sequence& seq, double t) override {
    if (sim::PoolSignals* s = engine_.signals_ ? &*engine_.signals_ : nullptr) {
      s->OutputToken(t);
      if (seq.t_last < 0) {
        s->Latency(sim::Signal::kTtft, t, t - seq.arrival);
      } else {
        s->Latency(sim::Signal::kItl, t, t - seq.t_last);
      }
    }
    auto it = engine_.callbacks_.find(seq.id);
    if (it != engine_.callbacks_.end() && it->second.on_token) it->second.on_token(seq, t);
  }
  void OnFinish(std::unique_ptr<sim::Sequence> seq, double t) override {
    if (sim::PoolSignals* s = engine_.signals_ ? &*engine_.signals_ : nullptr) {
      s->Latency(sim::Signal::kE2e, t, t - seq->arrival);
      if (seq->generated > 1) {
        s->Latency(sim::Signal::kTpot, t, (t - seq->t_first) / (seq->generated - 1));
      }
      if (seq->t_sched >= 0) s->Latency(sim::Signal::kQueue, t, seq->t_sched - seq->arrival);
    }
    engine_.where_.erase(seq->id);
    const bool cut = engine_.cancelled_.erase(seq->id) > 0;
    engine_.Done(*seq, t, cut ? Ending::kCancelled : Ending::kFinished);
  }

 private:
  RealtimeEngine& engine_;
};

RealtimeEngine::RealtimeEngine(asio::any_io_executor executor, EngineOptions options)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      start_(Clock::now()),
      router_(options_.pool.router),
      sync_timer_(executor_),
      poll_timer_(executor_),
      crash_timer_(executor_),
      rng_(options_.faults.seed),
      alive_(std::make_shared<bool>(true)) {
  for (int i = 0; i < options_.pool.initial_replicas; ++i) AddReplica(true, 0);
  if (options_.pool.autoscaler) {
    autoscaler_.emplace(*options_.pool.autoscaler);
    signals_ = sim::SignalsFor(*options_.pool.autoscaler);
    const double sync = options_.pool.autoscaler->hpa.sync_period;
    sync_timer_.expires_at(At(sync));
    sync_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
      if (!ec && *alive) Sync();
    });
    if (options_.pool.autoscaler->keda) {
      poll_timer_.expires_at(At(options_.pool.autoscaler->keda->polling_interval));
      poll_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
        if (!ec && *alive) Poll();
      });
    }
  }
}

RealtimeEngine::~RealtimeEngine() {
  *alive_ = false;
  for (Slot& s : slots_) s.timer->cancel();
  sync_timer_.cancel();
  poll_timer_.cancel();
  crash_timer_.cancel();
}

double RealtimeEngine::Now() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

Clock::time_point RealtimeEngine::At(double t) const {
  return start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(t));
}

void RealtimeEngine::Submit(std::unique_ptr<sim::Sequence> seq, uint64_t session,
                            EngineCallbacks callbacks) {
  seq->arrival = Now();
  if (signals_) signals_->Arrival(seq->arrival);
  callbacks_[seq->id] = std::move(callbacks);
  queue_.push_back({std::move(seq), session});
  Dispatch();
}

void RealtimeEngine::Cancel(uint64_t id) {
  if (!callbacks_.contains(id)) return;
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->seq->id == id) {
      std::unique_ptr<sim::Sequence> seq = std::move(it->seq);
      queue_.erase(it);
      Done(*seq, Now(), Ending::kCancelled);
      return;
    }
  }
  const auto at = where_.find(id);
  if (at == where_.end()) return;
  const size_t i = at->second;
  if (std::unique_ptr<sim::Sequence> seq = slots_[i].replica->Cancel(id)) {
    where_.erase(at);
    Done(*seq, Now(), Ending::kCancelled);
    MaybeLeave(i);
    return;
  }
  cancelled_.insert(id);  // in the step in flight: it ends with that step, through the sink
}

void RealtimeEngine::Dispatch() {
  while (!queue_.empty()) {
    loads_.resize(slots_.size());
    for (size_t i = 0; i < slots_.size(); ++i) {
      const Slot& s = slots_[i];
      if (s.gone || s.phase != Phase::kReady) {
        loads_[i] = {.ready = false};
        continue;
      }
      const sim::Replica& r = *s.replica;
      loads_[i] = {.ready = true,
                   .running = static_cast<int64_t>(r.running()),
                   .waiting = static_cast<int64_t>(r.waiting()),
                   .kv_usage = r.kv().usage()};
    }
    Queued& q = queue_.front();
    const int pick = router_.Route(loads_, {.session = q.session, .hashes = &q.seq->hashes});
    if (pick < 0) return;
    where_[q.seq->id] = static_cast<size_t>(pick);
    slots_[pick].replica->Enqueue(std::move(q.seq));
    queue_.pop_front();
    Kick(static_cast<size_t>(pick), std::nullopt);
  }
}

void RealtimeEngine::Kick(size_t i, std::optional<double> at) {
  Slot& s = slots_[i];
  if (s.stepping || s.gone || (s.phase != Phase::kReady && s.phase != Phase::kDraining)) return;
  // A busy replica starts its next step when the last one was due to end, not when the timer
  // woke us: lateness of the timer does not add up over a long stream.
  const double now = at.value_or(Now());
  std::optional<double> d = s.replica->StartStep(now);
  if (!d) return;
  const EngineFaults& f = options_.faults;
  if (f.spike_probability > 0 &&
      std::uniform_real_distribution<double>(0, 1)(rng_) < f.spike_probability) {
    *d += f.spike_seconds;
  }
  s.stepping = true;
  s.step_end = At(now + *d);
  s.timer->expires_at(s.step_end);
  s.timer->async_wait(
      [this, i, epoch = s.epoch, alive = alive_](const boost::system::error_code& ec) {
        if (ec || !*alive || slots_[i].epoch != epoch) return;
        StepEnded(i);
      });
}

void RealtimeEngine::StepEnded(size_t i) {
  Slot& s = slots_[i];
  Sink sink(*this);
  const double end = std::chrono::duration<double>(s.step_end - start_).count();
  // Still "stepping" while the step's tokens are handed out: a callback that submits or
  // cancels must not start this replica's next step inside FinishStep.
  s.replica->FinishStep(end, sink);
  s.stepping = false;
  Kick(i, end);
  MaybeLeave(i);
  Dispatch();
}

void RealtimeEngine::Done(const sim::Sequence& seq, double t, Ending ending) {
  auto it = callbacks_.find(seq.id);
  if (it == callbacks_.end()) return;
  EngineCallbacks callbacks = std::move(it->second);
  callbacks_.erase(it);
  if (callbacks.on_done) callbacks.on_done(seq, t, ending);
}

// --- Replicas coming and going ------------------------------------------------------------

void RealtimeEngine::AddReplica(bool ready_now, double delay) {
  size_t i = 0;
  while (i < slots_.size() && !(slots_[i].gone && !slots_[i].stepping)) ++i;
  if (i == slots_.size()) {
    Slot s;
    s.timer = std::make_unique<asio::steady_timer>(executor_);
    slots_.push_back(std::move(s));
  }
  Slot& s = slots_[i];
  s.replica = std::make_unique<sim::Replica>(options_.pool.make_replica());
  s.gone = false;
  s.stepping = false;
  ++s.epoch;
  s.crash_at = kNever;
  if (ready_now) {
    Ready(i);
    return;
  }
  s.phase = Phase::kStarting;
  s.timer->expires_at(At(Now() + delay));
  s.timer->async_wait(
      [this, i, epoch = s.epoch, alive = alive_](const boost::system::error_code& ec) {
        if (ec || !*alive || slots_[i].epoch != epoch) return;
        Ready(i);
      });
}

void RealtimeEngine::Ready(size_t i) {
  Slot& s = slots_[i];
  s.phase = Phase::kReady;
  const double mtbf = options_.faults.crash_mtbf;
  s.crash_at = mtbf > 0 ? Now() + std::exponential_distribution<double>(1 / mtbf)(rng_) : kNever;
  ArmCrashTimer();
  Dispatch();
}

int RealtimeEngine::Current() const {
  int n = 0;
  for (const Slot& s : slots_) n += !s.gone && s.phase != Phase::kDraining;
  return n;
}

void RealtimeEngine::RemoveOne() {
  // A replica not yet serving goes first (the newest), as the simulation's scale-down does.
  for (Phase phase : {Phase::kStarting, Phase::kRestarting}) {
    for (size_t i = slots_.size(); i-- > 0;) {
      Slot& s = slots_[i];
      if (s.gone || s.phase != phase) continue;
      ++s.epoch;
      s.timer->cancel();
      s.gone = true;
      s.replica.reset();
      return;
    }
  }
  size_t victim = slots_.size();
  size_t least = std::numeric_limits<size_t>::max();
  for (size_t i = slots_.size(); i-- > 0;) {
    const Slot& s = slots_[i];
    if (s.gone || s.phase != Phase::kReady) continue;
    const size_t work = s.replica->running() + s.replica->waiting();
    if (work < least) {
      least = work;
      victim = i;
    }
  }
  if (victim == slots_.size()) return;
  slots_[victim].phase = Phase::kDraining;
  slots_[victim].crash_at = kNever;
  MaybeLeave(victim);
}

void RealtimeEngine::MaybeLeave(size_t i) {
  Slot& s = slots_[i];
  if (s.gone || s.phase != Phase::kDraining || s.stepping || !s.replica->idle()) return;
  s.gone = true;
  s.replica.reset();
}

// --- Faults ---------------------------------------------------------------------------------

bool RealtimeEngine::Crash(size_t index) {
  size_t listed = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].gone) continue;
    if (listed++ == index) {
      if (slots_[i].phase != Phase::kReady) return false;
      CrashSlot(i);
      return true;
    }
  }
  return false;
}

void RealtimeEngine::CrashSlot(size_t i) {
  Slot& s = slots_[i];
  ++s.epoch;
  s.timer->cancel();
  if (s.stepping) s.replica->AbortStep();
  s.stepping = false;
  std::vector<std::unique_ptr<sim::Sequence>> lost = s.replica->TakeAll();
  const double now = Now();
  const size_t failed = lost.size();
  // The pod restarts in place: a fresh engine (empty KV cache), after the restart time.
  s.replica = std::make_unique<sim::Replica>(options_.pool.make_replica());
  s.phase = Phase::kRestarting;
  s.crash_at = kNever;
  const double delay = options_.faults.restart_seconds >= 0 ? options_.faults.restart_seconds
                                                            : options_.pool.cold_start.total();
  s.timer->expires_at(At(now + delay));
  s.timer->async_wait(
      [this, i, epoch = s.epoch, alive = alive_](const boost::system::error_code& ec) {
        if (ec || !*alive || slots_[i].epoch != epoch) return;
        Ready(i);
      });
  if (options_.on_crash) options_.on_crash(static_cast<int>(i), now, failed);
  for (std::unique_ptr<sim::Sequence>& seq : lost) {
    where_.erase(seq->id);
    cancelled_.erase(seq->id);
    Done(*seq, now, Ending::kFailed);
  }
}

void RealtimeEngine::ArmCrashTimer() {
  if (options_.faults.crash_mtbf <= 0) return;
  double next = kNever;
  for (const Slot& s : slots_) {
    if (!s.gone && s.phase == Phase::kReady) next = std::min(next, s.crash_at);
  }
  crash_timer_.cancel();
  if (next == kNever) return;
  crash_timer_.expires_at(At(next));
  crash_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    const double now = Now();
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (!slots_[i].gone && slots_[i].phase == Phase::kReady && slots_[i].crash_at <= now) {
        CrashSlot(i);
      }
    }
    ArmCrashTimer();
  });
}

// --- Autoscaling ----------------------------------------------------------------------------

sim::PoolSample RealtimeEngine::Sample() const {
  sim::PoolSample out;
  out.time = Now();
  double kv = 0;
  for (const Slot& s : slots_) {
    if (s.gone) continue;
    if (s.phase == Phase::kReady) {
      ++out.replicas_ready;
      kv += s.replica->kv().usage();
    } else if (s.phase == Phase::kDraining) {
      ++out.replicas_draining;
    } else {
      ++out.replicas_starting;
    }
    out.running += static_cast<int64_t>(s.replica->running());
    out.waiting += static_cast<int64_t>(s.replica->waiting());
  }
  out.waiting += static_cast<int64_t>(queue_.size());
  out.kv_usage = out.replicas_ready ? kv / out.replicas_ready : 0;
  return out;
}

void RealtimeEngine::Sync() {
  const sim::PoolSignals* signals = signals_ ? &*signals_ : nullptr;
  if (auto ev = autoscaler_->Sync(Now(), 0, Current(), Sample(), signals)) Resize(std::move(*ev));
  sync_timer_.expires_at(sync_timer_.expiry() +
                         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                             options_.pool.autoscaler->hpa.sync_period)));
  sync_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!ec && *alive) Sync();
  });
}

void RealtimeEngine::Poll() {
  const sim::PoolSignals* signals = signals_ ? &*signals_ : nullptr;
  if (auto ev = autoscaler_->Poll(Now(), 0, Current(), Sample(), signals)) Resize(std::move(*ev));
  poll_timer_.expires_at(poll_timer_.expiry() +
                         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                             options_.pool.autoscaler->keda->polling_interval)));
  poll_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!ec && *alive) Poll();
  });
}

void RealtimeEngine::Resize(sim::ScaleEvent ev) {
  for (int i = ev.from; i < ev.to; ++i) AddReplica(false, options_.pool.cold_start.total());
  for (int i = ev.to; i < ev.from; ++i) RemoveOne();
  if (ev.to == ev.from) return;
  if (options_.on_scale) options_.on_scale(ev);
  scales_.push_back(std::move(ev));
  Dispatch();
}

// --- State ----------------------------------------------------------------------------------

std::vector<ReplicaState> RealtimeEngine::replicas() const {
  std::vector<ReplicaState> out;
  for (const Slot& s : slots_) {
    if (s.gone) continue;
    const sim::Replica& r = *s.replica;
    out.push_back({.phase = s.phase,
                   .running = r.running(),
                   .waiting = r.waiting(),
                   .kv_usage = r.kv().usage(),
                   .steps = r.steps(),
                   .preemptions = r.preemptions(),
                   .prefix_queried_tokens = r.kv().queried_tokens,
                   .prefix_hit_tokens = r.kv().hit_tokens});
  }
  return out;
}

void RealtimeEngine::Abort() {
  sync_timer_.cancel();
  poll_timer_.cancel();
  crash_timer_.cancel();
  const double now = Now();
  while (!queue_.empty()) {
    std::unique_ptr<sim::Sequence> seq = std::move(queue_.front().seq);
    queue_.pop_front();
    Done(*seq, now, Ending::kFailed);
  }
  for (Slot& s : slots_) {
    ++s.epoch;
    s.timer->cancel();
    if (s.gone) continue;
    if (s.stepping) s.replica->AbortStep();
    s.stepping = false;
    for (std::unique_ptr<sim::Sequence>& seq : s.replica->TakeAll()) {
      Done(*seq, now, Ending::kFailed);
    }
  }
  where_.clear();
  cancelled_.clear();
}

}  // namespace aiinfra::serve
