// A self-contained HTML report (issue 4, item 6): one file with the run's data as JSON and the
// chart library, uPlot (npm `uplot`, pinned in src/report/web/package-lock.json, MIT), inlined,
// so it opens anywhere without a network. The page draws, from the data:
//   - the 1-second time series (arrivals, completions, requests running and waiting, replicas
//     ready and starting, KV-cache usage, windowed TTFT p90, output tokens/s), with the
//     autoscaler's scale events marked as vertical lines;
//   - latency CDFs (TTFT, TPOT, E2E) per class;
//   - per-replica utilization (busy share of the run) as bars;
//   - the summary table as text.
// The charts are uPlot's; the page's own code only arranges data and options.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace aiinfra::report {

// Whether the chart library was found (src/report/web/node_modules, installed by
// scripts/setup.sh) when this binary was built.
bool HtmlReportAvailable();

// The page for `data`:
//   {"title": str, "subtitle": str, "summary_text": str,
//    "series": metrics::TimeSeries::ToJson(),
//    "scale_events": [{"time": s, "from": n, "to": n, "pool": str}],
//    "cdfs": {"ttft": {"<class>": [sorted seconds]}, "tpot": {...}, "e2e": {...}},
//    "replicas": [{"name": str, "utilization": fraction}],
//    "time_label": str (optional: the time axis' label; default "simulated time (s)")}
// or, for runs side by side (each drawn with its own dash pattern on the same charts),
//   {"title", "subtitle", "summary_text", "runs": [{"name": str, "series", "scale_events",
//    "cdfs", "replicas"}, ...]}
// kUnavailable-style kNotFound when the chart library was not embedded, saying how to fix it.
Result<std::string> RenderHtmlReport(const nlohmann::ordered_json& data);

}  // namespace aiinfra::report
