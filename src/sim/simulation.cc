#include "sim/simulation.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <queue>

namespace aiinfra::sim {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();

// Event kinds in the order they run at equal times; arrivals sit between kTransferDone and
// kSync.
enum Kind : int {
  kStepEnd = 0,
  kReady = 1,
  kTransferDone = 2,
  kArrival = 3,
  kSync = 4,
  kSample = 5
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

enum class State { kStarting, kReady, kDraining, kGone };

struct Slot {
  std::unique_ptr<Replica> replica;
  State state = State::kStarting;
  bool stepping = false;
  double link_free_at = 0;  // prefill replicas: when their KV link is free again
  double busy = 0;          // seconds with a step in flight
};

struct Pool {
  const PoolSpec* spec = nullptr;
  Router router;
  std::optional<Hpa> hpa;
  std::vector<Slot> slots;
  std::vector<ReplicaLoad> loads;
  std::deque<Arrival> queue;  // requests no ready replica could take yet

  explicit Pool(const PoolSpec& s) : spec(&s), router(s.router) {
    if (s.autoscaler) hpa.emplace(s.autoscaler->hpa);
  }
  Pool(const Pool&) = delete;
  Pool(Pool&&) = default;
  int Count(State state) const {
    return static_cast<int>(
        std::count_if(slots.begin(), slots.end(), [&](const Slot& x) { return x.state == state; }));
  }
  bool Quiet() const {
    return queue.empty() && std::all_of(slots.begin(), slots.end(), [](const Slot& x) {
             return x.state == State::kGone || (!x.stepping && x.replica->idle());
           });
  }
};

class Loop : public ReplicaSink {
 public:
  Loop(const ClusterSpec& cluster, ArrivalSource& source, SimObserver& observer,
       const SimOptions& options)
      : cluster_(cluster), source_(source), observer_(observer), options_(options) {
    pools_.emplace_back(cluster.pool);
    if (cluster.decode) pools_.emplace_back(*cluster.decode);
  }

  SimResult Run() {
    for (size_t p = 0; p < pools_.size(); ++p) {
      for (int i = 0; i < pools_[p].spec->initial_replicas; ++i) {
        AddSlot(static_cast<int>(p), State::kReady, 0);
      }
      if (pools_[p].hpa) Push(pools_[p].hpa->config().sync_period, kSync, static_cast<int>(p), -1);
    }
    if (options_.sample_interval > 0) Push(options_.sample_interval, kSample, -1, -1);
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
        ++result_.arrivals;
        Arrival a = std::move(*next_);
        next_ = source_.Next();
        if (pools_.size() > 1) a.seq->prefill_only = true;
        pools_[0].queue.push_back(std::move(a));
        Dispatch(0);
      }
    }
    Finish();
    return result_;
  }

  void OnToken(const Sequence& seq, double t) override {
    observer_.OnToken(seq, current_pool_, current_slot_, t);
  }

  void OnFinish(std::unique_ptr<Sequence> seq, double t) override {
    if (!seq->prefill_only || seq->generated >= seq->n_out) {
      // Aggregated, or a request whose only token came out of the prefill: done.
      seq->prefill_only = false;
      ++result_.finished;
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
    seq->prefill_only = false;
    seq->computed = seq->tokens() - 1;  // the KV of the prompt arrives with it
    // Transfer records are reused, so memory stays bounded by transfers in flight.
    int index;
    if (free_transfers_.empty()) {
      index = static_cast<int>(transfers_.size());
      transfers_.emplace_back();
    } else {
      index = free_transfers_.back();
      free_transfers_.pop_back();
    }
    transfers_[index] = {std::move(seq), done - t};
    ++transfers_in_flight_;
    Push(done, kTransferDone, 1, index);
  }

 private:
  struct Transfer {
    std::unique_ptr<Sequence> seq;
    double seconds = 0;
  };

  void Push(double time, int kind, int pool, int slot) {
    events_.push({time, kind, order_++, pool, slot});
  }

  void AddSlot(int p, State state, double ready_at) {
    Pool& pool = pools_[p];
    Slot s;
    s.replica = std::make_unique<Replica>(pool.spec->make_replica());
    s.state = state;
    pool.slots.push_back(std::move(s));
    if (state == State::kStarting)
      Push(ready_at, kReady, p, static_cast<int>(pool.slots.size()) - 1);
    int total = 0;
    for (const Pool& q : pools_) total += q.Count(State::kReady) + q.Count(State::kStarting);
    result_.peak_replicas = std::max(result_.peak_replicas, total);
  }

  bool Quiet() const {
    if (transfers_in_flight_ > 0) return false;
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
      s.state = State::kGone;
      pools_[p].router.Forget(i);
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
        Transfer& x = transfers_[e.slot];
        ++result_.transfers;
        --transfers_in_flight_;
        observer_.OnTransfer(*x.seq, x.seconds);
        pools_[1].queue.push_back(Arrival{std::move(x.seq), 0});
        free_transfers_.push_back(e.slot);
        Dispatch(1);
        break;
      }
      case kSync:
        Autoscale(e.pool);
        if (now_ < options_.horizon || !Quiet()) {
          Push(now_ + pools_[e.pool].hpa->config().sync_period, kSync, e.pool, -1);
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
      if (s.state == State::kStarting) ++out.replicas_starting;
      if (s.state == State::kDraining) ++out.replicas_draining;
    }
    out.waiting += static_cast<int64_t>(pool.queue.size());
    out.kv_usage = out.replicas_ready ? kv / out.replicas_ready : 0;
    return out;
  }

  void Autoscale(int p) {
    Pool& pool = pools_[p];
    const AutoscalerSpec& spec = *pool.spec->autoscaler;
    const PoolSample s = Sample(p);
    const int ready = s.replicas_ready;
    const int starting = s.replicas_starting;
    const int current = ready + starting;
    double value = 0;
    if (ready > 0) {
      value = spec.metric == ScaleMetric::kKvUsage
                  ? s.kv_usage
                  : static_cast<double>(s.running + s.waiting) / ready;
    }
    ScaleEvent ev;
    ev.pool = p;
    ev.time = now_;
    ev.from = current;
    ev.decision = pool.hpa->Decide(now_, current, ready, starting, {{value, spec.target}});
    ev.to = ev.decision.desired;
    for (int i = current; i < ev.to; ++i) {
      AddSlot(p, State::kStarting, now_ + pool.spec->cold_start.total());
    }
    for (int i = ev.to; i < current; ++i) RemoveOne(p);
    if (ev.to != current) observer_.OnScale(ev);
  }

  // Scale-down victim: the newest replica still starting, else the ready one with the least
  // work (latest index among equals).
  void RemoveOne(int p) {
    std::vector<Slot>& slots = pools_[p].slots;
    int victim = -1;
    for (int i = static_cast<int>(slots.size()) - 1; i >= 0 && victim < 0; --i) {
      if (slots[i].state == State::kStarting) victim = i;
    }
    if (victim >= 0) {
      slots[victim].state = State::kGone;
      return;
    }
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
    for (Transfer& x : transfers_) {
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
  std::vector<Transfer> transfers_;
  std::vector<int> free_transfers_;
  int transfers_in_flight_ = 0;
  std::optional<Arrival> next_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  uint64_t order_ = 0;
  double now_ = 0;
  int current_pool_ = 0, current_slot_ = -1;
  SimResult result_;
};

}  // namespace

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
