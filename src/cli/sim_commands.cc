// `aiinfra sim`: the serving simulator on a scenario file, or on the built-in default scenario.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>

#include "cli/app.h"
#include "cli/perf_options.h"
#include "cli/scenario_inputs.h"
#include "common/progress.h"
#include "common/table.h"
#include "common/text.h"
#include "common/yaml.h"
#include "metrics/summary.h"
#include "report/html_report.h"
#include "sim/scenario.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

const char* PoolName(const sim::Scenario& s, int pool) {
  return pool == 1 ? "decode" : s.decode ? "prefill" : "main";
}

Json ScaleJson(const sim::Scenario& s, const sim::ScaleEvent& e) {
  Json j{{"time", e.time},
         {"pool", PoolName(s, e.pool)},
         {"from", e.from},
         {"to", e.to},
         {"cause", sim::CauseName(e.cause)}};
  if (e.cause == sim::ScaleEvent::Cause::kPlanner) {
    j["planner"] = Json{{"rate", e.plan.rate},
                        {"isl", e.plan.isl},
                        {"osl", e.plan.osl},
                        {"prefill_correction", e.plan.prefill_correction},
                        {"decode_correction", e.plan.decode_correction},
                        {"prefill_throughput", e.plan.prefill_throughput},
                        {"decode_throughput", e.plan.decode_throughput}};
    return j;
  }
  if (e.cause == sim::ScaleEvent::Cause::kHpa) {
    j["recommended"] = e.decision.recommended;
    j["stabilized"] = e.decision.stabilized;
  }
  Json values = Json::array();
  for (double v : e.values) values.push_back(std::isnan(v) ? Json(nullptr) : Json(v));
  j["metric_values"] = values;
  return j;
}

// One line per scale event for the text output.
std::string ScaleLine(const sim::Scenario& s, const sim::ScaleEvent& e) {
  std::string why;
  if (e.cause == sim::ScaleEvent::Cause::kPlanner) {
    why = fmt::format("planner: {:.1f} req/s forecast, ISL {:.0f}, OSL {:.0f}", e.plan.rate,
                      e.plan.isl, e.plan.osl);
  } else {
    const sim::PoolScenario& pool = e.pool == 1 ? *s.decode : s.pool;
    std::vector<std::string> parts;
    for (size_t i = 0; i < e.values.size() && pool.autoscaler; ++i) {
      const sim::ScaleMetric& m = pool.autoscaler->metrics[i];
      parts.push_back(
          fmt::format("{} {:.3g}/{:.3g}", sim::SignalName(m.signal), e.values[i], m.target));
    }
    why = fmt::format("{}: {}", sim::CauseName(e.cause), fmt::join(parts, ", "));
  }
  return fmt::format("  t={:>6.0f} s  {} pool: {} -> {} replicas ({})\n", e.time,
                     PoolName(s, e.pool), e.from, e.to, why);
}

// One run's part of the HTML report's data (report/html_report.h).
Json ReportRun(const sim::Scenario& scenario, const sim::ScenarioResult& r) {
  Json events = Json::array();
  for (const auto& e : r.scales) events.push_back(ScaleJson(scenario, e));
  Json cdfs = Json::object();
  const char* names[] = {"ttft", "tpot", "e2e"};
  for (size_t m = 0; m < 3; ++m) {
    Json by_class = Json::object();
    for (size_t c = 0; c < r.latency_samples[m].size() && c < r.summary.classes.size(); ++c) {
      by_class[r.summary.classes[c].name] = r.latency_samples[m][c];
    }
    cdfs[names[m]] = by_class;
  }
  Json replicas = Json::array();
  for (const sim::ReplicaUsage& u : r.sim.replicas) {
    replicas.push_back(Json{
        {"name", fmt::format("{}{}", u.pool == 0 ? (scenario.decode ? "p" : "r") : "d", u.index)},
        {"utilization", r.sim.end_time > 0 ? u.busy_seconds / r.sim.end_time : 0.0}});
  }
  return Json{{"name", scenario.label},
              {"series", r.series.ToJson()},
              {"scale_events", events},
              {"cdfs", cdfs},
              {"replicas", replicas}};
}

// The columns of a sweep's or a comparison's table, after the first (the value or label).
const std::vector<std::string> kRunColumns = {"REQUESTS",      "TTFT P90",  "TPOT P90",   "E2E P90",
                                              "OUT TOK/S",     "TOK/S/GPU", "GOODPUT",    "SLO",
                                              "PEAK REPLICAS", "GPU-H",     "PREEMPTIONS"};

