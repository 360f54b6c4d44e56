#include "sim/simulation.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <queue>

#include "sim/autoscaler.h"

namespace aiinfra::sim {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();

// Event kinds in the order they run at equal times; arrivals sit between kTransferDone and
// kSync.
enum Kind : int {
  kStepEnd = 0,
  kReady = 1,
  kTransferDone = 2,
  kArrival = 3,  // closed-loop requests (the source's open-loop ones go first at equal times)
  kKeda = 4,
  kSync = 5,
  kPlan = 6,
  kSample = 7
};

struct Event {
  double time;
  int kind;
  uint64_t order;  // insertion order: ties between equal (time, kind) stay FIFO
  int pool;
  int slot;  // replica, or the transfer's index
  bool operator>(const Event& o) const {
    if (time != o.time) return time > o.time;
    if (kind != o.kind) return kind > o.kind;
    return order > o.order;
  }
};

enum class State { kPending, kStarting, kReady, kDraining, kGone };

struct Slot {
  std::unique_ptr<Replica> replica;
  State state = State::kStarting;
  bool stepping = false;
  double link_free_at = 0;  // prefill replicas: when their KV link is free again
  double busy = 0;          // seconds with a step in flight
  Placement placed;         // the GPUs it holds
  double since = -1;        // when it took its GPUs; -1: holds none
};

struct Pool {
  const PoolSpec* spec = nullptr;
  Router router;
  std::optional<PoolAutoscaler> autoscaler;  // the pool's own (not under the planner)
  std::vector<Slot> slots;
  std::vector<ReplicaLoad> loads;
  std::deque<Arrival> queue;           // requests no ready replica could take yet
  std::optional<PoolSignals> signals;  // SignalsFor, when the autoscaler reads any

  // `autoscaled`: whether the pool's own autoscaler runs (not under the planner).
  Pool(const PoolSpec& s, bool autoscaled) : spec(&s), router(s.router) {
    if (autoscaled && s.autoscaler) {
      autoscaler.emplace(*s.autoscaler);
      signals = SignalsFor(*s.autoscaler);
    }
  }
  Pool(const Pool&) = delete;
  Pool(Pool&&) = default;
  int Count(State state) const {
    return static_cast<int>(
        std::count_if(slots.begin(), slots.end(), [&](const Slot& x) { return x.state == state; }));
  }
  int Current() const {
    return Count(State::kReady) + Count(State::kStarting) + Count(State::kPending);
  }
  bool Quiet() const {
    return queue.empty() && std::all_of(slots.begin(), slots.end(), [](const Slot& x) {
             return x.state == State::kGone || (!x.stepping && x.replica->idle());
           });
  }
};

// Planner inputs gathered over one interval.
struct Interval {
  double requests = 0, isl_sum = 0;
  double finished = 0, osl_sum = 0;
  double ttft_sum = 0, ttft_count = 0;
  double itl_sum = 0, itl_count = 0;
};

class Loop : public ReplicaSink {
 public:
  Loop(const ClusterSpec& cluster, ArrivalSource& source, SimObserver& observer,
       const SimOptions& options)
      : cluster_(cluster),
        source_(source),
        observer_(observer),
        options_(options),
        capacity_(cluster.capacity) {
    // The planner, when there is one, replaces the pools' own autoscalers.
    pools_.emplace_back(cluster.pool, !cluster.planner);
    if (cluster.decode) pools_.emplace_back(*cluster.decode, !cluster.planner);
    if (cluster.planner) {
      planner_.emplace(cluster.planner->config, cluster.planner->prefill, cluster.planner->decode);
    }
  }

