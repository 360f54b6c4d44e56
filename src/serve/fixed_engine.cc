#include "serve/fixed_engine.h"

namespace aiinfra::serve {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

FixedTimingEngine::FixedTimingEngine(asio::any_io_executor executor, FixedTiming timing)
    : executor_(std::move(executor)),
      timing_(timing),
      start_(Clock::now()),
      alive_(std::make_shared<bool>(true)) {}

FixedTimingEngine::~FixedTimingEngine() {
  *alive_ = false;
  for (auto& [id, r] : requests_) r->timer.cancel();
}

double FixedTimingEngine::Now() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

void FixedTimingEngine::Submit(std::unique_ptr<sim::Sequence> seq, uint64_t session,
                               EngineCallbacks callbacks) {
  (void)session;
  const uint64_t id = seq->id;
  seq->arrival = Now();
  seq->t_sched = seq->arrival;
  auto r = std::make_unique<Request>(
      Request{std::move(seq), std::move(callbacks), asio::steady_timer(executor_), 0});
  r->due = r->seq->arrival + timing_.ttft;
  Request& ref = *r;
  requests_[id] = std::move(r);
  if (ref.seq->n_out <= 0) {
    End(id, Ending::kFinished);
    return;
  }
  Arm(id, ref);
}

void FixedTimingEngine::Arm(uint64_t id, Request& r) {
  r.timer.expires_at(
      start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(r.due)));
  r.timer.async_wait([this, id, alive = alive_](const boost::system::error_code& ec) {
    if (!ec && *alive) Tick(id);
  });
}

void FixedTimingEngine::Tick(uint64_t id) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  Request& r = *it->second;
  sim::Sequence& seq = *r.seq;
  const double t = r.due;
  ++seq.generated;
  if (seq.t_first < 0) seq.t_first = t;
  if (r.callbacks.on_token) r.callbacks.on_token(seq, t);
  seq.t_last = t;
  if (seq.done()) {
    End(id, Ending::kFinished);
    return;
  }
  r.due += timing_.itl;
  Arm(id, r);
}

void FixedTimingEngine::End(uint64_t id, Ending ending) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  std::unique_ptr<Request> r = std::move(it->second);
  requests_.erase(it);
  r->timer.cancel();
  if (r->callbacks.on_done) r->callbacks.on_done(*r->seq, Now(), ending);
}

void FixedTimingEngine::Cancel(uint64_t id) { End(id, Ending::kCancelled); }

std::vector<ReplicaState> FixedTimingEngine::replicas() const {
  return {ReplicaState{.phase = ReplicaState::Phase::kReady, .running = requests_.size()}};
}

void FixedTimingEngine::Abort() {
  while (!requests_.empty()) End(requests_.begin()->first, Ending::kFailed);
}

}  // namespace aiinfra::serve
