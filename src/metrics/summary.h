// MetricsCollector and RunSummary: the aggregates of specs/metrics.md over finished requests,
// overall and per tenant class, as JSON (names exactly as the spec) and as a table.
//
// Ingest: every finished RequestRecord, whatever its outcome, goes to Add(). Only completed
// requests (Outcome::kOk) enter latency statistics and throughput; failed ones (error,
// cancelled, timeout, dropped) and unfinished ones are counted by outcome and nothing else.
//
// Aggregates per metric: count, mean, min, max and p50, p90, p95, p99, p99.9 (quantiles.h:
// exact up to CollectorOptions::exact_limit values, then within 0.5% relative error). ttft,
// e2e, tpot, ntpot, queue and tps_user are per-request distributions (their percentiles describe
// slow requests); itl and icl are pooled over all completed requests' token and chunk gaps
// (their percentiles describe slow tokens and chunks); each metric's "kind" says which. A
// metric undefined for a request (tpot for n_out <= 1, queue without t_sched) is left out of
// that metric's statistics, so counts differ between metrics.
//
// Run level:
// - duration = last completion - first send: first send over every request added, last
//   completion over every request that ended (not kUnfinished; its Finish time, or its last
//   chunk). Class groups use the run's duration, so class throughputs add up to the total.
// - request_throughput = completed / duration; output_throughput = sum n_out / duration;
//   input_throughput = sum n_in / duration (completed requests); throughput_per_gpu =
//   output_throughput / gpus (CollectorOptions::gpus: the run's mean GPU count, e.g. a
//   simulator's GPU-seconds / duration; undefined when 0).
// - goodput = completed requests meeting every per-request SLO of their class (slo.h) /
//   duration; token_goodput = their output tokens / duration; slo_attainment = those requests /
//   requests that ended (completed + failed; unfinished excluded). All three are undefined
//   (null) when the group has no per-request SLO. Run-scope SLOs are reported as checks.
// Undefined values are NaN in RunSummary and null in JSON.
//
// Cost: Add updates only the request's class (about 10 ns per token for itl and icl each); the
// overall group is the merge of the classes, built by Summarize. Memory: per class eight
// QuantileSketch, each at most exact_limit values (160 KB at the default) and then ~12 KB;
// never proportional to the number of requests. Collectors merge (Merge), so shards of a sweep
// can be reduced in any grouping; results do not depend on the order of Add (except, rarely,
// the last bit of a mean or sum). Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/quantiles.h"
#include "metrics/record.h"
#include "metrics/slo.h"

namespace aiinfra::metrics {

enum class MetricId : std::uint8_t { kTtft, kE2e, kTpot, kNtpot, kItl, kIcl, kQueue, kTpsUser };
inline constexpr int kMetricCount = 8;
std::string_view MetricName(MetricId id);  // "ttft", "e2e", ..., "tps_user"
bool IsPooled(MetricId id);                // itl, icl
std::string_view MetricUnit(MetricId id);  // "s", or "tokens/s" for tps_user

struct MetricStats {
  MetricId id = MetricId::kTtft;
  std::uint64_t count = 0;
  double mean = 0, min = 0, max = 0;    // NaN when count == 0
  std::array<double, 5> percentiles{};  // at kPercentiles; NaN when count == 0
  bool exact = true;                    // false once bucketed (0.5% relative error)
};

struct SloCheck {
  Slo slo;           // a run-scope SLO
  double value = 0;  // the run's percentile; NaN without data
  bool met = false;
};

struct GroupSummary {
  std::string name;  // "all" for the overall group, else the class name
  std::uint64_t requests = 0;
  std::array<std::uint64_t, kOutcomeCount> by_outcome{};
  std::uint64_t completed = 0, failed = 0, unfinished = 0;
  std::uint64_t input_tokens = 0, cached_tokens = 0, output_tokens = 0;  // completed requests
  double request_throughput = 0, output_throughput = 0, input_throughput = 0;
  double throughput_per_gpu = 0;
  SloSet slos;
  std::uint64_t good = 0;  // completed requests meeting every per-request SLO
  double goodput = 0, token_goodput = 0, slo_attainment = 0;
  std::vector<SloCheck> slo_checks;
  std::array<MetricStats, kMetricCount> metrics{};
};

struct RunSummary {
  double t_start = 0, t_end = 0, duration = 0;  // NaN when nothing ended
  double gpus = 0;
  double relative_accuracy = kDefaultRelativeAccuracy;
  GroupSummary overall;
  std::vector<GroupSummary> classes;  // by class index
};

struct CollectorOptions {
  // Class names by index; a class index beyond them is named "class<i>".
  std::vector<std::string> class_names;
  double gpus = 0;
  // SLOs of every class without its own, and the overall group's run-scope checks.
  SloSet slos;
  // Per-class SLOs by class index; nullopt (or no entry) means `slos`.
  std::vector<std::optional<SloSet>> class_slos;
  std::uint64_t exact_limit = kDefaultExactLimit;
};

class MetricsCollector {
 public:
  explicit MetricsCollector(CollectorOptions options = {});

  // Ingests a finished (or, at the end of a run, unfinished) request.
  void Add(const RequestRecord& record);
  // Adds everything `other` ingested; its options must match.
  void Merge(const MetricsCollector& other);

  std::uint64_t requests() const { return requests_; }
  const CollectorOptions& options() const { return options_; }
  // The run's mean GPU count, when it is known only at the end (a run that autoscales).
  void set_gpus(double gpus) { options_.gpus = gpus; }

  RunSummary Summarize() const;

 private:
  struct Group {
    explicit Group(std::uint64_t exact_limit);
    void Merge(const Group& other);

    std::uint64_t requests = 0;
    std::array<std::uint64_t, kOutcomeCount> by_outcome{};
    std::uint64_t input_tokens = 0, cached_tokens = 0, output_tokens = 0;
    std::uint64_t good = 0, good_tokens = 0;
    std::vector<QuantileSketch> stats;  // by MetricId
  };

  const SloSet& SlosOf(std::uint32_t class_index) const;
  std::string ClassName(std::uint32_t class_index) const;
  Group& ClassGroup(std::uint32_t class_index);
  GroupSummary SummarizeGroup(const Group& g, std::string name, const SloSet& slos, double duration,
                              bool overall) const;

  CollectorOptions options_;
  std::uint64_t requests_ = 0;
  std::vector<Group> classes_;  // by class index; the overall group is their merge
  double t_start_;
  double t_end_;
};

// {"duration", "t_start", "t_end", "gpus", "relative_accuracy", then the overall group's fields
// at top level ("requests": {"total", "completed", "failed", "unfinished", "by_outcome"},
// "tokens", "request_throughput", "output_throughput", "input_throughput",
// "throughput_per_gpu", "goodput", "token_goodput", "slo_attainment", "slos", "slo_checks",
// "metrics": {"ttft": {"kind": "per_request"|"pooled", "unit", "count", "mean", "min", "max",
// "p50", "p90", "p95", "p99", "p99.9", "exact"}, ...}), "classes": [{"name", ...same}]}.
nlohmann::ordered_json ToJson(const RunSummary& summary);
// Human tables: the run's figures, the metric statistics of the overall group, and one line
// per class when there is more than one.
std::string RenderTable(const RunSummary& summary);

}  // namespace aiinfra::metrics