  SimResult Run() {
    for (size_t p = 0; p < pools_.size(); ++p) {
      const int pool = static_cast<int>(p);
      for (int i = 0; i < pools_[p].spec->initial_replicas; ++i) AddSlot(pool, true);
      if (pools_[p].autoscaler) Push(pools_[p].spec->autoscaler->hpa.sync_period, kSync, pool, -1);
      if (const auto& a = pools_[p].spec->autoscaler; pools_[p].autoscaler && a->keda) {
        Push(a->keda->polling_interval, kKeda, pool, -1);
      }
    }
    if (planner_) Push(planner_->config().interval, kPlan, -1, -1);
    if (options_.sample_interval > 0) Push(options_.sample_interval, kSample, -1, -1);
    for (Arrival& a : source_.Start()) Inject(std::move(a));
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
        Arrival a = std::move(*next_);
        next_ = source_.Next();
        Admit(std::move(a));
      }
    }
    Finish();
    return result_;
  }

  void OnToken(const Sequence& seq, double t) override {
    std::optional<PoolSignals>& signals = pools_[current_pool_].signals;
    if (signals) signals->OutputToken(t);
    if (seq.prefill_only) {
      // A prefill replica's token: its own metrics count it, the client never sees it.
      if (signals) signals->Latency(Signal::kTtft, t, t - seq.arrival);
      return;
    }
    if (seq.generated == 1) {
      if (signals) signals->Latency(Signal::kTtft, t, t - seq.arrival);
      interval_.ttft_sum += t - seq.arrival;
      ++interval_.ttft_count;
    } else if (seq.t_last >= 0) {
      if (signals) signals->Latency(Signal::kItl, t, t - seq.t_last);
      interval_.itl_sum += t - seq.t_last;
      ++interval_.itl_count;
    }
    observer_.OnToken(seq, current_pool_, current_slot_, t);
  }

  void OnFinish(std::unique_ptr<Sequence> seq, double t) override {
    if (!seq->prefill_only) {
      ++result_.finished;
      if (std::optional<PoolSignals>& signals = pools_[current_pool_].signals) {
        signals->Latency(Signal::kE2e, t, t - seq->arrival);
        if (seq->generated > 1 && seq->t_first >= 0) {
          signals->Latency(Signal::kTpot, t, (t - seq->t_first) / (seq->generated - 1));
        }
        if (seq->t_sched >= 0) signals->Latency(Signal::kQueue, t, seq->t_sched - seq->arrival);
      }
      ++interval_.finished;
      interval_.osl_sum += seq->generated;
      if (auto next = source_.FollowUp(*seq, t); next && next->seq->arrival <= options_.horizon) {
        Inject(std::move(*next));
      }
      observer_.OnFinish(std::move(seq), current_pool_, current_slot_, t);
      return;
    }
    // Prefilled: its KV cache goes to the decode pool over the prefill replica's link.
    Slot& from = pools_[0].slots[current_slot_];
    const KvTransferSpec& x = cluster_.transfer;
    const double start = std::max(t, from.link_free_at);
    const double bytes = x.bytes ? x.bytes(*seq) : 0;
    const double busy = x.bandwidth > 0 ? bytes / x.bandwidth : 0;
    from.link_free_at = start + busy;
    const double done = start + busy + x.latency;
    // The decode replica has the prompt's KV and computes the last prompt token again to get
    // the first output token (as vLLM does with external KV); the prefill's token is dropped.
    seq->prefill_only = false;
    seq->generated = 0;
    seq->computed = std::max<int64_t>(seq->n_in - 1, 0);
    seq->t_first = seq->t_last = -1;
    const int index = Store(transfers_, free_transfers_, Parked{std::move(seq), done - t});
    ++transfers_in_flight_;
    Push(done, kTransferDone, 1, index);
  }

 private:
  // A request parked outside the pools: in a KV transfer, or a closed-loop request not yet sent.
  // Records are reused, so memory stays bounded by what is in flight.
  struct Parked {
    std::unique_ptr<Sequence> seq;
    double seconds = 0;  // transfers: seconds in transfer
    uint64_t session = 0;
  };

  static int Store(std::vector<Parked>& store, std::vector<int>& free, Parked x) {
    int index;
    if (free.empty()) {
      index = static_cast<int>(store.size());
      store.emplace_back();
    } else {
      index = free.back();
      free.pop_back();
    }
    store[index] = std::move(x);
    return index;
  }

  void Push(double time, int kind, int pool, int slot) {
    events_.push({time, kind, order_++, pool, slot});
  }

  void Inject(Arrival a) {
    const double at = a.seq->arrival;
    const int index = Store(injected_, free_injected_, Parked{std::move(a.seq), 0, a.session});
    ++injected_pending_;
    Push(at, kArrival, 0, index);
  }

  void Admit(Arrival a) {
    ++result_.arrivals;
    if (pools_[0].signals) pools_[0].signals->Arrival(now_);
    ++interval_.requests;
    interval_.isl_sum += a.seq->n_in;
    if (pools_.size() > 1) a.seq->prefill_only = true;
    pools_[0].queue.push_back(std::move(a));
    Dispatch(0);
  }

  // --- Capacity -------------------------------------------------------------------------------

  // Takes GPUs for a replica of pool `p`; false when the cluster has no room.
  bool Place(int p, Slot& s) {
    const PoolSpec& spec = *pools_[p].spec;
    if (!capacity_.Place(spec.system, spec.gpus, s.placed)) return false;
    s.since = now_;
    return true;
  }

  // A replica left: its GPUs go back and pending replicas, oldest pool first, are placed.
  void Release(int p, Slot& s) {
    if (s.since >= 0) result_.gpu_seconds += pools_[p].spec->gpus * (now_ - s.since);
    s.since = -1;
    capacity_.Release(pools_[p].spec->system, s.placed);
    for (size_t q = 0; q < pools_.size(); ++q) {
      for (size_t i = 0; i < pools_[q].slots.size(); ++i) {
        Slot& x = pools_[q].slots[i];
        if (x.state == State::kPending && Place(static_cast<int>(q), x)) {
          x.state = State::kStarting;
          Push(now_ + pools_[q].spec->cold_start.total(), kReady, static_cast<int>(q),
               static_cast<int>(i));
        }
      }
    }
  }

  void Leave(int p, int i) {
    Slot& s = pools_[p].slots[i];
    s.state = State::kGone;
    pools_[p].router.Forget(i);
    Release(p, s);
  }

  // --- Replicas -------------------------------------------------------------------------------

  void AddSlot(int p, bool ready) {
    Pool& pool = pools_[p];
    Slot s;
    s.replica = std::make_unique<Replica>(pool.spec->make_replica());
    if (!Place(p, s)) {
      s.state = State::kPending;
    } else {
      s.state = ready ? State::kReady : State::kStarting;
    }
    pool.slots.push_back(std::move(s));
    if (pool.slots.back().state == State::kStarting) {
      Push(now_ + pool.spec->cold_start.total(), kReady, p,
           static_cast<int>(pool.slots.size()) - 1);
    }
    int total = 0;
    for (const Pool& q : pools_) total += q.Current();
    result_.peak_replicas = std::max(result_.peak_replicas, total);
  }

  bool Quiet() const {
    if (transfers_in_flight_ > 0 || injected_pending_ > 0) return false;
    return std::all_of(pools_.begin(), pools_.end(), [](const Pool& p) { return p.Quiet(); });
  }

  void Dispatch(int p) {
    Pool& pool = pools_[p];
    while (!pool.queue.empty()) {
      pool.loads.resize(pool.slots.size());
      for (size_t i = 0; i < pool.slots.size(); ++i) {
        const Slot& s = pool.slots[i];
        pool.loads[i] = {.ready = s.state == State::kReady,
                         .running = static_cast<int64_t>(s.replica->running()),
                         .waiting = static_cast<int64_t>(s.replica->waiting()),
                         .kv_usage = s.replica->kv().usage()};
      }
      Arrival& a = pool.queue.front();
      const int pick =
          pool.router.Route(pool.loads, {.session = a.session, .hashes = &a.seq->hashes});
      if (pick < 0) return;
      pool.slots[pick].replica->Enqueue(std::move(a.seq));
      pool.queue.pop_front();
      Kick(p, pick);
    }
  }

  void Kick(int p, int i) {
    Slot& s = pools_[p].slots[i];
    if (s.stepping || (s.state != State::kReady && s.state != State::kDraining)) return;
    if (auto d = s.replica->StartStep(now_)) {
      s.stepping = true;
      s.busy += *d;
      Push(now_ + *d, kStepEnd, p, i);
    } else if (s.state == State::kDraining && s.replica->idle()) {
      Leave(p, i);
    }
  }

  void Handle(const Event& e) {
    switch (e.kind) {
      case kStepEnd: {
        Slot& s = pools_[e.pool].slots[e.slot];
        current_pool_ = e.pool;
        current_slot_ = e.slot;
        s.replica->FinishStep(now_, *this);
        s.stepping = false;
        ++result_.steps;
        Kick(e.pool, e.slot);
        break;
      }
      case kReady: {
        Slot& s = pools_[e.pool].slots[e.slot];
        if (s.state == State::kStarting) {
          s.state = State::kReady;
          Dispatch(e.pool);
        }
        break;
      }
      case kTransferDone: {
        Parked& x = transfers_[e.slot];
        ++result_.transfers;
        --transfers_in_flight_;
        observer_.OnTransfer(*x.seq, x.seconds);
        if (pools_[1].signals) pools_[1].signals->Arrival(now_);
        pools_[1].queue.push_back(Arrival{std::move(x.seq), 0});
        free_transfers_.push_back(e.slot);
        Dispatch(1);
        break;
      }
      case kArrival: {
        Parked& x = injected_[e.slot];
        --injected_pending_;
        Arrival a{std::move(x.seq), x.session};
        free_injected_.push_back(e.slot);
        Admit(std::move(a));
        break;
      }
      case kKeda:
        Keda(e.pool);
        if (now_ < options_.horizon || !Quiet()) {
          Push(now_ + pools_[e.pool].spec->autoscaler->keda->polling_interval, kKeda, e.pool, -1);
        }
        break;
      case kSync:
        Autoscale(e.pool);
        if (now_ < options_.horizon || !Quiet()) {
          Push(now_ + pools_[e.pool].spec->autoscaler->hpa.sync_period, kSync, e.pool, -1);
        }
        break;
      case kPlan:
        Plan();
        if (now_ < options_.horizon || !Quiet()) {
          Push(now_ + planner_->config().interval, kPlan, -1, -1);
        }
        break;
      case kSample:
        for (size_t p = 0; p < pools_.size(); ++p) observer_.OnSample(Sample(static_cast<int>(p)));
        if (now_ < options_.horizon || !Quiet())
          Push(now_ + options_.sample_interval, kSample, -1, -1);
        break;
    }
  }

  PoolSample Sample(int p) const {
    const Pool& pool = pools_[p];
    PoolSample out;
    out.pool = p;
    out.time = now_;
    double kv = 0;
    for (const Slot& s : pool.slots) {
      if (s.state == State::kGone) continue;
      out.running += static_cast<int64_t>(s.replica->running());
      out.waiting += static_cast<int64_t>(s.replica->waiting());
      if (s.state == State::kReady) {
        ++out.replicas_ready;
        kv += s.replica->kv().usage();
      }
      if (s.state == State::kStarting || s.state == State::kPending) ++out.replicas_starting;
      if (s.state == State::kPending) ++out.replicas_pending;
      if (s.state == State::kDraining) ++out.replicas_draining;
    }
    out.waiting += static_cast<int64_t>(pool.queue.size());
    out.kv_usage = out.replicas_ready ? kv / out.replicas_ready : 0;
    return out;
  }

  // --- Autoscaling ----------------------------------------------------------------------------

  void Autoscale(int p) {
    Pool& pool = pools_[p];
    const PoolSample s = Sample(p);
    const PoolSignals* signals = pool.signals ? &*pool.signals : nullptr;
    if (auto ev = pool.autoscaler->Sync(now_, p, pool.Current(), s, signals))
      Resize(p, ev->to, *ev);
  }

  void Keda(int p) {
    Pool& pool = pools_[p];
    const PoolSample s = Sample(p);
    const PoolSignals* signals = pool.signals ? &*pool.signals : nullptr;
    if (auto ev = pool.autoscaler->Poll(now_, p, pool.Current(), s, signals))
      Resize(p, ev->to, *ev);
  }

  void Plan() {
    PlannerObservation o;
    o.requests = interval_.requests;
    o.isl = interval_.requests > 0 ? interval_.isl_sum / interval_.requests : 0;
    o.osl = interval_.finished > 0 ? interval_.osl_sum / interval_.finished : 0;
    o.ttft = interval_.ttft_count > 0 ? interval_.ttft_sum / interval_.ttft_count : 0;
    o.itl = interval_.itl_count > 0 ? interval_.itl_sum / interval_.itl_count : 0;
    const PoolSample d = Sample(static_cast<int>(pools_.size()) - 1);
    o.decode_batch = d.replicas_ready ? static_cast<double>(d.running) / d.replicas_ready : 0;
    interval_ = {};
    const PlannerDecision plan = planner_->Decide(o);
    for (size_t p = 0; p < pools_.size(); ++p) {
      ScaleEvent ev;
      ev.pool = static_cast<int>(p);
      ev.time = now_;
      ev.from = pools_[p].Current();
      ev.cause = ScaleEvent::Cause::kPlanner;
      ev.plan = plan;
      Resize(static_cast<int>(p), p == 0 ? plan.prefill : plan.decode, ev);
    }
  }

  void Resize(int p, int to, ScaleEvent& ev) {
    ev.to = to;
    for (int i = ev.from; i < to; ++i) AddSlot(p, false);
    for (int i = to; i < ev.from; ++i) RemoveOne(p);
    if (to != ev.from) observer_.OnScale(ev);
  }

  // Scale-down victim: the newest replica not placed, else the newest still starting, else the
  // ready one with the least work (latest index among equals).
  void RemoveOne(int p) {
    std::vector<Slot>& slots = pools_[p].slots;
    for (State state : {State::kPending, State::kStarting}) {
      for (int i = static_cast<int>(slots.size()) - 1; i >= 0; --i) {
        if (slots[i].state == state) {
          Leave(p, i);
          return;
        }
      }
    }
    int victim = -1;
    int64_t least = std::numeric_limits<int64_t>::max();
    for (int i = static_cast<int>(slots.size()) - 1; i >= 0; --i) {
      const Slot& s = slots[i];
      if (s.state != State::kReady) continue;
      const int64_t load = static_cast<int64_t>(s.replica->running() + s.replica->waiting());
      if (load < least) {
        least = load;
        victim = i;
      }
    }
    if (victim < 0) return;
    slots[victim].state = State::kDraining;
    Kick(p, victim);  // gone at once when idle
  }

  void Unfinished(std::unique_ptr<Sequence> seq) {
    ++result_.unfinished;
    observer_.OnUnfinished(std::move(seq), now_);
  }

  void Finish() {
    result_.end_time = now_;
    for (Parked& x : transfers_) {
      if (x.seq) Unfinished(std::move(x.seq));
    }
    for (Pool& pool : pools_) {
      for (auto& a : pool.queue) Unfinished(std::move(a.seq));
      pool.queue.clear();
      for (Slot& s : pool.slots) {
        result_.replicas.push_back({static_cast<int>(&pool - pools_.data()),
                                    static_cast<int>(&s - pool.slots.data()),
                                    std::min(s.busy, now_), s.replica->steps()});
        result_.preemptions += s.replica->preemptions();
        result_.prefix_queried_tokens += s.replica->kv().queried_tokens;
        result_.prefix_hit_tokens += s.replica->kv().hit_tokens;
        if (s.since >= 0) result_.gpu_seconds += pool.spec->gpus * (now_ - s.since);
        if (s.stepping) s.replica->AbortStep();  // cut by the stop time
        for (auto& seq : s.replica->TakeAll()) Unfinished(std::move(seq));
      }
    }
  }

  const ClusterSpec& cluster_;
  ArrivalSource& source_;
  SimObserver& observer_;
  const SimOptions& options_;
  std::vector<Pool> pools_;
  ClusterCapacity capacity_;
  std::optional<Planner> planner_;
  Interval interval_;
  std::vector<Parked> transfers_, injected_;
  std::vector<int> free_transfers_, free_injected_;
  int transfers_in_flight_ = 0;
  int injected_pending_ = 0;
  std::optional<Arrival> next_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  uint64_t order_ = 0;
  double now_ = 0;
  int current_pool_ = 0, current_slot_ = -1;
  SimResult result_;
};

}  // namespace

const char* CauseName(ScaleEvent::Cause cause) {
  switch (cause) {
    case ScaleEvent::Cause::kHpa:
      return "hpa";
    case ScaleEvent::Cause::kKedaActivate:
      return "keda-activate";
    case ScaleEvent::Cause::kKedaIdle:
      return "keda-idle";
    case ScaleEvent::Cause::kPlanner:
      return "planner";
  }
  return "hpa";
}

SimResult Simulate(const ClusterSpec& cluster, ArrivalSource& source, SimObserver& observer,
                   const SimOptions& options) {
  Loop loop(cluster, source, observer, options);
  return loop.Run();
}

SimResult Simulate(const PoolSpec& pool, ArrivalSource& source, SimObserver& observer,
                   const SimOptions& options) {
  ClusterSpec cluster;
  cluster.pool = pool;
  return Simulate(cluster, source, observer, options);
}

}  // namespace aiinfra::sim
