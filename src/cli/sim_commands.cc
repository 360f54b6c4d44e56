// `aiinfra sim`: the serving simulator on a scenario file, or on the built-in default scenario.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>

#include "cli/app.h"
#include "cli/perf_options.h"
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

constexpr const char* kDefaultScenario = "scenarios/default.yaml";

// The scenario's text and its name for errors: the file given, or the built-in one.
Result<std::pair<std::string, std::string>> ScenarioText(Invocation& inv) {
  if (inv.Has("scenario")) {
    const std::string path = inv.Get("scenario");
    AIINFRA_TRY(std::string text, inv.env.ReadFile(path));
    return std::pair{std::move(text), path};
  }
  AIINFRA_TRY(auto files, inv.data.List("scenarios"));
  for (const DataFile& f : files) {
    if (f.relative == kDefaultScenario) return std::pair{f.contents, f.display};
  }
  return Fail(ErrorCode::kNotFound, "the built-in scenario data/scenarios/default.yaml is missing");
}

// Applies `key=value` to the scenario text (SetYamlPath).
Result<std::string> Override(const std::string& text, const std::string& file,
                             const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Fail(
        ErrorCode::kUsage,
        "--set/--sweep expects key=value (deployment.replicas=4), got '" + assignment + "'");
  }
  return SetYamlPath(text, file, assignment.substr(0, eq), assignment.substr(eq + 1));
}

// The scenario with every --set applied; errors in an overridden scenario name the overrides.
// `source` is ScenarioText's (read once, even when a sweep parses it once per value).
Result<sim::Scenario> LoadScenario(const Invocation& inv,
                                   const std::pair<std::string, std::string>& source,
                                   const std::string& extra = "") {
  auto [text, file] = source;
  std::vector<std::string> sets = inv.GetAll("set");
  if (!extra.empty()) sets.push_back(extra);
  std::string name = file;
  for (const std::string& a : sets) {
    AIINFRA_TRY(text, Override(text, file, a));
    name += (name == file ? " with " : ", ") + a;
  }
  return sim::ParseScenario(text, name);
}

Json ScaleJson(const sim::ScaleEvent& e) {
  return Json{{"time", e.time},
              {"pool", e.pool == 0 ? "main" : "decode"},
              {"from", e.from},
              {"to", e.to},
              {"recommended", e.decision.recommended}};
}

