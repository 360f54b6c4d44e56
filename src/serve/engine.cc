#include "serve/engine.h"

namespace aiinfra::serve {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Turns a replica's reports into the requests' callbacks.
class RealtimeEngine::Sink : public sim::ReplicaSink {
 public:
  explicit Sink(RealtimeEngine& engine) : engine_(engine) {}
  void OnToken(const sim::Sequence& seq, double t) override {
    auto it = engine_.callbacks_.find(seq.id);
    if (it != engine_.callbacks_.end() && it->second.on_token) it->second.on_token(seq, t);
  }
  void OnFinish(std::unique_ptr<sim::Sequence> seq, double t) override { engine_.Done(*seq, t); }

 private:
  RealtimeEngine& engine_;
};

RealtimeEngine::RealtimeEngine(asio::any_io_executor executor,
                               std::function<sim::Replica()> make_replica, int replicas,
                               sim::RouterConfig router)
    : executor_(std::move(executor)),
      start_(Clock::now()),
      router_(router),
      alive_(std::make_shared<bool>(true)) {
  for (int i = 0; i < replicas; ++i) {
    Slot s;
    s.replica = std::make_unique<sim::Replica>(make_replica());
    s.timer = std::make_unique<asio::steady_timer>(executor_);
    slots_.push_back(std::move(s));
  }
}

RealtimeEngine::~RealtimeEngine() {
  *alive_ = false;
  for (Slot& s : slots_) s.timer->cancel();
}

double RealtimeEngine::Now() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

void RealtimeEngine::Submit(std::unique_ptr<sim::Sequence> seq, uint64_t session,
                            EngineCallbacks callbacks) {
  seq->arrival = Now();
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
      Done(*seq, Now());
      return;
    }
  }
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (std::unique_ptr<sim::Sequence> seq = slots_[i].replica->Cancel(id)) {
      Done(*seq, Now());
      return;
    }
  }
  // In a step in flight: it ends with that step, through the sink.
}

void RealtimeEngine::Dispatch() {
  while (!queue_.empty()) {
    loads_.resize(slots_.size());
    for (size_t i = 0; i < slots_.size(); ++i) {
      const sim::Replica& r = *slots_[i].replica;
      loads_[i] = {.ready = true,
                   .running = static_cast<int64_t>(r.running()),
                   .waiting = static_cast<int64_t>(r.waiting()),
                   .kv_usage = r.kv().usage()};
    }
    Queued& q = queue_.front();
    const int pick = router_.Route(loads_, {.session = q.session, .hashes = &q.seq->hashes});
    if (pick < 0) return;
    slots_[pick].replica->Enqueue(std::move(q.seq));
    queue_.pop_front();
    Kick(static_cast<size_t>(pick), std::nullopt);
  }
}

void RealtimeEngine::Kick(size_t i, std::optional<double> at) {
  Slot& s = slots_[i];
  if (s.stepping) return;
  // A busy replica starts its next step when the last one was due to end, not when the timer
  // woke us: lateness of the timer does not add up over a long stream.
  const double now = at.value_or(Now());
  const std::optional<double> d = s.replica->StartStep(now);
  if (!d) return;
  s.stepping = true;
  s.step_end =
      start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(now + *d));
  s.timer->expires_at(s.step_end);
  s.timer->async_wait([this, i, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    StepEnded(i);
  });
}

void RealtimeEngine::StepEnded(size_t i) {
  Slot& s = slots_[i];
  Sink sink(*this);
  const double end = std::chrono::duration<double>(s.step_end - start_).count();
  s.replica->FinishStep(end, sink);
  s.stepping = false;
  Kick(i, end);
  Dispatch();
}

void RealtimeEngine::Done(const sim::Sequence& seq, double t) {
  auto it = callbacks_.find(seq.id);
  if (it == callbacks_.end()) return;
  EngineCallbacks callbacks = std::move(it->second);
  callbacks_.erase(it);
  if (callbacks.on_done) callbacks.on_done(seq, t);
}

std::vector<ReplicaState> RealtimeEngine::replicas() const {
  std::vector<ReplicaState> out;
  for (const Slot& s : slots_) {
    const sim::Replica& r = *s.replica;
    out.push_back({.ready = true,
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

}  // namespace aiinfra::serve
