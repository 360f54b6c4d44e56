// A scenario: what `aiinfra sim` runs (issue 4, items 1 and 7). One YAML document:
//
//   name: chat-70b                      # and an optional description
//   label: gb200                        # this run's name beside the variants (default: name)
//   compare:                            # more runs, each with fields changed as --set does
//     - {label: h200, set: {prefill.system: hgx-h200, decode.system: hgx-h200}}
//   seed: 7                             # default 1; the workload's seed unless it has its own
//   duration: 10min                     # arrivals stop here (the workload's unless it has one)
//   model: llama-3.1-70b                # a catalog id or alias
//   weights: fp8                        # dtype of the weights (default bf16)
//   kv_cache: fp8                       # dtype of the KV cache (default bf16)
//   deployment:                         # aggregated serving; or `prefill:` + `decode:`
//     system: hgx-h200                  # a catalog system
//     tp: 4                             # pp, ep, dp_attention as perf knows them (default 1)
//     replicas: 2                       # initial replicas
//     engine: {max_num_seqs: 256, max_num_batched_tokens: 8192, chunked_prefill: true,
//              prefix_caching: true, block_size: 16, gpu_memory_utilization: 0.9}
//     autoscaler:                       # the Kubernetes HPA, or KEDA with kind: keda
//       kind: hpa                       # or keda: adds polling_interval (30s), cooldown (300s),
//                                       # activation per metric; min may be 0 (scale to zero)
//       min: 1
//       max: 8
//       metric: requests                # one metric (sim/signals.h names: requests, running,
//       target: 32                      # waiting, kv_usage, request_rate, token_rate,
//                                       # ttft_p90, itl_mean, tpot_p90, e2e_p99, ...)
//       window: 30s                     # rates and latencies
//       metrics: [{metric: ttft_p90, target: 1s, window: 30s, type: value}]  # or several
//       sync_period: 15s, scale_up_window: 0s, scale_down_window: 300s, tolerance: 0.1
//     cold_start: {scheduling: 5s, image_pull: 60s, storage_bandwidth: 2GB/s, warmup: 30s}
//   kv_transfer: {network: scale-out | scale-up}   # disaggregated only (default scale-out)
//   planner:                            # SLO planner (planner.h) instead of pool autoscalers
//     {interval: 60s, predictor: constant | moving_average | linear, history: 5, ttft: 1s,
//      itl: 50ms, correction: true, max_gpus: 72, prefill: {min: 1, max: 8},
//      decode: {min: 1, max: 8}}        # aggregated: replicas: {min, max}
//   cluster: {gb200-nvl72: 1}           # systems x counts: replicas beyond them stay pending
//   router: {policy: prefix-affinity, queue_weight: 1, kv_weight: 1, prefix_weight: 1}
//   slos: "ttft<=2s,tpot<=50ms"         # metrics/slo.h syntax; applies to every class
//   class_slos: {batch: "e2e<=60s"}     # per class, by name
//   workload: {...}                     # workload/README.md
//
// Every error names file:line and the field. The weight load of a cold start is the replica's
// weight bytes over `storage_bandwidth`; a KV transfer moves the prompt's KV bytes over the
// prefill replica's links: its GPUs' NICs (scale-out) or their NVLink (scale-up).
#pragma once

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/result.h"
#include "hw/catalog.h"
#include "hw/collective_tuning.h"
#include "metrics/series.h"
#include "metrics/slo.h"
#include "metrics/summary.h"
#include "model/catalog.h"
#include "model/dtype.h"
#include "perf/calibration.h"
#include "perf/deployment.h"
#include "sim/adapters.h"
#include "sim/autoscaling_spec.h"
#include "sim/simulation.h"
#include "workload/workload.h"