// The data of the HTML report (report/html_report.h).
Json ReportData(const sim::Scenario& scenario, const sim::ScenarioResult& r,
                const std::vector<std::string>& class_names, const std::string& header) {
  Json events = Json::array();
  for (const auto& e : r.scales) events.push_back(ScaleJson(e));
  Json cdfs = Json::object();
  const char* names[] = {"ttft", "tpot", "e2e"};
  for (size_t m = 0; m < 3; ++m) {
    Json by_class = Json::object();
    for (size_t c = 0; c < r.latency_samples[m].size() && c < class_names.size(); ++c) {
      by_class[class_names[c]] = r.latency_samples[m][c];
    }
    cdfs[names[m]] = by_class;
  }
  Json replicas = Json::array();
  for (const sim::ReplicaUsage& u : r.sim.replicas) {
    replicas.push_back(Json{
        {"name", fmt::format("{}{}", u.pool == 0 ? (scenario.decode ? "p" : "r") : "d", u.index)},
        {"utilization", r.sim.end_time > 0 ? u.busy_seconds / r.sim.end_time : 0.0}});
  }
  return Json{{"title", "aiinfra sim: " + scenario.name},
              {"subtitle", scenario.description},
              {"summary_text", header},
              {"series", r.series.ToJson()},
              {"scale_events", events},
              {"cdfs", cdfs},
              {"replicas", replicas}};
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
  AIINFRA_TRY(auto source, ScenarioText(inv));
  AIINFRA_TRY(PerfContext ctx, PerfContext::Load(inv));
  sim::Catalogs catalogs{&ctx.hardware, &ctx.models, &ctx.calibration, &ctx.tuning, &inv.env};
  auto p90 = [](const metrics::GroupSummary& g, metrics::MetricId id) {
    return g.metrics[static_cast<size_t>(id)].percentiles[1];
  };
  TextTable table({key, "REQUESTS", "TTFT P90", "TPOT P90", "E2E P90", "OUT TOK/S", "TOK/S/GPU",
                   "GOODPUT", "SLO", "PEAK REPLICAS", "PREEMPTIONS"});
  Json rows = Json::array();
  for (const std::string& v : values) {
    AIINFRA_TRY(sim::Scenario scenario, LoadScenario(inv, source, key + "=" + v));
    AIINFRA_TRY(sim::ScenarioResult r, sim::RunScenario(scenario, catalogs));
    const metrics::GroupSummary& g = r.summary.overall;
    const double ttft = p90(g, metrics::MetricId::kTtft);
    const double tpot = p90(g, metrics::MetricId::kTpot);
    const double e2e = p90(g, metrics::MetricId::kE2e);
    table.AddRow({v, fmt::format("{}", g.requests), fmt::format("{:.3f}s", ttft),
                  fmt::format("{:.1f}ms", tpot * 1e3), fmt::format("{:.2f}s", e2e),
                  fmt::format("{:.0f}", g.output_throughput),
                  fmt::format("{:.0f}", g.throughput_per_gpu),
                  g.slos.empty() ? "-" : fmt::format("{:.2f}/s", g.goodput),
                  g.slos.empty() ? "-" : fmt::format("{:.1f}%", 100 * g.slo_attainment),
                  fmt::format("{}", r.sim.peak_replicas), fmt::format("{}", r.sim.preemptions)});
    rows.push_back(Json{{"value", v},
                        {"summary", metrics::ToJson(r.summary)},
                        {"peak_replicas", r.sim.peak_replicas},
                        {"preemptions", r.sim.preemptions}});
  }
  Output o{.data = Json{{"sweep", key}, {"runs", rows}}};
  const std::string text = table.Render();
  o.table = [text](std::ostream& os) { os << text; };
  return o;
}

