#include "sim/simulation.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <queue>

namespace aiinfra::sim {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();

// Event kinds in the order they run at equal times; arrivals sit between kReady and kSync.
enum Kind : int { kStepEnd = 0, kReady = 1, kArrival = 2, kSync = 3, kSample = 4 };

struct Event {
  double time;
  int kind;
  uint64_t order;  // insertion order: ties between equal (time, kind) stay FIFO
  int slot;
  bool operator>(const Event& o) const {
    if (time != o.time) return time > o.time;
    if (kind != o.kind) return kind > o.kind;
    return order > o.order;
  }
};

class Loop : public ReplicaSink {
 public:
  Loop(const PoolSpec& pool, ArrivalSource& source, SimObserver& observer,
       const SimOptions& options)
      : pool_(pool), source_(source), observer_(observer), options_(options), router_(pool.router) {
    if (pool.autoscaler) hpa_.emplace(pool.autoscaler->hpa);
  }

  SimResult Run() {
    for (int i = 0; i < pool_.initial_replicas; ++i) AddSlot(State::kReady, 0);
    if (hpa_) Push(hpa_->config().sync_period, kSync, -1);
    if (options_.sample_interval > 0) Push(options_.sample_interval, kSample, -1);
    next_ = source_.Next();
    const double stop = options_.drain ? options_.horizon + options_.drain_limit : options_.horizon;
    while (true) {
      const double t_arrival =
          next_ && next_->seq->arrival <= options_.horizon ? next_->seq->arrival : kNever;
      const bool event_first =
          !events_.empty() && (events_.top().time < t_arrival ||
                               (events_.top().time == t_arrival && events_.top().kind < kArrival));
      const double t = event_first ? events_.top().time : t_arrival;
      if (t == kNever || t > stop) break;
      if (t_arrival == kNever && Quiet()) break;  // only ticks left
      now_ = t;
      if (event_first) {
        const Event e = events_.top();
        events_.pop();
        Handle(e);
      } else {
        Arrive();
      }
    }
    Finish();
    return result_;
  }

  void OnToken(const Sequence& seq, double t) override { observer_.OnToken(seq, current_, t); }
  void OnFinish(std::unique_ptr<Sequence> seq, double t) override {
    ++result_.finished;
    observer_.OnFinish(std::move(seq), current_, t);
  }

 private:
  enum class State { kStarting, kReady, kDraining, kGone };
  struct Slot {
    std::unique_ptr<Replica> replica;
    State state = State::kStarting;
    bool stepping = false;
  };

  void Push(double time, int kind, int slot) { events_.push({time, kind, order_++, slot}); }

  void AddSlot(State state, double ready_at) {
    Slot s;
    s.replica = std::make_unique<Replica>(pool_.make_replica());
    s.state = state;
    slots_.push_back(std::move(s));
    if (state == State::kStarting) Push(ready_at, kReady, static_cast<int>(slots_.size()) - 1);
    result_.peak_replicas =
        std::max(result_.peak_replicas, Count(State::kReady) + Count(State::kStarting));
  }

  int Count(State state) const {
    return static_cast<int>(std::count_if(slots_.begin(), slots_.end(),
                                          [&](const Slot& s) { return s.state == state; }));
  }

  // Nothing in flight: no queued request, no replica with work.
  bool Quiet() const {
    if (!queue_.empty()) return false;
    return std::all_of(slots_.begin(), slots_.end(), [](const Slot& s) {
      return s.state == State::kGone || (!s.stepping && s.replica->idle());
    });
  }

  void Arrive() {
    ++result_.arrivals;
    queue_.push_back(std::move(*next_));
    next_ = source_.Next();
    Dispatch();
  }

  void Dispatch() {
    while (!queue_.empty()) {
      loads_.resize(slots_.size());
      for (size_t i = 0; i < slots_.size(); ++i) {
        const Slot& s = slots_[i];
        loads_[i] = {.ready = s.state == State::kReady,
                     .running = static_cast<int64_t>(s.replica->running()),
                     .waiting = static_cast<int64_t>(s.replica->waiting()),
                     .kv_usage = s.replica->kv().usage()};
      }
      Arrival& a = queue_.front();
      const int pick = router_.Route(loads_, {.session = a.session, .hashes = &a.seq->hashes});
      if (pick < 0) return;
      slots_[pick].replica->Enqueue(std::move(a.seq));
      queue_.pop_front();
      Kick(pick);
    }
  }

  void Kick(int i) {
    Slot& s = slots_[i];
    if (s.stepping || (s.state != State::kReady && s.state != State::kDraining)) return;
    if (auto d = s.replica->StartStep(now_)) {
      s.stepping = true;
      Push(now_ + *d, kStepEnd, i);
    } else if (s.state == State::kDraining && s.replica->idle()) {
      s.state = State::kGone;
      router_.Forget(i);
    }
  }

