// An SLO planner in the manner of NVIDIA Dynamo's SLA planner (issue 4, item 5): every
// adjustment interval it forecasts the next interval's request count and input/output lengths,
// and sizes the prefill and decode pools from the performance model so that TTFT and ITL meet
// their targets. Dynamo's algorithm (docs.nvidia.com/dynamo, "Planner Design": throughput-based
// scaling), as we apply it:
//
//   1. Observe the interval: requests that arrived, their mean input length (ISL), the mean
//      output length (OSL) of the requests that finished, the mean TTFT and ITL.
//   2. Correction factors: prefill = observed TTFT / the profile's TTFT at the observed ISL;
//      decode = observed ITL / the profile's ITL at the batch the decode pool ran. They fold in
//      what the profile cannot see (queueing, prefix hits, interference).
//   3. Forecast requests, ISL and OSL of the next interval (predictor below).
//   4. Prefill replicas = ceil(rate * ISL * min(1, prefill correction) / prefill throughput),
//      the throughput being ISL / prefill time of one request of ISL tokens on a replica.
//      Decode replicas = ceil(rate * OSL / decode throughput), the throughput being batch / step
//      time at the largest batch whose step time at context ISL + OSL/2 is within
//      ITL target / decode correction (and whose KV cache fits).
//   5. Bounds: each pool's [min, max]; over the GPU budget both are cut in proportion.
//
// Predictors: constant (the last interval: Dynamo's `constant`), moving_average (mean of the
// last `history` intervals) and linear (least-squares trend over them, one interval ahead: our
// stand-in for Dynamo's ARIMA and Prophet, which are not implemented).
//
// Aggregated serving (one pool; Dynamo plans disaggregated pools only) is our extension: a
// replica shares its time between prefill and decode, so replicas = ceil(prefill load /
// prefill throughput + decode load / decode throughput), decode throughput taken at the ITL
// target without correction for the prefills it interleaves.
//
// Not thread-safe. Times are seconds.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"

namespace aiinfra::sim {

enum class Predictor { kConstant, kMovingAverage, kLinear };
Result<Predictor> ParsePredictor(std::string_view name);

// What one replica of a pool can do, from the performance model.
struct EngineProfile {
  std::function<double(double isl)> prefill_seconds;  // one request's prefill, alone
  std::function<double(double batch, double context)> decode_step_seconds;
  double max_batch = 1;                                 // max_num_seqs
  std::function<double(double context)> max_sequences;  // KV capacity at a context length
  int gpus = 1;
};

struct PlannerConfig {
  double interval = 60;  // adjustment_interval
  Predictor predictor = Predictor::kConstant;
  int history = 5;           // intervals the moving average and linear trend look at
  double ttft_target = 1;    // seconds
  double itl_target = 0.05;  // seconds
  bool correction = true;
  int min_prefill = 1, max_prefill = 64;
  int min_decode = 1, max_decode = 64;
  int max_gpus = 0;  // 0: no budget
};

struct PlannerObservation {
  double requests = 0;      // arrivals in the interval
  double isl = 0;           // their mean input tokens (0: none)
  double osl = 0;           // mean output tokens of the requests finished in it (0: none)
  double ttft = 0;          // mean TTFT of first tokens in it (0: none)
  double itl = 0;           // mean ITL (0: none)
  double decode_batch = 0;  // mean running sequences per decode replica
};

struct PlannerDecision {
  double rate = 0, isl = 0, osl = 0;  // the forecast (requests/s, tokens)
  double prefill_correction = 1, decode_correction = 1;
  double prefill_throughput = 0;  // tokens/s per replica
  double decode_throughput = 0;   // tokens/s per replica
  int prefill = 0;                // replicas; aggregated: the pool's
  int decode = 0;                 // 0 when aggregated
};

class Planner {
 public:
  // `decode` absent: aggregated serving with `prefill` as the one pool.
  Planner(PlannerConfig config, EngineProfile prefill, std::optional<EngineProfile> decode);

  // The decision at the end of an interval. Until a first interval with requests has been
  // seen the forecast is zero and the pools go to their minimums.
  PlannerDecision Decide(const PlannerObservation& observed);

  const PlannerConfig& config() const { return config_; }

 private:
  double Forecast(const std::deque<double>& series) const;
  // The largest decode batch meeting `itl` at `context` and its tokens/s.
  double DecodeThroughput(const EngineProfile& p, double itl, double context) const;

  PlannerConfig config_;
  EngineProfile prefill_;
  std::optional<EngineProfile> decode_;
  std::deque<double> requests_, isl_, osl_;
  double last_isl_ = 0, last_osl_ = 0;
  double prefill_correction_ = 1, decode_correction_ = 1;
};

}  // namespace aiinfra::sim