namespace aiinfra::sim {

struct ColdStartSpec {
  double scheduling = 0;
  double image_pull = 0;
  double storage_bandwidth = 0;  // bytes/s; 0: weights load instantly
  double warmup = 0;
};

struct PoolScenario {
  std::string system;
  perf::Parallelism parallel;
  int replicas = 1;
  ReplicaConfig engine;
  double gpu_memory_utilization = 0.9;
  std::optional<ScaleSpec> autoscaler;
  ColdStartSpec cold_start;
};

// Another run of the same scenario with some fields changed, for a side-by-side comparison.
struct ScenarioVariant {
  std::string label;
  std::vector<std::pair<std::string, std::string>> set;  // path -> YAML value, as --set
};

struct Scenario {
  std::string file;
  std::string name;
  std::string description;
  std::string label;  // the run's name in comparisons (default: name)
  std::vector<ScenarioVariant> compare;
  uint64_t seed = 1;
  std::optional<double> duration;
  std::string model;
  Location model_at, pool_system_at, decode_system_at;  // for errors found when running
  model::Dtype weights = model::Dtype::kBF16;
  model::Dtype kv = model::Dtype::kBF16;
  PoolScenario pool;                   // aggregated, or prefill when `decode` is set
  std::optional<PoolScenario> decode;  // disaggregated
  bool kv_over_scale_up = false;
  Location kv_transfer_at;
  std::optional<PlannerConfig> planner;
  std::map<std::string, int> cluster;  // system -> count; empty: unlimited
  Location cluster_at;
  RouterConfig router;
  metrics::SloSet slos;
  std::map<std::string, metrics::SloSet> class_slos;
  workload::WorkloadSpec workload;
};

Result<Scenario> ParseScenario(std::string_view text, const std::string& file);

struct Catalogs {
  const hw::Catalog* hardware = nullptr;
  const model::ModelCatalog* models = nullptr;
  const perf::CalibrationSet* calibration = nullptr;
  const hw::CollectiveTuning* tuning = nullptr;
  Env* env = nullptr;  // to read a model given as a config.json path; null: catalog ids only
};

// A scenario's pools as the simulation loop takes them; `serve` runs the same in real time.
struct BuiltScenario {
  ClusterSpec cluster;
  int initial_gpus = 0;  // of the initial replicas, both pools
  int gpus_per_replica = 0;
  int64_t kv_blocks_per_replica = 0;
  int64_t max_model_len = 0;  // the model's context length
  double weight_bytes = 0;    // of one replica (aggregated or prefill pool), all its GPUs
  // A new replica's cold start in its parts, per pool (the first: aggregated or prefill).
  std::vector<ColdStart> cold_starts;
};

// Resolves the model and systems, builds each pool's performance model, KV cache size, cold
// start and autoscaler, and places the initial replicas on the cluster. kInvalidInput naming
// the scenario field for an unknown model or system or a deployment that does not fit.
Result<BuiltScenario> BuildScenario(const Scenario& scenario, const Catalogs& catalogs);

struct ScenarioResult {
  metrics::RunSummary summary;
  SimResult sim;
  std::vector<ScaleEvent> scales;
  metrics::TimeSeries series;
  std::vector<std::string> warnings;
  int gpus_per_replica = 0;
  int64_t kv_blocks_per_replica = 0;
  // A new replica's cold start in its parts, per pool (the first: aggregated or prefill).
  std::vector<ColdStart> cold_starts;
  // Completed requests' TTFT, TPOT and E2E per class, sorted, at most kLatencySamples each
  // (adapters.h): what the report's CDFs plot.
  LatencySamples latency_samples;
};

struct RunOptions {
  // Receives one CSV row per request as it ends (metrics::RecordCsvRow, header first), so the
  // run never holds them all. Not committed by the run.
  Env::OutputFile* requests_csv = nullptr;
  // Called about once per simulated second with (simulated time, horizon).
  std::function<void(double, double)> progress;
};

// Runs the scenario. kInvalidInput naming the scenario field for an unknown model or system, a
// deployment that does not fit in memory, or a workload that cannot start; the requests file's
// write error.
Result<ScenarioResult> RunScenario(const Scenario& scenario, const Catalogs& catalogs,
                                   const RunOptions& options = {});

}  // namespace aiinfra::sim
