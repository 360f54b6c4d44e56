// Prometheus text exposition (format 0.0.4) of counters, gauges and histograms with labels, and
// the vLLM metric set of specs/metrics.md, so that dashboards, KEDA triggers, HPA adapters and
// routers built for vLLM read `aiinfra serve` unchanged.
//
// Format (https://prometheus.io/docs/instrumenting/exposition_formats/): per family
//   # HELP <name> <help, with \ and newline escaped as \\ and \n>
//   # TYPE <name> counter|gauge|histogram
// then one sample line per label set, `name{label="value",...} value`, label values escaped
// (\ as \\, " as \", newline as \n). A histogram's samples are `<name>_bucket{...,le="b"}` with
// cumulative counts for each upper bound b ascending and le="+Inf" (= the count), then
// `<name>_sum` and `<name>_count`. Values print as the shortest text that parses back to the
// same double ("3", "0.25", "1e-05"), with "+Inf", "-Inf" and "NaN". Counter families are named
// with their "_total" suffix, as vLLM's exposition shows them. Families print in registration
// order, label sets in ascending order of their values, so the output is deterministic.
// A family without labels has its one child from the start (it prints 0 before any update).
//
// Names are constants chosen by the programmer: an invalid metric or label name, duplicate
// family, wrong label count, unsorted histogram bounds or a negative counter increment is a
// bug and asserted.
//
// Thread safety: none. Registry, families and children are updated and rendered from one
// thread (serve's engine strand); callers serialize otherwise. Children are stable in memory:
// a reference from With() stays valid for the registry's lifetime, so hot paths keep it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/record.h"