std::vector<std::string> RunRow(const std::string& first, const sim::ScenarioResult& r) {
  const metrics::GroupSummary& g = r.summary.overall;
  auto p90 = [&](metrics::MetricId id) {
    return g.metrics[static_cast<size_t>(id)].percentiles[1];
  };
  return {first,
          fmt::format("{}", g.requests),
          fmt::format("{:.3f}s", p90(metrics::MetricId::kTtft)),
          fmt::format("{:.1f}ms", p90(metrics::MetricId::kTpot) * 1e3),
          fmt::format("{:.2f}s", p90(metrics::MetricId::kE2e)),
          fmt::format("{:.0f}", g.output_throughput),
          fmt::format("{:.0f}", g.throughput_per_gpu),
          g.slos.empty() ? "-" : fmt::format("{:.2f}/s", g.goodput),
          g.slos.empty() ? "-" : fmt::format("{:.1f}%", 100 * g.slo_attainment),
          fmt::format("{}", r.sim.peak_replicas),
          fmt::format("{:.1f}", r.sim.gpu_seconds / 3600),
          fmt::format("{}", r.sim.preemptions)};
}

Json RunJson(const sim::ScenarioResult& r) {
  return Json{{"summary", metrics::ToJson(r.summary)},
              {"peak_replicas", r.sim.peak_replicas},
              {"gpu_hours", r.sim.gpu_seconds / 3600},
              {"preemptions", r.sim.preemptions}};
}

Result<Output> Sweep(Invocation& inv) {
  const std::string sweep = inv.Get("sweep");
  const size_t eq = sweep.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Fail(ErrorCode::kUsage, "--sweep expects key=v1,v2,... (deployment.replicas=2,4,8)");
  }
  const std::string key = sweep.substr(0, eq);
  const std::vector<std::string> values = SplitList(sweep.substr(eq + 1));
  if (values.empty())
    return Fail(ErrorCode::kUsage, "--sweep " + key + ": give at least one value");
  AIINFRA_TRY(auto source, ScenarioText(inv, "scenarios/default.yaml"));
  AIINFRA_TRY(PerfContext ctx, PerfContext::Load(inv));
  sim::Catalogs catalogs{&ctx.hardware, &ctx.models, &ctx.calibration, &ctx.tuning, &inv.env};
  std::vector<std::string> columns = {key};
  columns.insert(columns.end(), kRunColumns.begin(), kRunColumns.end());
  TextTable table(columns);
  Json rows = Json::array();
  for (const std::string& v : values) {
    AIINFRA_TRY(sim::Scenario scenario, LoadScenario(inv, source, {key + "=" + v}));
    AIINFRA_TRY(sim::ScenarioResult r, sim::RunScenario(scenario, catalogs));
    table.AddRow(RunRow(v, r));
    Json row = RunJson(r);
    row["value"] = v;
    rows.push_back(row);
  }
  Output o{.data = Json{{"sweep", key}, {"runs", rows}}};
  const std::string text = table.Render();
  o.table = [text](std::ostream& os) { os << text; };
  return o;
}

struct Run {
  sim::Scenario scenario;
  sim::ScenarioResult result;
  double wall = 0;  // seconds
};

// Runs one scenario with a progress bar (simulated seconds against the horizon, with an ETA,
// on stderr and only at a terminal: ProgressBar decides).
Result<Run> RunOne(sim::Scenario scenario, const sim::Catalogs& catalogs, sim::RunOptions run) {
  std::optional<ProgressBar> bar;
  const std::string label = scenario.label + ": simulated s";
  run.progress = [&bar, &label](double t, double horizon) {
    if (!bar && std::isfinite(horizon) && horizon < 1e11) bar.emplace(label, horizon);
    if (bar) bar->Update(t);
  };
  const auto start = std::chrono::steady_clock::now();
  AIINFRA_TRY(sim::ScenarioResult r, sim::RunScenario(scenario, catalogs, run));
  if (bar) bar->Finish();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Run{std::move(scenario), std::move(r), wall};
}

double PrefixHitRate(const sim::SimResult& s) {
  return s.prefix_queried_tokens > 0
             ? static_cast<double>(s.prefix_hit_tokens) / s.prefix_queried_tokens
             : 0;
}

