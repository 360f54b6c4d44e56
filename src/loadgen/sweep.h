// A rate sweep to saturation (issue 6, item 4): open-loop steps at rising rates, each a whole
// load test (load.h) of the base spec's duration or request count, until the server saturates.
//
// The rule (JudgeStep): a step is saturated when
//   - the server delivers less than `min_ratio` (0.9) of the output tokens asked of it, measured
//     in the steady part of the step, the last three quarters of the sending span [x, last
//     send]: the tokens streamed in that window per second, against the tokens of the requests
//     sent in it per second (a completed request asks for what it generated, a failed one for
//     its max_tokens); or
//   - the TTFT p90 is above `ttft_limit` (when one is set), or
//   - fewer than two requests completed.
// Why tokens streamed in the window: a server that keeps up streams tokens, in steady state, as
// fast as they are asked for, whatever its latency; a saturated one is busy all the time and
// streams at its capacity, less than asked, whether it queues requests (FIFO) or admits all of
// them and slows every token (continuous batching, as vLLM). Counting finished requests instead
// misleads on finite steps: completed / (first send .. last answer) reads a server that keeps up
// as short of its rate by one latency over the step, and a batching server that admitted an
// overload finishes it all in one burst after sending stopped. Tokens stream continuously, so a
// request at the window's edge counts in part, not all or nothing. The first quarter is left out
// so that the server has filled up; the verdict's warning says when it was shorter than the
// latency of the step's fastest requests (e2e p10). Failed requests deliver nothing, so refusals
// saturate too.
//
// Steps: the explicit `rates`, or `start` x factor^k for k = 0 .. max_steps - 1. The sweep stops
// after the first saturated step. Step k runs with seed + k, so its prompts are new to the
// server's prefix cache (shared prefixes are shared within a step).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "loadgen/load.h"
#include "metrics/summary.h"
#include "workload/arrivals.h"

namespace aiinfra::loadgen {

struct SweepSpec {
  std::vector<double> rates;  // explicit steps (req/s, increasing); empty: geometric
  double start = 1;           // req/s, the first geometric step
  double factor = 1.5;        // > 1
  int max_steps = 20;
  double min_ratio = 0.9;  // in (0, 1]: tokens delivered / asked for in the steady window
  double ttft_limit = 0;   // seconds; 0: no TTFT rule
};

// What judges a step, from its requests.
struct StepTimes {
  static constexpr double kBucket = 0.01;  // seconds of a token bucket
  struct Request {
    double send = 0;
    double asked = 0;  // output tokens: generated if completed, else max_tokens
    double e2e = 0;    // NaN unless completed
  };
  std::vector<Request> requests;
  std::vector<double> streamed;  // output tokens streamed per kBucket seconds since the start
  uint64_t completed = 0;
  // The request's chunks are recovered from its record (first token and gaps): with the
  // endpoint's usage, each chunk counts usage / chunks tokens.
  void Add(const SentRequest& request);
};

struct StepVerdict {
  // In the steady window (the rule above), per second.
  double sent_rate = 0;  // requests sent
  double asked = 0;      // output tokens asked for by them
  double delivered = 0;  // output tokens streamed
  double achieved = 0;   // sent_rate x delivered / asked: the request rate served
  bool saturated = false;
  std::string reason;   // why it saturated; "" when it did not
  std::string warning;  // "" or why the verdict is unreliable (a step too short)
};

// The rule above; `ttft_p90` in seconds (NaN without data).
StepVerdict JudgeStep(const StepTimes& times, double ttft_p90, const SweepSpec& spec);

// The offered rates of the sweep (the explicit list, or the geometric steps). kUsage for a rate
// that is not > 0, a list that does not increase, a factor <= 1, max_steps < 1 or a ratio
// outside (0, 1].
Result<std::vector<double>> SweepRates(const SweepSpec& spec);

// `arrivals` with its rate set to `rate`: Poisson, gamma or constant; kUsage for other kinds.
Result<workload::ArrivalSpec> WithRate(const workload::ArrivalSpec& arrivals, double rate);

struct SweepStep {
  double rate = 0;    // offered, req/s
  double offset = 0;  // seconds from the sweep's start to the step's start
  LoadResult load;
  StepTimes times;
  metrics::RunSummary summary;
  StepVerdict verdict;
};

struct SweepResult {
  std::vector<SweepStep> steps;
  int saturated = -1;  // index of the saturated step; -1 if none saturated
  // The last step that did not saturate; -1 if the first one did.
  int sustained() const {
    return saturated < 0 ? static_cast<int>(steps.size()) - 1 : saturated - 1;
  }
};

// Runs the sweep: `base` must be open loop (arrivals set) with a duration or a request count.
// Every request goes to `on_request` with its step's index; `collector_options` configure each
// step's collector (SLOs for goodput). `on_step` is called before each step starts.
Result<SweepResult> RunSweep(
    const LoadSpec& base, const SweepSpec& sweep,
    const metrics::CollectorOptions& collector_options,
    const std::function<void(int step, const SentRequest&)>& on_request = {},
    const std::function<void(int step, double rate)>& on_step = {},
    const std::function<void(uint64_t done, uint64_t planned)>& progress = {});

}  // namespace aiinfra::loadgen
