// Throughput predictions: the operating point a replica (or a prefill/decode pair of pools)
// reaches on a workload of fixed input and output lengths, at best throughput or within latency
// limits. What `aiinfra perf throughput` prints and the planner searches over.
//
// Steady state of continuous batching with B sequences resident (src/perf/README.md):
// every step decodes B tokens at the mean context isl + osl/2 and, to keep B sequences running,
// prefills B x isl/osl prompt tokens (chunked prefill mixes them in). Then
//   TPOT = step time,  output rate = B / step time,
//   TTFT = half a step (waiting for the running step) + the steps that carry the prompt.
// Memory bounds B (KV of B sequences at the mean context), as do max_num_seqs and the token
// budget (B x (1 + isl/osl) <= max_num_batched_tokens per attention group). Queueing delay is
// not included (the planner adds it; the simulator measures it).
#pragma once

#include <optional>
#include <string>

#include "common/result.h"
#include "perf/perf_model.h"

namespace aiinfra::perf {

enum class Mode {
  kOffline,  // prefill and decode in the same replica (aggregated)
  kPrefill,  // a prefill-only instance (PD disaggregation), measured alone
  kDecode,   // a decode-only instance, measured alone
};
const char* ModeName(Mode mode);  // "offline", "prefill", "decode"
Result<Mode> ParseMode(std::string_view name);

struct Workload {
  double isl = 1000;  // input tokens per request
  double osl = 1000;  // output tokens per request
  // Decode mode: context length of the decoding sequences (default isl + osl/2).
  std::optional<double> decode_context;
};

struct Limits {
  std::optional<double> ttft_max;  // seconds
  std::optional<double> tpot_max;  // seconds
  bool any() const { return ttft_max || tpot_max; }
};

struct OperatingPoint {
  Mode mode = Mode::kOffline;
  // Concurrent sequences per replica (offline, decode) or prompts per step (prefill).
  double batch = 0;
  double step_time = 0;  // seconds
  StepBreakdown breakdown;
  double ttft = 0;  // seconds (prefill: the prefill step; decode: 0, not predicted)
  double tpot = 0;  // seconds (prefill: 0)
  double output_tokens_per_s_per_gpu = 0;
  double input_tokens_per_s_per_gpu = 0;
  double requests_per_s = 0;  // per replica
  double max_batch = 0;       // the largest batch memory, max_num_seqs and the budget allow
  std::string limited_by;     // what stopped a larger batch: "memory", "max_num_seqs",
                              // "token budget", "ttft", "tpot", "fixed"
};

// Best operating point of one replica in `mode`: the highest throughput at any latency, or the
// highest that meets `limits`. `batch` fixes the batch instead of searching. kNoResult when the
// model does not fit in memory or no batch meets the limits (the message says what the
// smallest batch achieves).
Result<OperatingPoint> PredictReplica(const PerfModel& model, Mode mode, const Workload& workload,
                                      const Limits& limits = {},
                                      std::optional<double> batch = std::nullopt);

struct DisaggPoint {
  int prefill_replicas = 1;
  int decode_replicas = 1;
  OperatingPoint prefill;
  OperatingPoint decode;
  double kv_transfer_time = 0;  // seconds per request
  double ttft = 0;              // prefill TTFT + KV transfer
  double tpot = 0;
  double requests_per_s = 0;  // of the whole xPyD unit
  double output_tokens_per_s_per_gpu = 0;
  double input_tokens_per_s_per_gpu = 0;
  int gpus = 0;
};

// A prefill pool of `prefill_replicas` replicas of `prefill` and a decode pool of
// `decode_replicas` of `decode` (ratios 0 = choose the best xPyD with x, y <= 16). The prefill
// limit is ttft_max (minus the transfer), the decode limit tpot_max. KV moves over the
// scale-up network when both pools fit in one scale-up domain, else over the NICs.
Result<DisaggPoint> PredictDisaggregated(const PerfModel& prefill, const PerfModel& decode,
                                         const Workload& workload, const Limits& limits,
                                         int prefill_replicas = 0, int decode_replicas = 0);

}  // namespace aiinfra::perf
