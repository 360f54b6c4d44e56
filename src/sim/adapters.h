// The scenario's adapters between the simulation loop and the workload and metrics libraries:
// WorkloadSource hands a WorkloadGenerator's requests to the loop (the open-loop stream and
// closed-loop users); RunRecorder turns what the loop reports into request records for the
// metrics collector, the 1-second time series, the streamed per-request CSV and the latency
// samples the report's CDFs plot; CountingSource tells the recorder of each request handed out.
//
// Memory stays bounded by requests in flight: records live from a request's first token (or
// its end) until it ends, and the latency samples are a fixed-size reservoir per class.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/env.h"
#include "metrics/record.h"
#include "metrics/series.h"
#include "metrics/summary.h"
#include "sim/simulation.h"
#include "workload/generator.h"

namespace aiinfra::sim {

// The generator's requests as sequences. A closed-loop user sends its next request a think
// time after its previous one finished, unless that falls after the generator's horizon.
class WorkloadSource : public ArrivalSource {
 public:
  explicit WorkloadSource(workload::WorkloadGenerator& generator) : g_(generator) {}
  std::optional<Arrival> Next() override;
  std::vector<Arrival> Start() override;
  std::optional<Arrival> FollowUp(const Sequence& ended, double t) override;
  // Why the stream ended early (a trace that changed while it was read), if it did.
  const std::optional<Error>& error() const { return error_; }

 private:
  Arrival Send(int class_index, int user, double at);

  workload::WorkloadGenerator& g_;
  std::optional<Error> error_;
  std::unordered_map<uint64_t, std::pair<int, int>> users_;  // request in flight -> (class, user)
};

// Up to this many completed requests' TTFT, TPOT and E2E per class, drawn uniformly (reservoir
// sampling, seeded): [metric: ttft, tpot, e2e][class] -> seconds.
inline constexpr size_t kLatencySamples = 4000;
using LatencySamples = std::array<std::vector<std::vector<double>>, 3>;

struct RecorderOptions {
  std::vector<std::string> class_names;
  int pools = 1;       // samples of a tick come one per pool; they are summed
  double horizon = 0;  // for `progress`
  uint64_t seed = 1;   // of the latency reservoir
  // Receives one CSV row per request as it ends (header first); not committed here.
  Env::OutputFile* requests_csv = nullptr;
  std::function<void(double, double)> progress;  // (simulated time, horizon), once a tick
};

class RunRecorder : public SimObserver {
 public:
  // Everything referenced outlives the recorder.
  RunRecorder(metrics::MetricsCollector& collector, metrics::TimeSeries& series,
              std::vector<ScaleEvent>& scales, LatencySamples& samples, RecorderOptions options);

  void OnToken(const Sequence& seq, int pool, int replica, double t) override;
  void OnFinish(std::unique_ptr<Sequence> seq, int pool, int replica, double t) override;
  void OnUnfinished(std::unique_ptr<Sequence> seq, double t) override;
  void OnSample(const PoolSample& p) override;
  void OnScale(const ScaleEvent& e) override { scales_.push_back(e); }
  // A request was handed to the loop (counted at its arrival time).
  void Arrived(const Sequence& seq);

  // The first error writing the requests CSV; later rows are not written.
  const std::optional<Error>& write_error() const { return write_error_; }

 private:
  metrics::RequestRecord& Record(const Sequence& seq);
  void Done(const Sequence& seq, metrics::RequestRecord& r);
  void Sample(int class_index, const metrics::RequestRecord& r);
  void Keep(const Status& s);

  metrics::MetricsCollector& collector_;
  metrics::TimeSeries& series_;
  std::vector<ScaleEvent>& scales_;
  LatencySamples& samples_;
  RecorderOptions options_;
  std::optional<Error> write_error_;
  std::vector<uint64_t> seen_;  // completed requests per class, for the reservoir
  std::mt19937_64 rng_;
  std::unordered_map<uint64_t, metrics::RequestRecord> records_;  // in flight only
  PoolSample tick_;  // the current tick's pools, summed
  int tick_pools_ = 0;
};

// Passes the inner source's requests on, telling the recorder of each.
class CountingSource : public ArrivalSource {
 public:
  CountingSource(ArrivalSource& inner, RunRecorder& recorder)
      : inner_(inner), recorder_(recorder) {}
  std::optional<Arrival> Next() override { return Seen(inner_.Next()); }
  std::vector<Arrival> Start() override;
  std::optional<Arrival> FollowUp(const Sequence& ended, double t) override {
    return Seen(inner_.FollowUp(ended, t));
  }

 private:
  std::optional<Arrival> Seen(std::optional<Arrival> a);

  ArrivalSource& inner_;
  RunRecorder& recorder_;
};

}  // namespace aiinfra::sim
