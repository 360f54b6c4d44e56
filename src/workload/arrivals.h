// Arrival processes: when requests arrive (open loop), and closed-loop concurrency.
//
// An ArrivalProcess is a pull-based generator of successive arrival times in seconds: memory is
// constant however many arrivals are drawn. Each process owns its engine, seeded at creation, so
// its sequence is fixed by (spec, seed) and independent of any other process in the run.
//
// Kinds (ArrivalSpec):
// - poisson:  exponential gaps with mean 1/rate.
// - gamma:    gamma gaps with mean 1/rate and coefficient of variation cv (shape 1/cv^2,
//             scale cv^2/rate): cv = 1 is Poisson, cv > 1 is burstier, cv < 1 smoother.
// - constant: one arrival every 1/rate seconds.
// - on_off:   Poisson at `rate` during `on` seconds, silent for `off` seconds, repeating
//             (starting "on" at t = 0).
// - diurnal:  Poisson with rate(t) = mean * (1 + amplitude * sin(2 pi t / period + phase)).
// - steps:    Poisson with a piecewise-constant rate: `rate` from `at` until the next step
//             (rate 0 before the first step; the last step lasts forever).
// - sum:      the superposition of its parts (each part seeded from its own stream).
// The three non-homogeneous kinds are drawn exactly by thinning (Lewis & Shedler, 1979) under a
// piecewise-constant bound, restarting at each bound change (memorylessness makes that exact).
// Renewal processes (gamma, constant) start at t = 0 with their first gap, like the others: the
// first arrival is at the first gap, not at 0.
#pragma once

#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

#include "common/result.h"
#include "common/yaml.h"
#include "workload/lengths.h"
#include "workload/sampling.h"

namespace aiinfra::workload {

struct PoissonArrivals {
  double rate = 1;  // per second
};
struct GammaArrivals {
  double rate = 1;
  double cv = 1;
};
struct ConstantArrivals {
  double rate = 1;
};
struct OnOffArrivals {
  double rate = 1;  // during "on"
  double on = 1;    // seconds
  double off = 0;   // seconds
};
struct DiurnalArrivals {
  double mean = 1;       // per second, the average over whole periods
  double amplitude = 0;  // 0..1
  double period = 86400;
  double phase = 0;  // radians
};
struct RateStep {
  double at = 0;    // seconds
  double rate = 0;  // per second, >= 0
};
struct StepArrivals {
  std::vector<RateStep> steps;  // strictly increasing `at`
};
struct ArrivalSpec;
struct SumArrivals {
  std::vector<ArrivalSpec> parts;
};
struct ArrivalSpec {
  std::variant<PoissonArrivals, GammaArrivals, ConstantArrivals, OnOffArrivals, DiurnalArrivals,
               StepArrivals, SumArrivals>
      kind;
};

class ArrivalProcess {
 public:
  virtual ~ArrivalProcess() = default;
  // The next arrival time in seconds: non-decreasing from call to call, > 0 except for ties;
  // +infinity once the process has no more arrivals (e.g. a last step of rate 0).
  virtual double Next() = 0;
  // The expected number of arrivals in [0, t] (the integrated rate).
  virtual double ExpectedCount(double t) const = 0;
};

// Checks the spec (rates > 0 except steps, which may be 0; cv > 0; 0 <= amplitude <= 1;
// period > 0; on > 0, off >= 0; steps at strictly increasing times >= 0; a sum has parts) and
// builds its process. Errors are kInvalidInput naming the parameter.
Result<std::unique_ptr<ArrivalProcess>> MakeArrivalProcess(const ArrivalSpec& spec, uint64_t seed);

// Closed-loop concurrency: `users` users, each sending a request, waiting for its answer, then
// thinking for `think_time` before the next. The simulator drives the loop (it knows when an
// answer ends); WorkloadGenerator supplies the requests and think times.
struct ClosedLoop {
  int users = 1;
  Distribution think_time;  // seconds
};

// YAML: a mapping with `kind` and the fields above; rates are numbers per second or "N/s",
// "N/min", "N/h"; durations carry units ("30s"). For example
//   {kind: gamma, rate: 20/s, cv: 2}
//   {kind: on_off, rate: 50, on: 30s, off: 90s}
//   {kind: diurnal, mean: 10, amplitude: 0.6, period: 24h, phase: 0}
//   {kind: steps, steps: [{at: 0s, rate: 5}, {at: 10min, rate: 20}]}
//   {kind: sum, of: [{kind: poisson, rate: 5}, {kind: on_off, rate: 40, on: 10s, off: 50s}]}
// Errors name file:line:field.
Result<ArrivalSpec> ParseArrivalSpec(const YamlNode& node);
// {users: N, think_time: <duration distribution>}
Result<ClosedLoop> ParseClosedLoop(const YamlNode& node);
// A request rate: a number (per second) or "N/s", "N/min", "N/h".
Result<double> ParseRequestRate(const YamlNode& node);

}  // namespace aiinfra::workload
