// The data of the HTML report (report/html_report.h, the page `aiinfra sim --report` writes)
// for a measured run, built from its requests (run_log.h):
//   - 1-second time series: arrivals (sends), completions, failures, input and output tokens
//     (output tokens in the second they streamed), requests in flight ("running"), the windowed
//     TTFT p90 (metrics/series.h);
//   - CDFs of TTFT, TPOT and E2E of completed requests, one curve per part (the run, or each
//     step of a sweep);
//   - no replicas (a client cannot see them).
// A sweep's steps are laid end to end on one time axis (each part's offset), so the chart shows
// the load rising step by step.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loadgen/run_log.h"

namespace aiinfra::loadgen {

struct ReportPart {
  std::string name;   // the CDF curves' label: "all", or "2 req/s"
  double offset = 0;  // seconds from the start of the report's time axis
  const RunLog* log = nullptr;
};

// {"title", "subtitle", "summary_text", "time_label", "series", "scale_events": [], "cdfs",
// "replicas": []}, as RenderHtmlReport takes it.
// Each part's name labels its CDF curves; its offset places it on the time axis.
nlohmann::ordered_json ReportData(const std::vector<RunPart>& parts, const std::string& title,
                                  const std::string& subtitle, const std::string& summary_text);

}  // namespace aiinfra::loadgen