// A run's header, scale events, warnings and summary table.
std::string RunText(const Run& run) {
  const sim::Scenario& scenario = run.scenario;
  const sim::ScenarioResult& r = run.result;
  const sim::SimResult& s = r.sim;
  std::ostringstream os;
  os << fmt::format("scenario {} ({})\n", scenario.label, scenario.file);
  if (!scenario.description.empty()) os << scenario.description << "\n";
  os << fmt::format(
      "simulated {:.0f} s in {:.2f} s of wall time ({:.0f}x real time): {} steps, {} requests "
      "({} finished, {} unfinished), {} preemptions, prefix-cache hit rate {:.1f}%, peak "
      "{} replicas of {} GPUs, {:.1f} GPU-hours\n",
      s.end_time, run.wall, run.wall > 0 ? s.end_time / run.wall : 0.0, s.steps, s.arrivals,
      s.finished, s.unfinished, s.preemptions, 100 * PrefixHitRate(s), s.peak_replicas,
      r.gpus_per_replica, s.gpu_seconds / 3600);
  for (size_t p = 0; p < r.cold_starts.size(); ++p) {
    const sim::ColdStart& c = r.cold_starts[p];
    os << fmt::format(
        "cold start of a {}replica: {:.0f} s = scheduling {:.0f} + image pull {:.0f} + weight "
        "load {:.0f} + warm-up {:.0f}\n",
        scenario.decode ? std::string(PoolName(scenario, static_cast<int>(p))) + " " : "",
        c.total(), c.scheduling, c.image_pull, c.weight_load, c.warmup);
  }
  for (const auto& e : r.scales) os << ScaleLine(scenario, e);
  for (const auto& w : r.warnings) os << "warning: " << w << "\n";
  os << "\n" << metrics::RenderTable(r.summary);
  return os.str();
}

Json ColdStartJson(const sim::Scenario& scenario, const sim::ScenarioResult& r) {
  Json out = Json::object();
  for (size_t p = 0; p < r.cold_starts.size(); ++p) {
    const sim::ColdStart& c = r.cold_starts[p];
    out[PoolName(scenario, static_cast<int>(p))] = Json{{"scheduling", c.scheduling},
                                                        {"image_pull", c.image_pull},
                                                        {"weight_load", c.weight_load},
                                                        {"warmup", c.warmup},
                                                        {"total", c.total()}};
  }
  return out;
}

Json RunData(const Run& run) {
  const sim::ScenarioResult& r = run.result;
  const sim::SimResult& s = r.sim;
  Json scales = Json::array();
  for (const auto& e : r.scales) scales.push_back(ScaleJson(run.scenario, e));
  return Json{{"scenario", run.scenario.name},
              {"label", run.scenario.label},
              {"file", run.scenario.file},
              {"simulated_seconds", s.end_time},
              {"wall_seconds", run.wall},
              {"steps", s.steps},
              {"requests", s.arrivals},
              {"finished", s.finished},
              {"unfinished", s.unfinished},
              {"preemptions", s.preemptions},
              {"prefix_cache_hit_rate", PrefixHitRate(s)},
              {"kv_transfers", s.transfers},
              {"peak_replicas", s.peak_replicas},
              {"gpu_hours", s.gpu_seconds / 3600},
              {"gpus_per_replica", r.gpus_per_replica},
              {"kv_blocks_per_replica", r.kv_blocks_per_replica},
              {"cold_start", ColdStartJson(run.scenario, r)},
              {"scale_events", scales},
              {"warnings", r.warnings},
              {"summary", metrics::ToJson(r.summary)}};
}

