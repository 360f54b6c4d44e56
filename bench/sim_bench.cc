// Benchmarks of the simulator (issue 4, item 9), run through the whole scenario path (workload
// generator -> router -> replicas -> metrics).
//
// Vidur, the best-known Python simulator, runs Llama-2-70B TP2 on an A100 pair with
// conversation-length requests under Poisson arrivals at about 6,000 scheduler iterations per
// second (600x real time) after several seconds of start-up. The goals here: >= 300,000
// iterations per second per core (>= 50x Vidur), start-up under 50 ms, and a 1-hour, 64-replica,
// 200 requests/s scenario (720k requests) in under 30 s on one core with memory bounded by the
// requests in flight.
//
// Lengths come from the Azure 2023 conversation trace as processed for Splitwise (Vidur's
// standard workload, ../shared/data/traces/splitwise_conv.csv) when that file is there, else
// from lognormals fitted to it (medians 1,020 and 129 tokens, sigmas of the logs 0.99 and 0.86,
// computed from the file's 19,366 rows); arrivals are Poisson, as Vidur re-times them.
//
// BM_SimVidurWorkload: one Llama-2-70B TP2 replica on HGX A100, 1 request/s for 20,000 s.
// Reports iter_per_s and x_vidur (iter_per_s / 6,000), x_realtime, requests and tokens per
// wall-clock second. BM_Sim720k: 64 Llama-3.1-8B replicas (one H100 each) at 200 requests/s for
// an hour; reports the same and peak_rss_mb (the process's maximum resident set, which includes
// the catalogs). BM_SimStartup: parsing a scenario and building its performance model.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <filesystem>

#include "sim/scenario.h"

namespace aiinfra::sim {
namespace {

constexpr double kVidurIterationsPerSecond = 6000;  // issue 4, item 9
constexpr const char* kTrace = "../shared/data/traces/splitwise_conv.csv";

struct Loaded {
  hw::Catalog hardware = hw::Catalog::Load(DataSource()).value();
  model::ModelCatalog models = model::ModelCatalog::Load(DataSource()).value();
  perf::CalibrationSet calibration = perf::CalibrationSet::Load(DataSource()).value();
  hw::CollectiveTuning tuning = hw::CollectiveTuning::Load(DataSource()).value();
  Catalogs catalogs() const { return {&hardware, &models, &calibration, &tuning, nullptr}; }
};
const Loaded& The() {
  static const Loaded l;
  return l;
}

// The workload's length distributions: the trace's own, or the lognormals fitted to it.
std::string Lengths() {
  const std::string trace = std::string(AIINFRA_SOURCE_DIR) + "/" + kTrace;
  if (std::filesystem::exists(trace)) {
    return "      input: {kind: empirical, trace: " + trace +
           ", format: splitwise, field: input}\n"
           "      output: {kind: empirical, trace: " +
           trace + ", format: splitwise, field: output}\n";
  }
  return "      input: {kind: lognormal, median: 1020, sigma: 0.99, max: 16000}\n"
         "      output: {kind: lognormal, median: 129, sigma: 0.86, max: 4000}\n";
}

std::string Scenario(const std::string& model, const std::string& system, int tp, int replicas,
                     double rate, const std::string& duration) {
  return "seed: 1\nduration: " + duration + "\nmodel: " + model +
         "\ndeployment: {system: " + system + ", tp: " + std::to_string(tp) +
         ", replicas: " + std::to_string(replicas) +
         "}\nrouter: {policy: least-outstanding}\nworkload:\n  arrivals: {kind: poisson, rate: " +
         std::to_string(rate) + "}\n  classes:\n    - name: conv\n" + Lengths();
}

double PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void Run(benchmark::State& state, const std::string& yaml) {
  const sim::Scenario s = ParseScenario(yaml, "bench.yaml").value();
  ScenarioResult r;
  for (auto _ : state) {
    auto run = RunScenario(s, The().catalogs());
    if (!run) {
      state.SkipWithError(run.error().ToString().c_str());
      return;
    }
    r = std::move(*run);
  }
  const double n = static_cast<double>(state.iterations());
  auto rate = [&](double x) { return benchmark::Counter(x * n, benchmark::Counter::kIsRate); };
  state.counters["iter_per_s"] = rate(static_cast<double>(r.sim.steps));
  state.counters["x_vidur"] = rate(static_cast<double>(r.sim.steps) / kVidurIterationsPerSecond);
  state.counters["x_realtime"] = rate(r.sim.end_time);
  state.counters["requests_per_s"] = rate(static_cast<double>(r.sim.finished));
  state.counters["tokens_per_s"] = rate(static_cast<double>(r.summary.overall.output_tokens));
  state.counters["requests"] = static_cast<double>(r.sim.arrivals);
  state.counters["steps"] = static_cast<double>(r.sim.steps);
  state.counters["peak_rss_mb"] = PeakRssMb();
}

void BM_SimVidurWorkload(benchmark::State& state) {
  Run(state, Scenario("llama-2-70b", "hgx-a100", 2, 1, 1.0, "20000s"));
}
BENCHMARK(BM_SimVidurWorkload)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

void BM_Sim720k(benchmark::State& state) {
  Run(state, Scenario("llama-3.1-8b", "hgx-h100", 1, 64, 200, "1h"));
}
BENCHMARK(BM_Sim720k)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

void BM_SimStartup(benchmark::State& state) {
  const std::string yaml = Scenario("llama-2-70b", "hgx-a100", 2, 1, 1.0, "1s");
  for (auto _ : state) {
    const sim::Scenario s = ParseScenario(yaml, "bench.yaml").value();
    auto r = RunScenario(s, The().catalogs());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SimStartup)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace aiinfra::sim
