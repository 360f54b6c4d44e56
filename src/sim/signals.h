// The signals an autoscaler reads from a pool of replicas (specs/metrics.md "Autoscaling
// signals"), as a Prometheus query over the replicas' vLLM metrics would give them, so a
// simulated policy reads what the same policy would read in a cluster:
//
//   requests, running, waiting, kv_usage   gauges at the sync (vllm:num_requests_running,
//                                          _waiting, vllm:kv_cache_usage_perc)
//   request_rate, token_rate               arrivals and output tokens per second over the
//                                          window (rate() of the _total counters)
//   ttft, itl, tpot, e2e, queue            a quantile (histogram_quantile over the window's
//                                          bucket increases, vLLM's buckets) or the mean
//                                          (rate of _sum / rate of _count); TTFT observed at
//                                          the first token, ITL at each later one, TPOT, E2E
//                                          and queue time when the request finishes (as vLLM)
//
// Window resolution is one second: an observation at time t lands in second floor(t), and a
// window of W seconds at `now` covers the W seconds up to and including floor(now)'s. A
// quantile interpolates linearly inside its bucket, and a quantile in the +Inf bucket is the
// highest finite bound, as histogram_quantile does; with no observations in the window it
// is NaN (Prometheus returns no sample), and the autoscaler skips the metric.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace aiinfra::sim {

enum class Signal {
  kRequests,  // running + waiting
  kRunning,
  kWaiting,  // in replicas' queues and in the router's
  kKvUsage,  // fraction
  kRequestRate,
  kTokenRate,
  kTtft,
  kItl,
  kTpot,
  kE2e,
  kQueue,
};

struct SignalSpec {
  Signal signal = Signal::kRequests;
  double quantile = 0.9;  // latencies: the quantile in (0, 1), or 0 for the mean
  double window = 30;     // seconds, rates and latencies
  bool latency() const { return signal >= Signal::kTtft; }
  bool gauge() const { return signal <= Signal::kKvUsage; }
};

// "requests", "kv_usage", "request_rate", "ttft_p90", "itl_mean", "e2e_p99.9", ... (the window
// comes separately). Errors list the accepted names.
Result<SignalSpec> ParseSignal(std::string_view name);
std::string SignalName(const SignalSpec& spec);

// Latency histograms and counters of one pool over a sliding window.
class PoolSignals {
 public:
  // `window` is the longest window any query will ask for (seconds, 1 to 86400).
  explicit PoolSignals(double window);

  void Arrival(double t);
  void OutputToken(double t);
  void Latency(Signal kind, double t, double seconds);  // a latency kind (kTtft and after)

  // Events per second over the `window` seconds up to `now` (kRequestRate, kTokenRate).
  double Rate(Signal kind, double now, double window) const;
  // The spec's quantile or mean of a latency over its window up to `now`; NaN without data.
  double LatencyStat(const SignalSpec& spec, double now) const;

 private:
  static constexpr int kKinds = 5;
  static constexpr int kMaxBuckets = 23;  // the longest vLLM bucket list + the +Inf bucket
  struct Second {
    int64_t index = -1;  // the second this slot holds; -1: empty
    uint32_t arrivals = 0;
    uint32_t tokens = 0;
    std::array<std::array<uint32_t, kMaxBuckets>, kKinds> buckets{};
    std::array<double, kKinds> sums{};
  };
  Second& At(double t);
  const Second* Find(int64_t index) const;

  std::vector<Second> ring_;
};

}  // namespace aiinfra::sim