namespace aiinfra::metrics::prom {

// --- vLLM names (specs/metrics.md) ------------------------------------------------------------
inline constexpr std::string_view kModelNameLabel = "model_name";
inline constexpr std::string_view kNumRequestsRunning = "vllm:num_requests_running";
inline constexpr std::string_view kNumRequestsWaiting = "vllm:num_requests_waiting";
inline constexpr std::string_view kKvCacheUsagePerc = "vllm:kv_cache_usage_perc";
inline constexpr std::string_view kPromptTokensTotal = "vllm:prompt_tokens_total";
inline constexpr std::string_view kGenerationTokensTotal = "vllm:generation_tokens_total";
inline constexpr std::string_view kRequestSuccessTotal = "vllm:request_success_total";
inline constexpr std::string_view kPrefixCacheQueriesTotal = "vllm:prefix_cache_queries_total";
inline constexpr std::string_view kPrefixCacheHitsTotal = "vllm:prefix_cache_hits_total";
inline constexpr std::string_view kTimeToFirstTokenSeconds = "vllm:time_to_first_token_seconds";
inline constexpr std::string_view kInterTokenLatencySeconds = "vllm:inter_token_latency_seconds";
inline constexpr std::string_view kRequestTimePerOutputTokenSeconds =
    "vllm:request_time_per_output_token_seconds";
inline constexpr std::string_view kE2eRequestLatencySeconds = "vllm:e2e_request_latency_seconds";
inline constexpr std::string_view kRequestQueueTimeSeconds = "vllm:request_queue_time_seconds";
inline constexpr std::string_view kRequestPrefillTimeSeconds = "vllm:request_prefill_time_seconds";
inline constexpr std::string_view kRequestDecodeTimeSeconds = "vllm:request_decode_time_seconds";
inline constexpr std::string_view kRequestPromptTokens = "vllm:request_prompt_tokens";
inline constexpr std::string_view kRequestGenerationTokens = "vllm:request_generation_tokens";

// vLLM's histogram bucket upper bounds (seconds), as defined in vllm/v1/metrics/loggers.py
// (PrometheusStatLogger) and, in later releases, vllm/v1/metrics/buckets.py
// (TIME_TO_FIRST_TOKEN_BUCKETS, INTER_TOKEN_LATENCY_BUCKETS, REQUEST_LATENCY_BUCKETS):
// https://github.com/vllm-project/vllm/blob/main/vllm/v1/metrics/buckets.py
// time_to_first_token_seconds:
inline constexpr std::array<double, 22> kTtftBuckets = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25,  0.5,   0.75,
    1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
// inter_token_latency_seconds and request_time_per_output_token_seconds:
inline constexpr std::array<double, 19> kInterTokenBuckets = {
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,  0.3,  0.4, 0.5,
    0.75, 1.0,   2.5,  5.0,   7.5, 10.0, 20.0, 40.0, 80.0};
// e2e_request_latency_seconds, request_queue_time_seconds, request_prefill_time_seconds,
// request_decode_time_seconds:
inline constexpr std::array<double, 21> kRequestLatencyBuckets = {
    0.3,  0.5,  0.8,  1.0,  1.5,   2.0,   2.5,   5.0,   10.0,   15.0,  20.0,
    30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
// request_prompt_tokens and request_generation_tokens: vLLM's build_1_2_5_buckets(max_model_len),
// i.e. 1, 2, 5, 10, 20, 50, ... up to max_model_len.
std::vector<double> TokenCountBuckets(std::uint64_t max_model_len);

// --- Text format helpers ------------------------------------------------------------------
bool ValidMetricName(std::string_view name);  // [a-zA-Z_:][a-zA-Z0-9_:]*
bool ValidLabelName(std::string_view name);   // [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__"
std::string EscapeLabelValue(std::string_view value);
std::string EscapeHelp(std::string_view help);
std::string FormatValue(double value);

// --- Children -----------------------------------------------------------------------------
class Counter {
 public:
  void Inc(double by = 1);  // by >= 0
  double value() const { return value_; }

 private:
  double value_ = 0;
};

class Gauge {
 public:
  void Set(double value) { value_ = value; }
  void Inc(double by = 1) { value_ += by; }
  void Dec(double by = 1) { value_ -= by; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

class Histogram {
 public:
  // `bounds` (strictly ascending, finite) must outlive the histogram (its family owns them).
  explicit Histogram(const std::vector<double>* bounds);
  // Counts v in the first bucket whose upper bound is >= v (le semantics).
  void Observe(double value);
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  // Per-bucket (not cumulative) counts; the last entry is the +Inf bucket.
  const std::vector<std::uint64_t>& bucket_counts() const { return counts_; }

 private:
  const std::vector<double>* bounds_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

// --- Families and the registry ------------------------------------------------------------
enum class Type { kCounter, kGauge, kHistogram };

class FamilyBase {
 public:
  FamilyBase(Type type, std::string name, std::string help, std::vector<std::string> labels);
  virtual ~FamilyBase() = default;
  Type type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return labels_; }
  // Appends this family's HELP, TYPE and sample lines.
  virtual void Render(std::string& out) const = 0;

 protected:
  // `{a="x",b="y"` without the closing brace ("" with no labels), for the sample lines.
  std::string LabelPrefix(const std::vector<std::string>& values) const;

  Type type_;
  std::string name_;
  std::string help_;
  std::vector<std::string> labels_;
};

template <typename Child>
class Family : public FamilyBase {
 public:
  Family(Type type, std::string name, std::string help, std::vector<std::string> labels,
         std::vector<double> bounds = {});
  // The child for these label values (one per label name, in order), created at first use.
  Child& With(const std::vector<std::string>& values);
  void Render(std::string& out) const override;

 private:
  std::vector<double> bounds_;  // histograms only
  std::map<std::vector<std::string>, std::unique_ptr<Child>> children_;
};

class Registry {
 public:
  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> labels = {});
  Family<Gauge>& AddGauge(std::string name, std::string help, std::vector<std::string> labels = {});
  // `bounds`: upper bounds, strictly ascending and finite; +Inf is implicit. No label "le".
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> labels, std::vector<double> bounds);
  // The whole exposition; serve answers /metrics with it as
  // "text/plain; version=0.0.4; charset=utf-8".
  std::string Render() const;

 private:
  void CheckNew(const std::string& name) const;
  std::vector<std::unique_ptr<FamilyBase>> families_;
};

// The vLLM metric set for one served model (label model_name; request_success_total adds
// finished_reason), registered in `registry` with vLLM's buckets.
class VllmMetrics {
 public:
  VllmMetrics(Registry& registry, std::string model_name, std::uint64_t max_model_len);

  // Scheduler state; kv_usage is a fraction in [0, 1] as vLLM's kv_cache_usage_perc.
  void SetScheduler(double running, double waiting, double kv_usage);
  // A finished request. Prompt, generation and prefix-cache counters advance for every outcome
  // but kDropped and kUnfinished (the work was done), so they move at request end rather than per
  // engine step; rate() over a scrape interval is unaffected in the long run. request_success_total
  // counts kOk with `finished_reason` ("stop", "length") and error, cancelled and timeout as
  // "abort", as vLLM does. Histograms take completed requests only: ttft; inter_token_latency from
  // the request's icl gaps (vLLM observes one gap per engine step and request, i.e. per chunk,
  // which is our icl, not our per-token itl); request_time_per_output_token from tpot; e2e; queue
  // (t_sched - t_send) and prefill (t_first - t_sched) when t_sched is known; decode
  // (t_last - t_first); prompt and generation token counts.
  void ObserveFinished(const RequestRecord& record, std::string_view finished_reason = "stop");

  Gauge& running() { return *running_; }
  Gauge& waiting() { return *waiting_; }
  Gauge& kv_usage() { return *kv_usage_; }
  Counter& prompt_tokens() { return *prompt_tokens_; }
  Counter& generation_tokens() { return *generation_tokens_; }

 private:
  std::string model_name_;
  Gauge* running_;
  Gauge* waiting_;
  Gauge* kv_usage_;
  Counter* prompt_tokens_;
  Counter* generation_tokens_;
  Counter* prefix_queries_;
  Counter* prefix_hits_;
  Family<Counter>* success_;
  Histogram* ttft_;
  Histogram* itl_;
  Histogram* tpot_;
  Histogram* e2e_;
  Histogram* queue_;
  Histogram* prefill_;
  Histogram* decode_;
  Histogram* prompt_len_;
  Histogram* generation_len_;
};

}  // namespace aiinfra::metrics::prom