Result<Output> Sim(Invocation& inv) {
  if (inv.Has("sweep")) return Sweep(inv);
  AIINFRA_TRY(auto source, ScenarioText(inv, "scenarios/default.yaml"));
  AIINFRA_TRY(sim::Scenario scenario, LoadScenario(inv, source));
  AIINFRA_TRY(PerfContext ctx, PerfContext::Load(inv));
  sim::Catalogs catalogs{&ctx.hardware, &ctx.models, &ctx.calibration, &ctx.tuning, &inv.env};
  sim::RunOptions options;
  std::unique_ptr<Env::OutputFile> requests;
  if (inv.Has("requests")) {
    AIINFRA_TRY(requests, inv.env.CreateOutputFile(inv.Get("requests")));
    options.requests_csv = requests.get();
  }
  std::vector<Run> runs;
  const std::vector<sim::ScenarioVariant> variants = scenario.compare;
  AIINFRA_TRY(Run base, RunOne(std::move(scenario), catalogs, options));
  runs.push_back(std::move(base));
  if (requests) AIINFRA_CHECK_OK(requests->Commit());
  // The variants: the scenario again with their fields changed (after --set's).
  for (const sim::ScenarioVariant& v : variants) {
    std::vector<std::string> sets;
    for (const auto& [key, value] : v.set) sets.push_back(key + "=" + value);
    AIINFRA_TRY(sim::Scenario variant, LoadScenario(inv, source, sets));
    variant.label = v.label;
    AIINFRA_TRY(Run run, RunOne(std::move(variant), catalogs, {}));
    runs.push_back(std::move(run));
  }
  if (inv.Has("series")) {
    std::ostringstream csv;
    runs[0].result.series.WriteCsv(csv);
    AIINFRA_CHECK_OK(inv.env.WriteFile(inv.Get("series"), csv.str()));
  }

  std::string text;
  Json data = RunData(runs[0]);
  for (size_t i = 0; i < runs.size(); ++i) text += (i ? "\n" : "") + RunText(runs[i]);
  if (runs.size() > 1) {
    std::vector<std::string> columns = {"RUN"};
    columns.insert(columns.end(), kRunColumns.begin(), kRunColumns.end());
    TextTable table(columns);
    Json compared = Json::array();
    for (const Run& run : runs) table.AddRow(RunRow(run.scenario.label, run.result));
    for (size_t i = 1; i < runs.size(); ++i) compared.push_back(RunData(runs[i]));
    text += "\ncomparison\n" + table.Render();
    data["compare"] = compared;
  }
  // The main job (no scenario given) always writes its report; otherwise --report asks for it.
  std::string report_path = inv.Get("report");
  if (report_path.empty() && !inv.Has("scenario") && report::HtmlReportAvailable()) {
    report_path = "sim-report.html";
  }
  if (!report_path.empty()) {
    Json report_runs = Json::array();
    for (const Run& run : runs) report_runs.push_back(ReportRun(run.scenario, run.result));
    const sim::Scenario& first = runs[0].scenario;
    AIINFRA_TRY(std::string html,
                report::RenderHtmlReport(Json{{"title", "aiinfra sim: " + first.name},
                                              {"subtitle", first.description},
                                              {"summary_text", text},
                                              {"runs", report_runs}}));
    AIINFRA_CHECK_OK(inv.env.WriteFile(report_path, html));
    data["report"] = report_path;
  }
  Output o{.data = data};
  const std::string printed = text + (report_path.empty() ? "" : "\nreport: " + report_path + "\n");
  o.table = [printed](std::ostream& os) { os << printed; };
  return o;
}

}  // namespace

void RegisterSimCommands(CommandTable& table) {
  table.Add({
      .path = {"sim"},
      .summary = "Simulate serving under traffic: TTFT, TPOT, ITL, goodput, replicas over time",
      .description =
          "Runs a scenario (data/scenarios/ documents the format): a model deployed on catalog "
          "hardware, aggregated or with prefill/decode disaggregation, behind a router, under a "
          "workload of arrival processes, closed-loop users, length distributions, sessions or "
          "a replayed trace. Each replica schedules as vLLM V1 does (continuous batching, "
          "chunked prefill, paged KV cache with prefix caching, preemption) with step times "
          "from the performance model. Replicas are added and removed by the Kubernetes HPA on "
          "any windowed serving metric, by KEDA (down to zero and back), or by an SLO planner "
          "sizing prefill and decode pools as NVIDIA Dynamo's does; each new one pays a cold "
          "start, and a cluster can bound them. A scenario may list variants to run beside it "
          "(compare:). Without a file, runs the built-in default scenario: DeepSeek-V3 "
          "disaggregated on a GB200 NVL72 rack beside HGX H200 nodes. Prints each run, the "
          "metrics of specs/metrics.md overall and per class, and a comparison table.",
      .options = {{.name = "series",
                   .value_name = "FILE",
                   .help = "write the 1-second time series as CSV (of the first run)"},
                  {.name = "requests",
                   .value_name = "FILE",
                   .help = "write one CSV row per request, streamed as they end (of the first "
                           "run)"},
                  {.name = "report",
                   .value_name = "FILE",
                   .help = "write the self-contained HTML report (default without a scenario: "
                           "sim-report.html)"},
                  {.name = "set",
                   .value_name = "KEY=VALUE",
                   .help = "override a scenario field (deployment.replicas=4); repeatable",
                   .repeated = true},
                  {.name = "sweep",
                   .value_name = "KEY=V1,V2,...",
                   .help = "run once per value and print one table (without the scenario's "
                           "compare: runs)"}},
      .positionals = {{.name = "scenario", .help = "scenario YAML file", .required = false}},
      .examples = {"aiinfra sim", "aiinfra sim data/scenarios/default.yaml -o json",
                   "aiinfra sim data/scenarios/keda-scale-to-zero.yaml --series series.csv",
                   "aiinfra sim --set planner.itl=40ms --set router.policy=least-outstanding",
                   "aiinfra sim --sweep planner.itl=20ms,25ms,40ms"},
      .handler = Sim,
  });
}

}  // namespace aiinfra::cli
