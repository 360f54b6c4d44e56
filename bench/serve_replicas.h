// serve_bench's replica-engine case (serve_bench.cc, BM_ServeReplicas2000): the engine
// `aiinfra serve --model M --system S --replicas N` builds, and its baseline, the same closed
// loop submitted straight to a RealtimeEngine with no HTTP in between. Also the two figures both
// cases compute (quantiles, a rate in a window).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "loadgen/load.h"
#include "serve/engine.h"
#include "serve/service.h"

namespace aiinfra::bench {

// The q-quantile of v (nearest rank below); 0 when v is empty.
inline double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

// Tokens with times in [from, to] per second of it (0 for an empty window).
inline double RateIn(const std::vector<double>& times, double from, double to) {
  if (!(to > from)) return 0;
  const auto n =
      std::count_if(times.begin(), times.end(), [&](double t) { return t >= from && t <= to; });
  return static_cast<double>(n) / (to - from);
}

// What `aiinfra serve --model M --system S --replicas N` builds (src/cli/serve_commands.cc):
// the same generated scenario through sim::ParseScenario and sim::BuildScenario on the embedded
// catalogs, one replica of tp 1 per GPU.
struct ReplicaSetup {
  serve::EngineOptions engine;
  serve::ServiceOptions service;
  std::string describe;  // "M on S xN (...)"
};
Result<ReplicaSetup> BuildReplicas(const std::string& model, const std::string& system,
                                   int replicas);

// The baseline of the HTTP-served run: `spec`'s closed loop (its concurrency, ramp, request
// count, prompts and max_tokens) submitted straight to a RealtimeEngine built from `setup`, in a
// thread pinned to `cpu` (< 0: not pinned), each sequence as Service::Generate makes it from the
// chat body loadgen sends (prompt tokens, block hashes, ignore_eos length). A finished user
// submits its next request at once.
struct EngineOnlyRun {
  uint64_t finished = 0, tokens = 0;
  double wall = 0;
  // Steady window: from the last first-round sequence's first token to the last submit.
  double window_from = 0, window_to = 0, rate = 0;
  double itl_p50 = 0, itl_p99 = 0;    // the engine's step gaps (its schedule)
  double late_p50 = 0, late_p99 = 0;  // token callback wall time minus its step's scheduled end
  int64_t peak_in_flight = 0;
  double cpu = 0, wait = 0;  // CPU seconds of the thread, and seconds it waited for its CPU
};
EngineOnlyRun RunEngineOnly(const ReplicaSetup& setup, const loadgen::LoadSpec& spec, int cpu);

}  // namespace aiinfra::bench
