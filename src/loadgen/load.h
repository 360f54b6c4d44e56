// A load test against any OpenAI-compatible or Ollama endpoint (issue 6, item 4): requests
// sent open-loop on an arrival process (Poisson, gamma, constant: workload/arrivals.h) or
// closed-loop at a fixed concurrency, for a number of requests or a duration, each timed chunk
// by chunk (exchange.h) into the same metrics collector the simulator uses.
//
// Open loop sends each request at its scheduled time whatever is in flight (the load does not
// slow down when the server does: that is what exposes queueing); the gap between scheduled
// and actual send times is measured and reported. Connections are kept alive and reused; a new
// one is opened when none is idle.
//
// Runs on its own io_context on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "loadgen/exchange.h"
#include "metrics/record.h"
#include "metrics/summary.h"
#include "workload/arrivals.h"

namespace aiinfra::loadgen {

struct LoadSpec {
  std::string url;             // the endpoint's base, "http://127.0.0.1:8000"
  ExchangeSpec request;        // api, model, path, max_tokens, headers (the prompt is generated)
  int64_t input_tokens = 256;  // prompt words per request (SyntheticPrompt)
  // Open loop when set; otherwise closed loop at `concurrency`.
  std::optional<workload::ArrivalSpec> arrivals;
  int concurrency = 1;
  int64_t num_requests = 0;  // stop after this many (0: no count limit)
  double duration = 0;       // seconds of sending (0: no time limit); one of the two is needed
  double drain = 600;        // seconds to wait for requests in flight once sending stops
  uint64_t seed = 1;
};

struct LoadResult {
  uint64_t sent = 0;
  double wall_seconds = 0;
  // Open loop: actual minus scheduled send time, seconds (p50, p99, max); zero for closed loop.
  double send_lag_p50 = 0, send_lag_p99 = 0, send_lag_max = 0;
  uint64_t connections = 0;  // opened
};

// Runs the test, adding every request's record to `collector` (and passing it to `on_record`
// when given, e.g. to stream JSONL). kUsage for a URL that does not parse or a spec without a
// limit; an endpoint that cannot be reached gives records with Outcome::kError, not a failure.
Result<LoadResult> RunLoad(
    const LoadSpec& spec, metrics::MetricsCollector& collector,
    const std::function<void(const metrics::RequestRecord&)>& on_record = {},
    const std::function<void(uint64_t done, uint64_t planned)>& progress = {});

}  // namespace aiinfra::loadgen
