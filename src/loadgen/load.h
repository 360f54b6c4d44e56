// A load test against any OpenAI-compatible or Ollama endpoint (issue 6, item 4): requests
// sent open-loop on an arrival process (Poisson, gamma, constant: workload/arrivals.h),
// closed-loop at a fixed concurrency, or at the timestamps of a request trace
// (workload/trace.h), for a number of requests or a duration, each timed chunk by chunk
// (exchange.h) into the same metrics collector the simulator uses.
//
// Open loop sends each request at its scheduled time whatever is in flight (the load does not
// slow down when the server does: that is what exposes queueing); the gap between scheduled
// and actual send times is measured and reported. Open loop and trace replay issue requests
// from the event loop between two handlers, not from a coroutine queued behind them (README). Connections are kept alive and reused; a new
// one is opened when none is idle. Before its clock starts, an open loop opens as many
// connections as requests fall due in its first 100 ms (at most 1,000), so the first sends do
// not wait behind a burst of connection setups.
//
// Ramp-up (`ramp_up` seconds): open loop, the rate grows linearly from 0 to the process's rate
// over the ramp, then stays: the base process's arrival at u (its own clock) is sent at
// RampTime(u), which maps the expected count R u of the base process onto the integral of the
// ramped rate, so a Poisson process becomes exactly the Poisson process of the ramped rate and
// a gamma or constant one keeps its shape. Closed loop, user i of C starts at ramp_up * i / C.
//
// Sessions (`turns` > 1): each arrival (open loop) starts a conversation of `turns` chat
// requests; a closed-loop user runs one conversation after another. Turn k is sent one think
// time after the answer of turn k-1 ended, and carries every earlier turn: the user messages and
// the assistant's answers as received, so its prompt grows as a chatbot's does. Turn 0 starts
// with the shared prefix (prompts.h); later turns add `input` new words. A failed turn ends its
// conversation (there is no answer to carry on).
//
// Limits: `num_requests` counts requests (turns), so exactly that many are sent when all
// succeed; open loop starts sessions only while started sessions x turns < num_requests. No
// request is sent at or after `duration` (a conversation is cut there). Requests in flight are
// waited for.
//
// Runs on its own io_context on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "loadgen/exchange.h"
#include "loadgen/prompts.h"
#include "metrics/record.h"
#include "metrics/summary.h"
#include "workload/arrivals.h"
#include "workload/lengths.h"
#include "workload/trace_format.h"

namespace aiinfra::loadgen {

// Replay of a request trace: each row is sent at its time (divided by `speedup`, the first row
// at 0) with its input and output lengths; Mooncake rows with hash_ids get prompts that share
// text exactly where the trace's share blocks (FromBlocks).
struct TraceReplay {
  std::string path;
  workload::TraceFormat format = workload::TraceFormat::kSplitwise;
  double speedup = 1;
};

struct LoadSpec {
  std::string url;       // the endpoint's base, "http://127.0.0.1:8000"
  ExchangeSpec request;  // api, model, path, headers, ignore_eos (prompts and lengths are drawn)
  PromptSpec prompts;    // input and output length distributions, shared prefixes
  // Open loop when set; a trace when `trace` is set; otherwise closed loop at `concurrency`.
  std::optional<workload::ArrivalSpec> arrivals;
  std::optional<TraceReplay> trace;
  int concurrency = 1;
  double ramp_up = 0;                 // seconds; not with a trace
  int turns = 1;                      // requests per conversation
  workload::Distribution think_time;  // seconds between a turn's answer and the next turn
  int64_t num_requests = 0;           // stop after this many (0: no count limit)
  double duration = 0;  // seconds of sending (0: no time limit); one of the two is needed
  uint64_t seed = 1;
  bool keep_chunks = false;  // records keep their chunk times (per-request output, reports)
  bool keep_text = false;    // SentRequest::text carries the answer
  LoadSpec();
};

// One finished request as RunLoad hands it to its observer.
struct SentRequest {
  const metrics::RequestRecord& record;
  uint64_t id = 0;       // 0, 1, ... in the order requests were issued
  uint64_t session = 0;  // its conversation (a single-turn request is a conversation of its own)
  int turn = 0;          // 0-based
  // When it was due, seconds since the start: the schedule in open loop and trace replay, when
  // it was issued otherwise (record.t_send minus this is the send lag).
  double scheduled = 0;
  // Prompt tokens sent, as far as the client knows: words of the prefix, of every user message
  // and the earlier answers' token counts (the endpoint's usage when it reported it).
  int64_t planned_input = 0;
  int64_t planned_output = 0;  // max_tokens
  int prefix_group = -1;       // -1 without shared prefixes
  std::string_view text;       // the answer (with LoadSpec::keep_text), else empty
  std::string_view error;      // why it failed; empty when it did not
};

struct LoadResult {
  uint64_t sent = 0;
  uint64_t sessions = 0;  // conversations started
  double wall_seconds = 0;
  // Open loop and traces: actual minus scheduled send time, seconds (p50, p99, max); zero for
  // closed loop.
  double send_lag_p50 = 0, send_lag_p99 = 0, send_lag_max = 0;
  uint64_t connections = 0;           // opened
  std::vector<std::string> warnings;  // the trace reader's (skipped rows, sorting)
};

// The time at which the ramped process sends the base process's arrival at u (both seconds):
// sqrt(2 ramp u) while u < ramp / 2, then u + ramp / 2; u itself without a ramp.
double RampTime(double u, double ramp);

// Runs the test, adding every request's record to `collector` and passing it to `on_request`
// when given (e.g. to stream JSONL). kUsage for a URL that does not parse, a spec without a
// limit, or options that do not combine (a trace with arrivals, a ramp or turns); a trace that
// cannot be read fails with the reader's error (file:line:field). An endpoint that cannot be
// reached gives records with Outcome::kError, not a failure.
Result<LoadResult> RunLoad(
    const LoadSpec& spec, metrics::MetricsCollector& collector,
    const std::function<void(const SentRequest&)>& on_request = {},
    const std::function<void(uint64_t done, uint64_t planned)>& progress = {});

}  // namespace aiinfra::loadgen
