#include "sim/replica.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace aiinfra::sim {
namespace {

// Shapes that carry just the token counts, and a step time that is linear in them: a prefill
// token costs `per_prefill_token`, a decode `per_decode`, and a step `base`.
struct LinearTimes {
  double base = 0.01;
  double per_prefill_token = 1e-5;
  double per_decode = 1e-4;

  Replica Make(ReplicaConfig config) const {
    LinearTimes t = *this;
    return Replica(
        config,
        [t](const perf::BatchShape& b) {
          return t.base + t.per_prefill_token * b.prefill_tokens + t.per_decode * b.decode_seqs;
        },
        [](double tokens, double) {
          perf::BatchShape b;
          b.prefill_tokens = tokens;
          b.prefill_seqs = 1;
          return b;
        },
        [](double, double count) {
          perf::BatchShape b;
          b.decode_seqs = count;
          return b;
        },
        0);
  }
};

class Recorder : public ReplicaSink {
 public:
  void OnToken(const Sequence&, double) override { ++tokens; }
  void OnFinish(std::unique_ptr<Sequence> seq, double t) override {
    finished.push_back(std::move(seq));
    last_finish = t;
  }
  int64_t tokens = 0;
  double last_finish = 0;
  std::vector<std::unique_ptr<Sequence>> finished;
};

std::unique_ptr<Sequence> Seq(uint64_t id, int n_in, int n_out, double arrival = 0) {
  auto s = std::make_unique<Sequence>();
  s->id = id;
  s->n_in = n_in;
  s->n_out = n_out;
  s->arrival = arrival;
  return s;
}

// Runs the replica until it is idle, starting at `now`.
double Drain(Replica& r, Recorder& rec, double now = 0) {
  while (auto d = r.StartStep(now)) {
    now += *d;
    r.FinishStep(now, rec);
  }
  return now;
}

TEST(ReplicaTest, LoneRequestTtftIsItsPrefillStep) {
  ReplicaConfig c;
  c.num_blocks = 1000;
  LinearTimes t;
  Replica r = t.Make(c);
  r.Enqueue(Seq(1, 1000, 5));
  Recorder rec;
  Drain(r, rec);
  ASSERT_EQ(rec.finished.size(), 1u);
  const Sequence& s = *rec.finished[0];
  EXPECT_DOUBLE_EQ(s.t_sched, 0);
  EXPECT_DOUBLE_EQ(s.t_first, t.base + 1000 * t.per_prefill_token);
  // Four decode steps of one sequence each.
  EXPECT_DOUBLE_EQ(s.t_last, s.t_first + 4 * (t.base + t.per_decode));
  EXPECT_EQ(s.generated, 5);
  EXPECT_EQ(rec.tokens, 5);
  EXPECT_EQ(r.kv().free_blocks(), 1000);  // everything freed
}

TEST(ReplicaTest, CancelRemovesAWaitingSequenceAndCutsARunningOne) {
  ReplicaConfig c;
  c.num_blocks = 1000;
  c.max_num_seqs = 1;  // the second request waits
  LinearTimes t;
  Replica r = t.Make(c);
  r.Enqueue(Seq(1, 100, 50));
  r.Enqueue(Seq(2, 100, 50));
  Recorder rec;
  double now = 0;
  for (int i = 0; i < 3; ++i) {  // the first prompt, then two decode steps
    now += *r.StartStep(now);
    r.FinishStep(now, rec);
  }
  auto waiting = r.Cancel(2);
  ASSERT_NE(waiting, nullptr);
  EXPECT_EQ(waiting->id, 2u);
  EXPECT_EQ(r.waiting(), 0u);
  // Running, with no step in flight: it leaves at once.
  auto running = r.Cancel(1);
  ASSERT_NE(running, nullptr);
  EXPECT_EQ(running->generated, 3);
  EXPECT_TRUE(r.idle());
  EXPECT_EQ(r.kv().free_blocks(), 1000);  // every block back
  EXPECT_EQ(r.Cancel(99), nullptr);
  // In a step in flight: cut to the token of that step.
  r.Enqueue(Seq(3, 100, 50));
  now += *r.StartStep(now);
  r.FinishStep(now, rec);
  now += *r.StartStep(now);
  EXPECT_EQ(r.Cancel(3), nullptr);
  r.FinishStep(now, rec);
  ASSERT_EQ(rec.finished.size(), 1u);
  EXPECT_EQ(rec.finished[0]->generated, 2);
  EXPECT_TRUE(r.idle());
  EXPECT_EQ(r.kv().free_blocks(), 1000);
}

TEST(ReplicaTest, ChunkedPrefillSplitsAPromptOverTheTokenBudget) {
  ReplicaConfig c;
  c.num_blocks = 1000;
  c.max_num_batched_tokens = 256;
  LinearTimes t;
  Replica r = t.Make(c);
  r.Enqueue(Seq(1, 1000, 1));
  Recorder rec;
  Drain(r, rec);
  EXPECT_EQ(r.steps(), 4u);  // 256 + 256 + 256 + 232
  EXPECT_DOUBLE_EQ(rec.finished[0]->t_first, 4 * t.base + 1000 * t.per_prefill_token);
}

TEST(ReplicaTest, WithoutChunkingALongPromptWaitsForAFreshBudget) {
  ReplicaConfig c;
  c.num_blocks = 1000;
  c.max_num_batched_tokens = 1000;
  c.chunked_prefill = false;
  LinearTimes t;
  Replica r = t.Make(c);
  r.Enqueue(Seq(1, 600, 1));
  r.Enqueue(Seq(2, 600, 1));
  ASSERT_TRUE(r.StartStep(0));
  EXPECT_EQ(r.last_step().prefill_tokens, 600);  // the second does not fit the 400 left
  EXPECT_EQ(r.waiting(), 1u);
}

TEST(ReplicaTest, ContinuousBatchingMixesPrefillsAndDecodesUnderMaxNumSeqs) {
  ReplicaConfig c;
  c.num_blocks = 1000;
  c.max_num_seqs = 2;
  LinearTimes t;
  Replica r = t.Make(c);
  r.Enqueue(Seq(1, 100, 3));
  Recorder rec;
  ASSERT_TRUE(r.StartStep(0));
  r.FinishStep(1, rec);
  r.Enqueue(Seq(2, 100, 3));
  r.Enqueue(Seq(3, 100, 3));
  ASSERT_TRUE(r.StartStep(1));
  EXPECT_EQ(r.last_step().decode_seqs, 1);
  EXPECT_EQ(r.last_step().prefill_seqs, 1);  // max_num_seqs 2: the third waits
  EXPECT_EQ(r.waiting(), 1u);
  r.FinishStep(2, rec);
  Drain(r, rec, 2);
  EXPECT_EQ(rec.finished.size(), 3u);
  EXPECT_EQ(rec.tokens, 9);
}

TEST(ReplicaTest, PreemptsTheNewestSequenceByRecomputeWhenBlocksRunOut) {
  ReplicaConfig c;
  c.block_size = 16;
  c.num_blocks = 8;  // 128 tokens
  LinearTimes t;
  Replica r = t.Make(c);
  r.Enqueue(Seq(1, 48, 40));  // grows to 88 tokens: 6 blocks
  r.Enqueue(Seq(2, 48, 40));
  Recorder rec;
  Drain(r, rec);
  ASSERT_EQ(rec.finished.size(), 2u);
  EXPECT_GT(r.preemptions(), 0u);
  // The older sequence is never the victim while a newer one runs.
  EXPECT_EQ(rec.finished[0]->id, 1u);
  EXPECT_EQ(rec.finished[0]->preemptions, 0);
  EXPECT_GT(rec.finished[1]->preemptions, 0);
  EXPECT_EQ(rec.finished[1]->generated, 40);  // tokens are kept across a recompute
  EXPECT_EQ(r.kv().free_blocks(), 8);
}

TEST(ReplicaTest, PrefixCacheServesSharedLeadingBlocks) {
  ReplicaConfig c;
  c.block_size = 16;
  c.num_blocks = 100;
  LinearTimes t;
  Replica r = t.Make(c);
  std::vector<uint64_t> hashes;
  for (uint64_t i = 0; i < 10; ++i) hashes.push_back(1000 + i);
  auto a = Seq(1, 160, 2);
  a->hashes = hashes;
  r.Enqueue(std::move(a));
  Recorder rec;
  double now = Drain(r, rec);
  auto b = Seq(2, 160, 2);
  b->hashes = hashes;
  r.Enqueue(std::move(b));
  Drain(r, rec, now);
  // 160 tokens = 10 full blocks, but the last token is always computed: 9 blocks hit.
  EXPECT_EQ(rec.finished[1]->cached_tokens, 144);
  EXPECT_EQ(r.kv().hit_tokens, 144);
  EXPECT_EQ(r.kv().queried_tokens, 320);
  EXPECT_DOUBLE_EQ(rec.finished[1]->t_first - rec.finished[1]->t_sched,
                   t.base + 16 * t.per_prefill_token);
}

TEST(ReplicaTest, RandomLoadConservesTokensAndBlocks) {
  ReplicaConfig c;
  c.block_size = 16;
  c.num_blocks = 200;
  c.max_num_batched_tokens = 512;
  c.max_num_seqs = 16;
  LinearTimes t;
  Replica r = t.Make(c);
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> in(1, 600), out(1, 200);
  int64_t want = 0;
  Recorder rec;
  double now = 0;
  for (int i = 0; i < 400; ++i) {
    const int n_out = out(rng);
    want += n_out;
    r.Enqueue(Seq(static_cast<uint64_t>(i), in(rng), n_out, now));
    if (auto d = r.StartStep(now)) {
      now += *d;
      r.FinishStep(now, rec);
      EXPECT_LE(r.kv().usage(), 1.0);
    }
  }
  Drain(r, rec, now);
  EXPECT_EQ(rec.finished.size(), 400u);
  EXPECT_EQ(rec.tokens, want);
  for (const auto& s : rec.finished) {
    EXPECT_EQ(s->generated, s->n_out);
    EXPECT_LE(s->t_sched, s->t_first);
    EXPECT_LE(s->t_first, s->t_last);
  }
  EXPECT_EQ(r.kv().free_blocks(), 200);
}

// One replica serving one request at a time (max_num_seqs 1, one output token: one step per
// request) under Poisson arrivals is an M/G/1 queue. The mean wait before scheduling must match
// the Pollaczek-Khinchine formula: M/D/1 for a fixed step time, M/M/1 for exponential ones.
double MeanWait(std::function<double()> service, double rate, int n, uint64_t seed) {
  ReplicaConfig c;
  c.num_blocks = 100;
  c.max_num_seqs = 1;
  Replica r(
      c, [&](const perf::BatchShape&) { return service(); },
      [](double, double) { return perf::BatchShape{}; },
      [](double, double) { return perf::BatchShape{}; }, 0);
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> gap(rate);
  Recorder rec;
  double next = gap(rng), now = 0, end = 0;
  int arrived = 0;
  while (rec.finished.size() < static_cast<size_t>(n)) {
    if (r.busy() && end <= next) {
      now = end;
      r.FinishStep(now, rec);
    } else {
      now = next;
      r.Enqueue(Seq(static_cast<uint64_t>(arrived), 1, 1, now));
      ++arrived;
      next = arrived < n ? now + gap(rng) : INFINITY;
    }
    if (!r.busy()) {
      if (auto d = r.StartStep(now)) end = now + *d;
    }
  }
  double sum = 0;
  for (const auto& s : rec.finished) sum += s->t_sched - s->arrival;
  return sum / n;
}

TEST(ReplicaQueueingTest, FixedServiceMatchesMD1) {
  const double d = 0.1, rate = 7.0;  // rho 0.7
  const double rho = rate * d;
  const double expected = rho * d / (2 * (1 - rho));  // lambda D^2 / (2 (1 - rho))
  const double w = MeanWait([d] { return d; }, rate, 400000, 11);
  EXPECT_NEAR(w / expected, 1.0, 0.05) << "mean wait " << w << " vs M/D/1 " << expected;
}

TEST(ReplicaQueueingTest, ExponentialServiceMatchesMM1) {
  const double mean = 0.1, rate = 7.0;
  std::mt19937_64 rng(5);
  std::exponential_distribution<double> service(1 / mean);
  const double mu = 1 / mean;
  const double expected = rate / (mu * (mu - rate));
  const double w = MeanWait([&] { return service(rng); }, rate, 400000, 13);
  EXPECT_NEAR(w / expected, 1.0, 0.05) << "mean wait " << w << " vs M/M/1 " << expected;
}

}  // namespace
}  // namespace aiinfra::sim
