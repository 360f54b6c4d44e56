// TimeSeries: fixed-width (default 1 s) buckets of what a run looks like over time, pushed by
// the simulator (and by serve and bench) as things happen, exported as CSV or column JSON for
// the report's charts and read by autoscaling policies.
//
// Three kinds of columns:
// - Counters: amounts summed per bucket (arrivals, completions, failures, input and output
//   tokens; the export adds output_tokens_per_s = output_tokens / step).
// - Gauges: levels set at event times (running, waiting, replicas ready and starting, KV-cache
//   usage in [0, 1]). A gauge holds its value until the next Set; a bucket reports the
//   time-weighted mean over the part of the bucket where the gauge was defined (from its first
//   Set to Close), NaN (empty in CSV, null in JSON) where it was not.
// - Windowed TTFT quantile (default p90 over 30 s): at each bucket, the quantile of the TTFTs
//   observed in the last `ttft_window` seconds up to the end of that bucket, from LogBuckets
//   (quantiles.h, 0.5% relative error) that slide bucket by bucket.
// More counters and gauges can be added by name (e.g. per-pool replica counts).
//
// Time: seconds. Bucket b covers [t0 + b step, t0 + (b + 1) step); times before t0 count in
// bucket 0. Counters accept any order. Gauges and TTFT observations are expected in
// nondecreasing time: a gauge Set earlier than that gauge's previous Set takes effect at the
// previous time, and a TTFT observed for a bucket already passed counts in the current one.
// Call Close(t_end) once at the end: it integrates the gauges up to t_end and computes the last
// windowed quantiles; reads before Close see only what has been integrated so far.
//
// Memory: proportional to duration / step times the number of columns (8 bytes per counter,
// 16 per gauge, 8 for the TTFT quantile per bucket: ~130 bytes per simulated second with the
// standard columns), plus the window's buckets; never proportional to the number of requests.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "metrics/quantiles.h"

namespace aiinfra::metrics {

class TimeSeries {
 public:
  struct Options {
    double t0 = 0;
    double step = 1.0;           // > 0
    double ttft_window = 30.0;   // rounded to whole steps (at least one)
    double ttft_quantile = 0.9;  // in (0, 1]
  };

  // The standard columns, registered by the constructor in this order.
  enum StandardCounter : int { kArrivals, kCompletions, kFailures, kInputTokens, kOutputTokens };
  enum StandardGauge : int { kRunning, kWaiting, kReplicasReady, kReplicasStarting, kKvUsage };

  explicit TimeSeries(Options options);
  TimeSeries() : TimeSeries(Options{}) {}

  // Registers another column; returns its id for Count/Set. Names must be unique (asserted).
  int AddCounter(std::string name);
  int AddGauge(std::string name);

  void Count(int counter, double t, double amount = 1);
  void Set(int gauge, double t, double value);
  // A request's TTFT (seconds), observed at time t (when its first token came).
  void ObserveTtft(double t, double ttft);
  // Ends the series at t_end (>= every time pushed).
  void Close(double t_end);

  const Options& options() const { return options_; }
  std::size_t size() const { return size_; }  // buckets
  double BucketStart(std::size_t bucket) const;
  double CounterValue(int counter, std::size_t bucket) const;
  double GaugeMean(int gauge, std::size_t bucket) const;
  double TtftQuantile(std::size_t bucket) const;
  // "ttft_p90" for the default quantile.
  std::string TtftColumnName() const;

  // Header "t,<counters>,output_tokens_per_s,<gauges>,ttft_p90", one row per bucket.
  void WriteCsv(std::ostream& out) const;
  // {"t0", "step", "ttft_window", "ttft_quantile", "columns": {"t": [...], <same as CSV>}}.
  nlohmann::ordered_json ToJson() const;

 private:
  struct GaugeState {
    std::string name;
    std::vector<double> integral;  // value x seconds per bucket
    std::vector<double> covered;   // seconds per bucket where the gauge was defined
    double value = 0;
    double since = 0;
    bool defined = false;
  };
  struct CounterColumn {
    std::string name;
    std::vector<double> values;
  };

  std::size_t Bucket(double t) const;
  void Grow(std::size_t buckets);
  void Integrate(GaugeState& g, double t);
  void AdvanceTtft(std::size_t bucket);
  // The export's columns after "t", in order.
  std::vector<std::string> ColumnNames() const;
  double ColumnValue(std::size_t column, std::size_t bucket) const;

  Options options_;
  std::size_t window_buckets_;
  std::size_t size_ = 0;
  std::vector<CounterColumn> counters_;
  std::vector<GaugeState> gauges_;
  std::vector<double> ttft_q_;
  std::size_t ttft_bucket_ = 0;  // the bucket the newest window slot belongs to
  std::deque<LogBuckets> window_;
  LogBuckets window_total_;
};

}  // namespace aiinfra::metrics
