// Service-level objectives and how a request or a run is judged against them (the goodput of
// specs/metrics.md).
//
// Two scopes:
// - Per request: each completed request is judged on its own value; goodput counts the
//   requests that meet every per-request SLO of their class. ttft and e2e compare the request's
//   value (a request without a first token fails a ttft SLO). tpot compares the request's tpot;
//   a request with n_out <= 1 has none and passes. itl compares the request's own
//   `percentile`-quantile of its itl contributions (record.h): percentile 1 (the default, written
//   "itl<=50ms") means every token gap of the request is within the bound; 0.99 ("itl.p99<=50ms")
//   lets 1% of its token gaps exceed it. We judge a percentile of the request's own gaps rather
//   than their mean because the mean of a request's itl equals its tpot, which already has an
//   SLO of its own; the percentile is what catches stalls. A request without itl contributions
//   passes.
// - Run: the run's `percentile` of the metric (per-request distribution for ttft, tpot, e2e; the
//   pooled distribution for itl) must be within the bound, e.g. "p90(ttft)<=200ms". These are
//   reported as checks next to goodput and do not change it.
//
// Text form (ParseSlo; FormatSlo prints it back), durations as common/units.h parses them:
//   ttft<=200ms   tpot<=50ms   e2e<=10s   itl<=100ms   itl.p99<=60ms      (per request)
//   p90(ttft)<=200ms   p99.9(itl)<=80ms                                   (run)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "metrics/record.h"

namespace aiinfra::metrics {

enum class SloMetric : std::uint8_t { kTtft, kTpot, kItl, kE2e };
std::string_view SloMetricName(SloMetric metric);  // "ttft", "tpot", "itl", "e2e"

enum class SloScope : std::uint8_t { kPerRequest, kRun };
std::string_view SloScopeName(SloScope scope);  // "per_request", "run"

struct Slo {
  SloMetric metric = SloMetric::kTtft;
  double bound = 0;  // seconds
  SloScope scope = SloScope::kPerRequest;
  // A fraction in (0, 1]. kRun: the run's percentile that must meet the bound. kPerRequest:
  // only for itl, the request's own percentile of its token gaps; ignored for other metrics.
  double percentile = 1.0;
};

using SloSet = std::vector<Slo>;

// Parses one SLO in the text form above; kInvalidInput naming the text otherwise.
Result<Slo> ParseSlo(std::string_view text);
// Parses a comma-separated list ("ttft<=200ms,tpot<=50ms"); "" is the empty set.
Result<SloSet> ParseSloSet(std::string_view text);
std::string FormatSlo(const Slo& slo);

// Whether a completed request meets `slo` (a per-request SLO; asserted).
bool MeetsSlo(const Slo& slo, const RequestRecord& record);
// Whether it meets every per-request SLO of `slos` (run-scope ones are skipped).
bool MeetsSlos(const SloSet& slos, const RequestRecord& record);
// Whether `slos` holds at least one per-request SLO (without one, goodput is undefined).
bool HasPerRequestSlo(const SloSet& slos);

}  // namespace aiinfra::metrics