  void Handle(const Event& e) {
    switch (e.kind) {
      case kStepEnd: {
        Slot& s = slots_[e.slot];
        current_ = e.slot;
        s.replica->FinishStep(now_, *this);
        s.stepping = false;
        ++result_.steps;
        Kick(e.slot);
        break;
      }
      case kReady:
        if (slots_[e.slot].state == State::kStarting) {
          slots_[e.slot].state = State::kReady;
          Dispatch();
        }
        break;
      case kSync:
        Autoscale();
        if (now_ < options_.horizon || !Quiet()) Push(now_ + hpa_->config().sync_period, kSync, -1);
        break;
      case kSample:
        observer_.OnSample(Sample());
        if (now_ < options_.horizon || !Quiet()) {
          Push(now_ + options_.sample_interval, kSample, -1);
        }
        break;
    }
  }

  PoolSample Sample() const {
    PoolSample p;
    p.time = now_;
    double kv = 0;
    for (const Slot& s : slots_) {
      if (s.state == State::kGone) continue;
      p.running += static_cast<int64_t>(s.replica->running());
      p.waiting += static_cast<int64_t>(s.replica->waiting());
      if (s.state == State::kReady) {
        ++p.replicas_ready;
        kv += s.replica->kv().usage();
      }
      if (s.state == State::kStarting) ++p.replicas_starting;
      if (s.state == State::kDraining) ++p.replicas_draining;
    }
    p.waiting += static_cast<int64_t>(queue_.size());
    p.kv_usage = p.replicas_ready ? kv / p.replicas_ready : 0;
    return p;
  }

  void Autoscale() {
    const AutoscalerSpec& spec = *pool_.autoscaler;
    const PoolSample p = Sample();
    const int ready = p.replicas_ready;
    const int starting = p.replicas_starting;
    const int current = ready + starting;
    double value = 0;
    if (ready > 0) {
      value = spec.metric == ScaleMetric::kKvUsage
                  ? p.kv_usage
                  : static_cast<double>(p.running + p.waiting) / ready;
    }
    ScaleEvent ev;
    ev.time = now_;
    ev.from = current;
    ev.decision = hpa_->Decide(now_, current, ready, starting, {{value, spec.target}});
    ev.to = ev.decision.desired;
    for (int i = current; i < ev.to; ++i)
      AddSlot(State::kStarting, now_ + pool_.cold_start.total());
    for (int i = ev.to; i < current; ++i) RemoveOne();
    if (ev.to != current) observer_.OnScale(ev);
  }

  // Scale-down victim: the newest replica still starting, else the ready one with the least
  // work (latest index among equals).
  void RemoveOne() {
    int victim = -1;
    for (int i = static_cast<int>(slots_.size()) - 1; i >= 0 && victim < 0; --i) {
      if (slots_[i].state == State::kStarting) victim = i;
    }
    if (victim >= 0) {
      slots_[victim].state = State::kGone;
      return;
    }
    int64_t least = std::numeric_limits<int64_t>::max();
    for (int i = static_cast<int>(slots_.size()) - 1; i >= 0; --i) {
      const Slot& s = slots_[i];
      if (s.state != State::kReady) continue;
      const int64_t load = static_cast<int64_t>(s.replica->running() + s.replica->waiting());
      if (load < least) {
        least = load;
        victim = i;
      }
    }
    if (victim < 0) return;
    slots_[victim].state = State::kDraining;
    Kick(victim);  // gone at once when idle
  }

  void Finish() {
    result_.end_time = now_;
    for (auto& a : queue_) {
      ++result_.unfinished;
      observer_.OnUnfinished(std::move(a.seq), now_);
    }
    queue_.clear();
    for (Slot& s : slots_) {
      result_.preemptions += s.replica->preemptions();
      result_.prefix_queried_tokens += s.replica->kv().queried_tokens;
      result_.prefix_hit_tokens += s.replica->kv().hit_tokens;
      if (s.stepping) s.replica->AbortStep();  // cut by the stop time
      for (auto& seq : s.replica->TakeAll()) {
        ++result_.unfinished;
        observer_.OnUnfinished(std::move(seq), now_);
      }
    }
  }

  const PoolSpec& pool_;
  ArrivalSource& source_;
  SimObserver& observer_;
  const SimOptions& options_;
  Router router_;
  std::optional<Hpa> hpa_;
  std::vector<Slot> slots_;
  std::vector<ReplicaLoad> loads_;
  std::deque<Arrival> queue_;  // requests no ready replica could take yet
  std::optional<Arrival> next_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  uint64_t order_ = 0;
  double now_ = 0;
  int current_ = -1;
  SimResult result_;
};

}  // namespace

SimResult Simulate(const PoolSpec& pool, ArrivalSource& source, SimObserver& observer,
                   const SimOptions& options) {
  Loop loop(pool, source, observer, options);
  return loop.Run();
}

}  // namespace aiinfra::sim
