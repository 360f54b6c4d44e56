// `aiinfra bench`'s command line as a run: the load test's spec (URL, API, model, arrivals or
// concurrency, limits, ramp-up, lengths, prefixes, sessions, a trace to replay), the sweep's,
// the collector's options (SLOs for goodput) and the run's configuration as JSON for the result
// file. Errors are kUsage naming the option and what it takes.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "cli/command.h"
#include "loadgen/load.h"
#include "loadgen/sweep.h"
#include "metrics/summary.h"

namespace aiinfra::cli {

struct BenchPlan {
  loadgen::LoadSpec spec;
  std::optional<loadgen::SweepSpec> sweep;
  metrics::CollectorOptions collector;
  nlohmann::ordered_json config;
};

Result<BenchPlan> Plan(const Invocation& inv);

}  // namespace aiinfra::cli
