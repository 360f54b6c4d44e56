// Test doubles shared by the simulation tests: a replica with a linear step time, pools of
// them, request sources and an observer that keeps everything.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "sim/simulation.h"

namespace aiinfra::sim::fakes {

// Step time: 10 ms + 10 us per prefill token + 0.1 ms per decode.
inline Replica LinearReplica(ReplicaConfig c) {
  return Replica(
      c,
      [](const perf::BatchShape& b) {
        return 0.01 + 1e-5 * b.prefill_tokens + 1e-4 * b.decode_seqs;
      },
      [](double tokens, double) {
        perf::BatchShape b;
        b.prefill_tokens = tokens;
        return b;
      },
      [](double, double count) {
        perf::BatchShape b;
        b.decode_seqs = count;
        return b;
      },
      0);
}

inline PoolSpec Pool(int replicas) {
  PoolSpec p;
  p.replica.num_blocks = 4000;
  p.make_replica = [c = p.replica] { return LinearReplica(c); };
  p.initial_replicas = replicas;
  return p;
}

// Poisson arrivals of fixed-size requests.
class PoissonSource : public ArrivalSource {
 public:
  PoissonSource(double rate, int n_in, int n_out, uint64_t seed, int limit = 1 << 30)
      : gap_(rate), rng_(seed), n_in_(n_in), n_out_(n_out), limit_(limit) {}
  std::optional<Arrival> Next() override {
    if (made_ >= limit_) return std::nullopt;
    t_ += gap_(rng_);
    auto s = std::make_unique<Sequence>();
    s->id = static_cast<uint64_t>(made_++);
    s->arrival = t_;
    s->n_in = n_in_;
    s->n_out = n_out_;
    return Arrival{std::move(s), 0};
  }

 private:
  std::exponential_distribution<double> gap_;
  std::mt19937_64 rng_;
  double t_ = 0;
  int n_in_, n_out_, limit_, made_ = 0;
};

class Collect : public SimObserver {
 public:
  void OnToken(const Sequence&, int, int, double) override { ++tokens; }
  void OnFinish(std::unique_ptr<Sequence> s, int, int replica, double) override {
    ++per_replica[replica];
    finished.push_back(std::move(s));
  }
  void OnUnfinished(std::unique_ptr<Sequence> s, double) override {
    unfinished.push_back(std::move(s));
  }
  void OnSample(const PoolSample& p) override { samples.push_back(p); }
  void OnTransfer(const Sequence&, double seconds) override { transfer_seconds.push_back(seconds); }
  std::vector<double> transfer_seconds;
  void OnScale(const ScaleEvent& e) override { scales.push_back(e); }
  int64_t tokens = 0;
  std::map<int, int> per_replica;
  std::vector<std::unique_ptr<Sequence>> finished, unfinished;
  std::vector<PoolSample> samples;
  std::vector<ScaleEvent> scales;
};

// A source of given requests.
class ListSource : public ArrivalSource {
 public:
  void Add(double t, int n_in, int n_out) {
    auto s = std::make_unique<Sequence>();
    s->id = list_.size();
    s->arrival = t;
    s->n_in = n_in;
    s->n_out = n_out;
    list_.push_back(std::move(s));
  }
  std::optional<Arrival> Next() override {
    if (next_ >= list_.size()) return std::nullopt;
    return Arrival{std::move(list_[next_++]), 0};
  }

 private:
  std::vector<std::unique_ptr<Sequence>> list_;
  size_t next_ = 0;
};

}  // namespace aiinfra::sim::fakes
