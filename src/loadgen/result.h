// The JSON and tables of a load test's results (`aiinfra bench`): the run's own figures, a
// sweep's steps, and the saved result file (--save-result) that `bench compare` reads back.
//
// The saved file: {"aiinfra_bench": kResultVersion, "date", "config": {...the options...},
// "run": LoadJson, "errors": {...}, "summary": metrics::ToJson (every metric of
// specs/metrics.md), "sweep": SweepJson (sweeps only), "vllm": RunLog::VllmJson}. For a sweep,
// "run", "summary" and "vllm" are those of the highest step that did not saturate (the first
// step when all did). src/loadgen/README.md maps the fields to vLLM's.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "loadgen/load.h"
#include "loadgen/sweep.h"

namespace aiinfra::loadgen {

// The marker and format version of a saved result.
inline constexpr const char* kResultMarker = "aiinfra_bench";
inline constexpr int kResultVersion = 1;

// {"sent", "sessions", "wall_seconds", "connections", "send_lag": {"p50", "p99", "max"} (open
// loop and traces), "warnings": [...] (when any)}.
nlohmann::ordered_json LoadJson(const LoadResult& load, bool open_loop);

// {"rule": {"min_ratio", "ttft_limit"}, "steps": [{"rate", "sent_rate", "achieved",
// "asked_tokens_per_s", "delivered_tokens_per_s", "saturated", "reason", "warning", "offset",
// "wall_seconds", "sent", "completed", "failed", "output_throughput", "ttft_p50", "ttft_p90",
// "itl_p50", "summary": metrics::ToJson}], "saturated_step" (index or null), "saturation_rate"
// (offered req/s or null), "max_sustained_rate" (the highest step that did not saturate, or null)}.
nlohmann::ordered_json SweepJson(const SweepResult& sweep, const SweepSpec& spec);

// Error counts by kind ("400 invalid_request_error", "connection") as a JSON object, and as
// the line "errors: 3 x connection, ...\n" ("" when there are none).
nlohmann::ordered_json ErrorsJson(const std::map<std::string, uint64_t>& errors);
std::string ErrorsLine(const std::map<std::string, uint64_t>& errors);

// One row per step: offered rate, and in the steady window sent and achieved req/s, output tok/s
// asked and delivered; TTFT p50/p90, ITL p50, errors, verdict; then the steps' warnings and a line
// naming the saturation point.
std::string SweepTable(const SweepResult& sweep);

}  // namespace aiinfra::loadgen
