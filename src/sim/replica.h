// One serving replica as vLLM V1 runs it: iteration-level continuous batching over a paged KV
// cache (specs of issue 4, item 3).
//
// Each step the scheduler spends a token budget (max_num_batched_tokens) in vLLM V1's order:
//   1. running sequences first, in admission order: a decode takes 1 token, an unfinished
//      prefill the rest of its prompt (capped by the budget: chunked prefill). When the KV cache
//      cannot hold a sequence's new tokens, the most recently admitted running sequence is
//      preempted (its blocks freed, recomputed later from scratch, put back at the head of the
//      waiting queue), until the sequence fits or is itself the one preempted;
//   2. then, only if nothing was preempted this step, waiting sequences in FCFS order while
//      budget, max_num_seqs and KV blocks allow. A new sequence first reuses the cached blocks
//      of its prompt's leading block hashes (never the whole prompt: the last token is always
//      computed, as vLLM requires). Without chunked prefill a prompt that does not fit the
//      remaining budget stops admission.
// A step's duration is the step-time function of its batch shape (perf::PerfModel::Step, plus
// a fixed scheduler overhead). When it ends, every sequence whose scheduled tokens complete its
// known tokens samples one output token (the first for a finished prefill); full blocks with a
// known hash are registered in the prefix cache; a sequence with all its output tokens leaves
// and frees its blocks.
//
// Times are seconds of simulated time. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "perf/perf_model.h"
#include "sim/kv_cache.h"

namespace aiinfra::sim {

struct ReplicaConfig {
  int max_num_seqs = 256;
  int max_num_batched_tokens = 8192;
  bool chunked_prefill = true;
  bool prefix_caching = true;
  int block_size = 16;
  int64_t num_blocks = 0;  // KV cache size, from the memory model (see KvBlocksFor)
};

// Blocks of `block_size` tokens the replica's KV cache holds: the memory plan's KV bytes per GPU
// over the bytes one block takes per GPU. 0 when the model does not fit.
int64_t KvBlocksFor(const perf::PerfModel& model, int block_size);

// One request inside a replica.
struct Sequence {
  uint64_t id = 0;
  int class_index = 0;
  int32_t n_in = 0;   // prompt tokens
  int32_t n_out = 0;  // output tokens it will generate
  // Content hashes of its blocks (prompt first, then output), for the prefix cache; blocks past
  // the end are never shared.
  std::vector<uint64_t> hashes;

  double arrival = 0;
  double t_sched = -1;        // first scheduled
  double t_first = -1;        // first output token
  double t_last = -1;         // latest output token (the one before, during OnToken)
  int32_t generated = 0;      // output tokens so far
  int64_t computed = 0;       // tokens whose KV is in the cache
  int64_t cached_tokens = 0;  // prompt tokens served from the prefix cache at first admission
  int preemptions = 0;
  // Disaggregated prefill: the sequence leaves its (prefill) replica after its first token
  // (which is not streamed: simulation.h).
  bool prefill_only = false;

  // Internal to the replica.
  std::vector<int32_t> blocks;
  size_t registered = 0;  // leading blocks registered in the prefix cache
  int64_t scheduled = 0;  // tokens scheduled in the step in flight

  int64_t tokens() const { return static_cast<int64_t>(n_in) + generated; }
  bool done() const { return generated >= (prefill_only ? 1 : n_out); }
};

// What a replica reports as its steps end.
class ReplicaSink {
 public:
  virtual ~ReplicaSink() = default;
  // One output token of `seq` at time `t` (seq.generated already counts it; seq.t_last is still
  // the previous token's time, -1 before the first, so the gap is t - t_last).
  virtual void OnToken(const Sequence& seq, double t) = 0;
  // `seq` has all its tokens; its blocks are freed.
  virtual void OnFinish(std::unique_ptr<Sequence> seq, double t) = 0;
};

struct StepStats {
  int prefill_seqs = 0;
  int decode_seqs = 0;
  int64_t prefill_tokens = 0;
  int preempted = 0;
  double duration = 0;
};

class Replica {
 public:
  // `step_time` gives a step's duration for its batch shape (perf::PerfModel::Step().total);
  // `overhead` is added per step (the engine's CPU time between GPU steps).
  Replica(ReplicaConfig config, std::function<double(const perf::BatchShape&)> step_time,
          std::function<perf::BatchShape(double tokens, double cached)> prefill_shape,
          std::function<perf::BatchShape(double context, double count)> decode_shape,
          double overhead);

  // A replica whose shapes and times come from `model` (kept by reference: it must outlive the
  // replica).
  static Replica ForModel(ReplicaConfig config, const perf::PerfModel& model, double overhead);

  void Enqueue(std::unique_ptr<Sequence> seq);

  // Plans the next step at `now`: its duration, or nullopt when there is nothing to run (or
  // nothing fits). A step must be finished before the next is planned.
  std::optional<double> StartStep(double now);
  // Ends the step in flight at `end` (= start + duration), reporting tokens and finishes.
  void FinishStep(double end, ReplicaSink& sink);

  // Forgets the step in flight as if it never ran (the run stopped before it ended).
  void AbortStep();
  // Removes every sequence, running or waiting, freeing their blocks (a run that ends at its
  // horizon reports them unfinished). Not while a step is in flight.
  std::vector<std::unique_ptr<Sequence>> TakeAll();
  // Ends sequence `id` early (its client went away). Without a step in flight it leaves at
  // once, its blocks freed, and is returned. In a step in flight it cannot leave before the
  // step ends: it is cut to the token that step produces (a prompt still being computed ends
  // with its first token), comes out through FinishStep as usual, and null is returned; null
  // too when it is not here.
  std::unique_ptr<Sequence> Cancel(uint64_t id);

  bool busy() const { return in_flight_; }
  bool idle() const { return running_.empty() && waiting_.empty(); }
  size_t running() const { return running_.size(); }
  size_t waiting() const { return waiting_.size(); }
  const KvCache& kv() const { return kv_; }
  const StepStats& last_step() const { return last_; }
  uint64_t steps() const { return steps_; }
  uint64_t preemptions() const { return preemptions_; }

 private:
  bool Fit(Sequence& seq, int64_t new_tokens);
  void Preempt(std::unique_ptr<Sequence> seq);

  ReplicaConfig config_;
  std::function<double(const perf::BatchShape&)> step_time_;
  std::function<perf::BatchShape(double, double)> prefill_shape_;
  std::function<perf::BatchShape(double, double)> decode_shape_;
  double overhead_;
  KvCache kv_;
  std::deque<std::unique_ptr<Sequence>> waiting_;
  std::vector<std::unique_ptr<Sequence>> running_;  // admission order
  std::vector<Sequence*> scheduled_;                // in the step in flight
  bool in_flight_ = false;
  StepStats last_;
  uint64_t steps_ = 0, preemptions_ = 0;
};

}  // namespace aiinfra::sim