Result<Output> Sim(Invocation& inv) {
  if (inv.Has("sweep")) return Sweep(inv);
  AIINFRA_TRY(auto source, ScenarioText(inv));
  AIINFRA_TRY(sim::Scenario scenario, LoadScenario(inv, source));
  AIINFRA_TRY(PerfContext ctx, PerfContext::Load(inv));
  sim::Catalogs catalogs{&ctx.hardware, &ctx.models, &ctx.calibration, &ctx.tuning, &inv.env};
  sim::RunOptions run;
  std::unique_ptr<Env::OutputFile> requests;
  if (inv.Has("requests")) {
    AIINFRA_TRY(requests, inv.env.CreateOutputFile(inv.Get("requests")));
    run.requests_csv = requests.get();
  }
  // Simulated seconds against the horizon, on stderr and only at a terminal (ProgressBar
  // decides).
  std::optional<ProgressBar> bar;
  run.progress = [&bar](double t, double horizon) {
    if (!bar && std::isfinite(horizon) && horizon < 1e11) bar.emplace("simulated s", horizon);
    if (bar) bar->Update(t);
  };
  const auto start = std::chrono::steady_clock::now();
  AIINFRA_TRY(sim::ScenarioResult r, sim::RunScenario(scenario, catalogs, run));
  if (bar) bar->Finish();
  if (requests) AIINFRA_CHECK_OK(requests->Commit());
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (inv.Has("series")) {
    std::ostringstream csv;
    r.series.WriteCsv(csv);
    AIINFRA_CHECK_OK(inv.env.WriteFile(inv.Get("series"), csv.str()));
  }
  const sim::SimResult& s = r.sim;
  const double hit = s.prefix_queried_tokens > 0
                         ? static_cast<double>(s.prefix_hit_tokens) / s.prefix_queried_tokens
                         : 0;
  Json scales = Json::array();
  for (const auto& e : r.scales) scales.push_back(ScaleJson(e));
  Json data{{"scenario", scenario.name},
            {"file", scenario.file},
            {"simulated_seconds", s.end_time},
            {"wall_seconds", wall},
            {"steps", s.steps},
            {"requests", s.arrivals},
            {"finished", s.finished},
            {"unfinished", s.unfinished},
            {"preemptions", s.preemptions},
            {"prefix_cache_hit_rate", hit},
            {"kv_transfers", s.transfers},
            {"peak_replicas", s.peak_replicas},
            {"gpus_per_replica", r.gpus_per_replica},
            {"kv_blocks_per_replica", r.kv_blocks_per_replica},
            {"cold_start_seconds", r.cold_start_seconds},
            {"scale_events", scales},
            {"warnings", r.warnings},
            {"summary", metrics::ToJson(r.summary)}};
  std::vector<std::string> class_names;
  for (const auto& g : r.summary.classes) class_names.push_back(g.name);
  const std::string table = metrics::RenderTable(r.summary);
  auto header = [&](std::ostream& os) {
    os << fmt::format("scenario {} ({})\n", scenario.name, scenario.file);
    if (!scenario.description.empty()) os << scenario.description << "\n";
    os << fmt::format(
        "simulated {:.0f} s in {:.2f} s of wall time ({:.0f}x real time): {} steps, {} requests "
        "({} finished, {} unfinished), {} preemptions, prefix-cache hit rate {:.1f}%, peak "
        "{} replicas of {} GPUs, cold start {:.0f} s\n",
        s.end_time, wall, wall > 0 ? s.end_time / wall : 0.0, s.steps, s.arrivals, s.finished,
        s.unfinished, s.preemptions, 100 * hit, s.peak_replicas, r.gpus_per_replica,
        r.cold_start_seconds);
    for (const auto& e : r.scales) {
      os << fmt::format("  t={:>6.0f} s  {} pool: {} -> {} replicas\n", e.time,
                        e.pool == 0 ? "main" : "decode", e.from, e.to);
    }
    for (const auto& w : r.warnings) os << "warning: " << w << "\n";
    os << "\n" << table;
  };
  std::ostringstream text;
  header(text);
  // The main job (no scenario given) always writes its report; otherwise --report asks for it.
  std::string report_path = inv.Get("report");
  if (report_path.empty() && !inv.Has("scenario") && report::HtmlReportAvailable()) {
    report_path = "sim-report.html";
  }
  if (!report_path.empty()) {
    AIINFRA_TRY(std::string html,
                report::RenderHtmlReport(ReportData(scenario, r, class_names, text.str())));
    AIINFRA_CHECK_OK(inv.env.WriteFile(report_path, html));
    data["report"] = report_path;
  }
  Output o{.data = data};
  const std::string printed =
      text.str() + (report_path.empty() ? "" : "\nreport: " + report_path + "\n");
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
          "hardware, aggregated or with prefill/decode disaggregation, behind a router, with "
          "the Kubernetes HPA adding replicas that pay a cold start, under a workload of "
          "arrival processes, length distributions, sessions or a replayed trace. Each replica "
          "schedules as vLLM V1 does (continuous batching, chunked prefill, paged KV cache with "
          "prefix caching, preemption) with step times from the performance model. Without a "
          "file, runs the built-in default scenario. Prints the run and the metrics of "
          "specs/metrics.md overall and per class.",
      .options = {{.name = "series",
                   .value_name = "FILE",
                   .help = "write the 1-second time series as CSV"},
                  {.name = "requests",
                   .value_name = "FILE",
                   .help = "write one CSV row per request, streamed as they end"},
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
                   .help = "run once per value and print one table"}},
      .positionals = {{.name = "scenario", .help = "scenario YAML file", .required = false}},
      .examples = {"aiinfra sim", "aiinfra sim data/scenarios/default.yaml -o json",
                   "aiinfra sim my-scenario.yaml --series series.csv",
                   "aiinfra sim --set deployment.tp=4 --set router.policy=round-robin",
                   "aiinfra sim --sweep deployment.replicas=2,4,8"},
      .handler = Sim,
  });
}

}  // namespace aiinfra::cli
