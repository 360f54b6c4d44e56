#include "sim/replica.h"

#include <algorithm>
#include <cmath>

namespace aiinfra::sim {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

int64_t KvBlocksFor(const perf::PerfModel& model, int block_size) {
  const perf::MemoryPlan& m = model.memory();
  const double per_block = m.kv_bytes_per_token_per_gpu * block_size;
  if (!m.fits() || per_block <= 0) return 0;
  return static_cast<int64_t>(std::floor(m.kv_per_gpu / per_block));
}

Replica::Replica(ReplicaConfig config, std::function<double(const perf::BatchShape&)> step_time,
                 std::function<perf::BatchShape(double, double)> prefill_shape,
                 std::function<perf::BatchShape(double, double)> decode_shape, double overhead)
    : config_(config),
      step_time_(std::move(step_time)),
      prefill_shape_(std::move(prefill_shape)),
      decode_shape_(std::move(decode_shape)),
      overhead_(overhead),
      kv_(config.num_blocks, config.block_size, config.prefix_caching) {}

Replica Replica::ForModel(ReplicaConfig config, const perf::PerfModel& model, double overhead) {
  return Replica(
      config, [&model](const perf::BatchShape& b) { return model.Step(b).total; },
      [&model](double tokens, double cached) { return model.Prefill(tokens, cached); },
      [&model](double context, double count) { return model.Decode(context, count); }, overhead);
}

void Replica::Enqueue(std::unique_ptr<Sequence> seq) { waiting_.push_back(std::move(seq)); }

void Replica::AbortStep() {
  for (Sequence* s : scheduled_) s->scheduled = 0;
  scheduled_.clear();
  in_flight_ = false;
}

std::vector<std::unique_ptr<Sequence>> Replica::TakeAll() {
  std::vector<std::unique_ptr<Sequence>> out;
  for (auto& s : running_) {
    kv_.Free(s->blocks);
    out.push_back(std::move(s));
  }
  running_.clear();
  for (auto& s : waiting_) out.push_back(std::move(s));
  waiting_.clear();
  return out;
}

std::unique_ptr<Sequence> Replica::Cancel(uint64_t id) {
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if ((*it)->id != id) continue;
    std::unique_ptr<Sequence> seq = std::move(*it);
    waiting_.erase(it);
    kv_.Free(seq->blocks);  // a preempted sequence may still hold none; harmless either way
    return seq;
  }
  for (auto it = running_.begin(); it != running_.end(); ++it) {
    if ((*it)->id != id) continue;
    if (in_flight_) {
      (*it)->n_out = (*it)->generated + 1;
      return nullptr;
    }
    std::unique_ptr<Sequence> seq = std::move(*it);
    running_.erase(it);
    kv_.Free(seq->blocks);
    return seq;
  }
  return nullptr;
}

bool Replica::Fit(Sequence& seq, int64_t new_tokens) {
  const int64_t need = CeilDiv(seq.computed + new_tokens, kv_.block_size()) -
                       static_cast<int64_t>(seq.blocks.size());
  return need <= 0 || kv_.Allocate(need, seq.blocks);
}

void Replica::Preempt(std::unique_ptr<Sequence> seq) {
  // Recompute: the KV is dropped; the tokens generated so far stay and are prefilled again.
  kv_.Free(seq->blocks);
  seq->computed = 0;
  seq->registered = 0;
  seq->scheduled = 0;
  ++seq->preemptions;
  ++preemptions_;
  waiting_.push_front(std::move(seq));
}

