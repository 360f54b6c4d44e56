// `aiinfra bench compare A.json B.json`: two saved results (--save-result, result.h) side by
// side, one row per metric with A, B, the ratio B/A and the difference B - A, and which way is
// better (lower latencies, higher throughput).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace aiinfra::loadgen {

struct CompareRow {
  std::string metric;   // "ttft p90"
  std::string unit;     // "ms", "req/s", "tok/s", "s", "" (counts)
  double a = 0, b = 0;  // NaN where the run has no value (e.g. goodput without SLOs)
  bool lower_is_better = false;
};

// Checks that `result` (parsed from `file`) is a saved bench result: an object with the marker
// and version of result.h and every field the comparison reads. kInvalidInput naming the file
// and the field, saying how to make one.
Status CheckBenchResult(const nlohmann::json& result, const std::string& file);

// Parses `text` and checks it (as above); kInvalidInput for text that is not JSON.
Result<nlohmann::json> ParseBenchResult(const std::string& text, const std::string& file);

// The rows: requests (completed, failed), duration, throughputs (requests, output and input
// tokens, goodput), the mean, p50, p90 and p99 of ttft, tpot, itl and e2e, send-lag p99, and a
// sweep's saturation rates when both are sweeps. Both results must pass CheckBenchResult.
std::vector<CompareRow> CompareResults(const nlohmann::json& a, const nlohmann::json& b);

// {"a": name_a, "b": name_b, "rows": [{"metric", "unit", "a", "b", "ratio", "delta",
// "better": "lower"|"higher", "change": "better"|"worse"|"same"}]}; ratio null where A is 0 or
// either is missing. "same" within 1%.
nlohmann::ordered_json CompareJson(const std::vector<CompareRow>& rows, const std::string& name_a,
                                   const std::string& name_b);
std::string CompareTable(const std::vector<CompareRow>& rows, const std::string& name_a,
                         const std::string& name_b);

}  // namespace aiinfra::loadgen
