// The capacity planner: which deployment serves a request rate within SLOs at the lowest cost.
//
// For every hardware system asked for, weight format, parallelism (TP x PP, and for MoE models
// EP with or without DP attention), batch cap and serving mode (aggregated, or prefill/decode
// disaggregated with the best xPyD ratio), the planner takes the replica's performance curve
// from perf (step time as a function of the batch) and sizes the replica count for the rate:
//
// - Aggregated: with R replicas each receives lambda/R requests/s; the running batch n settles
//   where the replica's request throughput X(n) equals that rate. TPOT is the step time at n;
//   TTFT is the prompt's step plus queueing for a batch slot, from the Erlang C formula of an
//   M/M/c queue whose c servers are the batch cap's slots and whose service time is a request's
//   residence (TTFT + osl x TPOT). Percentiles of TTFT use the exponential tail of the M/M/c
//   wait; TPOT percentiles are the mean (a request's TPOT averages osl steps).
// - Disaggregated: the prefill pool is an M/M/c queue of prompts (c = replicas x prompts per
//   step); decode replicas settle as above; the KV moves between them (perf).
// The simulator refines these estimates with the real dynamics (scheduling, bursts).
//
// Memory feasibility comes from perf's memory plan (weights + KV at the needed concurrency +
// activation/workspace reserve). Plans are ranked by $/h when every system is priced, else by
// GPU count, then by tokens/s per GPU.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "hw/catalog.h"
#include "model/architecture.h"
#include "model/dtype.h"
#include "perf/calibration.h"
#include "perf/comm_curve.h"
#include "perf/deployment.h"
#include "perf/throughput.h"
#include "plan/pareto.h"

namespace aiinfra::plan {

// One SLO: a percentile of TTFT or TPOT, e.g. ttft_p90=500ms.
struct Slo {
  std::string metric;  // "ttft" or "tpot"
  double percentile = 90;
  double limit = 0;          // seconds
  std::string Name() const;  // "ttft_p90"
};
// "ttft_p90=500ms,tpot_p90=50ms" (also p50, p95, p99, p99.9). kUsage otherwise.
Result<std::vector<Slo>> ParseSlos(std::string_view text);
// "H200=3.5/h,B200=6/h": $ per GPU-hour by accelerator or system (case-insensitive prefix of an
// accelerator id, e.g. h200 -> h200-sxm). kUsage otherwise.
Result<std::map<std::string, double>> ParsePrices(std::string_view text);

struct PlanRequest {
  model::Architecture model;
  std::vector<const hw::System*> systems;
  std::vector<model::Dtype> weights = {model::Dtype::kFP8, model::Dtype::kBF16};
  model::Dtype kv = model::Dtype::kFP8;
  perf::Workload workload;
  double rate = 1;  // requests/s
  std::vector<Slo> slos;
  bool aggregated = true;                // search aggregated replicas
  bool disaggregated = true;             // search prefill/decode disaggregated pools
  int max_gpus = 0;                      // total GPUs a plan may use; 0: no limit
  std::map<std::string, double> prices;  // accelerator id -> $/GPU-hour
};

struct Plan {
  std::string system;
  std::string accelerator;
  std::string weights;
  perf::Parallelism parallel;
  bool disaggregated = false;
  int replicas = 0;          // aggregated replicas, or decode replicas when disaggregated
  int prefill_replicas = 0;  // disaggregated only
  int gpus_per_replica = 0;
  int gpus = 0;
  int batch_cap = 0;  // max_num_seqs per replica (decode replica when disaggregated)
  double batch = 0;   // running sequences per replica at the rate
  double ttft = 0;    // the SLO percentile (seconds), or p90 when none
  double tpot = 0;    // seconds
  double ttft_percentile = 90;
  double tokens_per_s_per_gpu = 0;   // output, at the requested rate
  double tokens_per_s_per_user = 0;  // 1 / TPOT
  std::optional<double> dollars_per_hour;
  std::optional<double> dollars_per_million_tokens;
  double utilization = 0;           // of the replicas' capacity at the rate
  std::vector<std::string> misses;  // SLOs it does not meet ("ttft_p90 812ms > 500ms")
  double violation = 0;             // sum of relative overshoots (0 when it meets every SLO)

  std::string Label() const;  // "hgx-h200 fp8 TP4 x3" / "... 2P1D"
};

struct PlanResult {
  std::vector<Plan> plans;          // meeting every SLO, best first (at most `keep`)
  std::vector<Plan> nearest;        // when none meets: the closest misses, best first
  std::vector<ParetoPoint> points;  // every (configuration, batch) at saturation
  std::vector<int> frontier;        // indices into points
  int configurations = 0;           // deployments evaluated
  int operating_points = 0;         // (configuration, batch) pairs evaluated
};

// Runs the search. kNoResult when the model fits none of the systems (the message says by how
// much, and names the smallest catalog system that fits); when no plan meets the SLOs, `plans`
// is empty and `nearest` holds three plans with what each misses (the caller reports it).
Result<PlanResult> Search(const PlanRequest& request, const hw::Catalog& catalog,
                          const perf::CalibrationSet& calibration, perf::CommCache& comm,
                          std::size_t keep = 10);

// The smallest catalog system (by accelerator count, then memory) whose memory holds `model`'s
// weights in `weights` with room for activations, or "" when none does.
std::string SmallestFittingSystem(const model::Architecture& model, model::Dtype weights,
                                  const hw::Catalog& catalog);

// Resolves --hw names: a system id, an accelerator id (its first system), or a case-insensitive
// prefix of either ("h200" -> hgx-h200). kNotFound with suggestions.
Result<const hw::System*> ResolveHardware(std::string_view name, const hw::Catalog& catalog);

}  // namespace aiinfra::plan