std::optional<double> Replica::StartStep(double now) {
  scheduled_.clear();
  last_ = {};
  int64_t budget = config_.max_num_batched_tokens;
  const int64_t bs = kv_.block_size();

  // 1. Running sequences, in admission order.
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    Sequence& s = *running_[i];
    const int64_t n = std::min(s.tokens() - s.computed, budget);
    bool fits = false;
    while (true) {
      if (Fit(s, n)) {
        fits = true;
        break;
      }
      std::unique_ptr<Sequence> victim = std::move(running_.back());
      running_.pop_back();
      ++last_.preempted;
      const bool self = victim.get() == &s;
      Preempt(std::move(victim));
      if (self) break;
    }
    if (!fits) break;
    s.scheduled = n;
    scheduled_.push_back(&s);
    budget -= n;
    ++i;
  }

  // 2. Waiting sequences, FCFS, unless this step preempted.
  while (last_.preempted == 0 && !waiting_.empty() && budget > 0 &&
         static_cast<int>(running_.size()) < config_.max_num_seqs) {
    Sequence& s = *waiting_.front();
    int64_t cached_blocks = 0;
    if (s.computed == 0) {
      // The last token is always computed: at most (tokens - 1) / block_size cached blocks.
      cached_blocks = kv_.CachedPrefix(s.hashes, (s.tokens() - 1) / bs);
    }
    const int64_t cached = cached_blocks * bs;
    int64_t n = s.tokens() - s.computed - cached;
    if (!config_.chunked_prefill && n > budget) break;
    n = std::min(n, budget);
    const int64_t fresh = CeilDiv(s.computed + cached + n, bs) -
                          static_cast<int64_t>(s.blocks.size()) - cached_blocks;
    const int64_t free_after_hits =
        kv_.free_blocks() - kv_.FreeAmongCached(s.hashes, cached_blocks);
    if (fresh > free_after_hits) break;
    if (s.computed == 0) {
      kv_.queried_tokens += s.tokens();
      kv_.hit_tokens += cached;
    }
    kv_.TakeCached(s.hashes, cached_blocks, s.blocks);
    if (fresh > 0) kv_.Allocate(fresh, s.blocks);
    s.registered = static_cast<size_t>(cached_blocks);
    s.computed += cached;
    if (s.t_sched < 0) {
      s.t_sched = now;
      s.cached_tokens = cached;
    }
    s.scheduled = n;
    scheduled_.push_back(&s);
    budget -= n;
    running_.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
  }

  if (scheduled_.empty()) return std::nullopt;
  perf::BatchShape shape;
  double decode_context = 0;
  for (const Sequence* s : scheduled_) {
    // One new token over a cached context is a decode, be it an output token or the last
    // prompt token (a 1-token chunk, or the first token after a KV transfer).
    if (s->scheduled == 1 && s->computed > 0 && s->computed == s->tokens() - 1) {
      decode_context += static_cast<double>(s->computed);
      ++last_.decode_seqs;
    } else {
      shape += prefill_shape_(static_cast<double>(s->scheduled), static_cast<double>(s->computed));
      ++last_.prefill_seqs;
      last_.prefill_tokens += s->scheduled;
    }
  }
  if (last_.decode_seqs > 0) {
    // Attention and KV reads grow linearly with the context, so the mean context stands for
    // the batch (sliding windows make this an approximation for contexts past the window).
    shape += decode_shape_(decode_context / last_.decode_seqs, last_.decode_seqs);
  }
  last_.duration = step_time_(shape) + overhead_;
  in_flight_ = true;
  ++steps_;
  return last_.duration;
}

void Replica::FinishStep(double end, ReplicaSink& sink) {
  const int64_t bs = kv_.block_size();
  for (Sequence* s : scheduled_) {
    s->computed += s->scheduled;
    s->scheduled = 0;
    const size_t full =
        std::min({static_cast<size_t>(s->computed / bs), s->hashes.size(), s->blocks.size()});
    for (; s->registered < full; ++s->registered) {
      kv_.Register(s->blocks[s->registered], s->hashes[s->registered]);
    }
    if (s->computed == s->tokens()) {
      ++s->generated;
      if (s->t_first < 0) s->t_first = end;
      sink.OnToken(*s, end);
      s->t_last = end;
    }
  }
  scheduled_.clear();
  in_flight_ = false;
  // Finished sequences leave, in admission order.
  size_t kept = 0;
  for (size_t i = 0; i < running_.size(); ++i) {
    if (running_[i]->done()) {
      kv_.Free(running_[i]->blocks);
      sink.OnFinish(std::move(running_[i]), end);
    } else {
      running_[kept++] = std::move(running_[i]);
    }
  }
  running_.resize(kept);
}

}  // namespace aiinfra::sim
