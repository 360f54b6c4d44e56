// `aiinfra bench`: a load generator for any OpenAI-compatible or Ollama endpoint (issue 6,
// item 4), measuring with the simulator's metrics code; `aiinfra bench compare A.json B.json`
// puts two saved runs side by side.
#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/app.h"
#include "cli/bench_plan.h"
#include "common/progress.h"
#include "common/text.h"
#include "common/units.h"
#include "common/yaml.h"
#include "loadgen/compare.h"
#include "loadgen/load.h"
#include "loadgen/report_data.h"
#include "loadgen/result.h"
#include "loadgen/run_log.h"
#include "loadgen/sweep.h"
#include "metrics/summary.h"
#include "report/html_report.h"
#include "workload/trace.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

// The wall-clock time in UTC as `format` (strftime) writes it.
std::string Date(Env& env, const char* format) {
  const auto now = static_cast<std::time_t>(env.WallTime());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[64];
  std::strftime(date, sizeof date, format, &tm);
  return date;
}

loadgen::VllmContext Vllm(const Invocation& inv, const BenchPlan& plan,
                          const loadgen::LoadResult& load, std::optional<double> rate) {
  loadgen::VllmContext v;
  v.backend = loadgen::VllmBackendName(plan.spec.request.api);
  v.model_id = plan.spec.request.model;
  v.date = Date(inv.env, "%Y%m%d-%H%M%S");  // vLLM's form
  v.num_prompts = load.sent;
  v.request_rate = rate;
  if (plan.spec.arrivals) {
    if (auto* g = std::get_if<workload::GammaArrivals>(&plan.spec.arrivals->kind)) {
      v.burstiness = 1 / (g->cv * g->cv);
    } else if (std::holds_alternative<workload::PoissonArrivals>(plan.spec.arrivals->kind)) {
      v.burstiness = 1.0;
    }
  } else if (!plan.spec.trace) {
    v.max_concurrency = plan.spec.concurrency;
  }
  v.duration = load.wall_seconds;
  v.has_goodput = metrics::HasPerRequestSlo(plan.collector.slos);
  v.detailed = inv.Has("save-detailed");
  return v;
}

// Writes the files asked for besides the result: --report and --save-trace.
Status WriteFiles(Invocation& inv, const BenchPlan& plan,
                  const std::vector<loadgen::RunPart>& parts, const std::string& summary_text,
                  Json& data) {
  if (inv.Has("report")) {
    const Json report_data =
        loadgen::ReportData(parts, "aiinfra bench: " + inv.Get("model"),
                            fmt::format("{} ({}), measured {}", inv.Get("url"), inv.Get("api"),
                                        inv.Has("sweep") ? "step by step" : "over one run"),
                            summary_text);
    AIINFRA_TRY(std::string html, report::RenderHtmlReport(report_data));
    AIINFRA_CHECK_OK(inv.env.WriteFile(inv.Get("report"), html));
    data["report"] = inv.Get("report");
  }
  if (inv.Has("save-trace")) {
    AIINFRA_TRY(workload::TraceFormat format,
                workload::ParseTraceFormat(inv.Get("save-trace-format")));
    AIINFRA_TRY(int block, inv.GetInt("save-trace-block"));
    // Only Mooncake rows hold prefix hashes.
    std::optional<loadgen::PrefixIdentity> prefixes;
    if (format == workload::TraceFormat::kMooncake) {
      prefixes = loadgen::PrefixIdentity{.prefix_tokens = plan.spec.prompts.prefix_tokens,
                                         .block_tokens = block};
    }
    const auto rows = loadgen::TraceOfParts(parts, prefixes);
    AIINFRA_TRY(std::string text, workload::FormatTrace(format, rows));
    AIINFRA_CHECK_OK(inv.env.WriteFile(inv.Get("save-trace"), text));
    data["trace"] = inv.Get("save-trace");
  }
  return {};
}

Result<Output> Compare(Invocation& inv) {
  if (!inv.Has("a") || !inv.Has("b")) {
    return Fail(ErrorCode::kUsage,
                "usage: aiinfra bench compare A.json B.json (two files "
                "written by aiinfra bench --save-result)");
  }
  for (const char* o : {"url", "model", "rate", "concurrency", "trace", "sweep"}) {
    if (inv.Has(o)) {
      return Fail(ErrorCode::kUsage, fmt::format("bench compare reads two saved results; --{} "
                                                 "belongs to a run",
                                                 o));
    }
  }
  std::vector<nlohmann::json> results;
  for (const char* which : {"a", "b"}) {
    const std::string path = inv.Get(which);
    AIINFRA_TRY(std::string text, inv.env.ReadFile(path));
    AIINFRA_TRY(nlohmann::json j, loadgen::ParseBenchResult(text, path));
    results.push_back(std::move(j));
  }
  const auto rows = loadgen::CompareResults(results[0], results[1]);
  Output o{.data = loadgen::CompareJson(rows, inv.Get("a"), inv.Get("b"))};
  const std::string text = loadgen::CompareTable(rows, inv.Get("a"), inv.Get("b"));
  o.table = [text](std::ostream& os) { os << text; };
  return o;
}

Result<Output> Bench(Invocation& inv) {
  if (inv.Has("action")) {
    if (inv.Get("action") == "compare") return Compare(inv);
    return Fail(ErrorCode::kUsage,
                fmt::format("bench takes options, or `compare A.json B.json`; got '{}'{}",
                            inv.Get("action"), DidYouMean(inv.Get("action"), {"compare"})));
  }
  AIINFRA_TRY(BenchPlan plan, Plan(inv));
  if (inv.Has("report") && !report::HtmlReportAvailable()) {
    AIINFRA_CHECK_OK(report::RenderHtmlReport(Json::object()));  // its error says how to fix
  }
  if (inv.Has("save-trace")) {
    AIINFRA_CHECK_OK(workload::ParseTraceFormat(inv.Get("save-trace-format")));
    AIINFRA_TRY(int block, inv.GetInt("save-trace-block"));
    if (block < 1) return Fail(ErrorCode::kUsage, "--save-trace-block must be >= 1 tokens");
  }
  const bool detailed = inv.Has("save-detailed");
  std::unique_ptr<Env::OutputFile> jsonl;
  if (inv.Has("save-requests")) {
    AIINFRA_TRY(jsonl, inv.env.CreateOutputFile(inv.Get("save-requests")));
  }
  std::optional<Error> write_error;
  const auto write_line = [&](const loadgen::SentRequest& r, std::optional<int> step) {
    if (!jsonl || write_error) return;
    if (Status s = jsonl->Write(loadgen::RequestLine(r, step).dump() + "\n"); !s) {
      write_error = s.error();
    }
  };
  std::optional<ProgressBar> bar;
  std::string bar_label = "requests";
  const auto progress = [&](uint64_t done, uint64_t planned) {
    if (planned == 0) return;
    if (!bar) bar.emplace(bar_label, static_cast<double>(planned));
    bar->Update(static_cast<double>(done));
  };

  std::vector<std::unique_ptr<loadgen::RunLog>> logs;
  std::vector<loadgen::RunPart> parts;
  Json data;
  std::string text;
  Json saved{{loadgen::kResultMarker, loadgen::kResultVersion},
             {"date", Date(inv.env, "%Y-%m-%dT%H:%M:%SZ")},
             {"config", plan.config}};
  const bool open = plan.spec.arrivals || plan.spec.trace;
  if (plan.sweep) {
    const auto on_step = [&](int step, double rate) {
      if (bar) bar->Finish();
      bar.reset();
      bar_label = fmt::format("step {} ({:.3g} req/s)", step + 1, rate);
      logs.push_back(std::make_unique<loadgen::RunLog>(detailed));
    };
    const auto on_request = [&](int step, const loadgen::SentRequest& r) {
      logs[static_cast<size_t>(step)]->Add(r);
      write_line(r, step);
    };
    AIINFRA_TRY(
        loadgen::SweepResult sweep,
        loadgen::RunSweep(plan.spec, *plan.sweep, plan.collector, on_request, on_step, progress));
    if (bar) bar->Finish();
    std::map<std::string, uint64_t> errors;
    for (size_t k = 0; k < sweep.steps.size(); ++k) {
      parts.push_back({fmt::format("{:.3g} req/s", sweep.steps[k].rate), sweep.steps[k].offset,
                       logs[k].get(), plan.spec.seed + k});
      for (const auto& [kind, n] : logs[k]->errors()) errors[kind] += n;
    }
    const Json sweep_json = loadgen::SweepJson(sweep, *plan.sweep);
    text = fmt::format("sweep of {} ({} {}), {} steps\n\n{}{}", plan.spec.url, inv.Get("api"),
                       plan.spec.request.model, sweep.steps.size(), loadgen::ErrorsLine(errors),
                       loadgen::SweepTable(sweep));
    data =
        Json{{"url", plan.spec.url}, {"model", plan.spec.request.model}, {"api", inv.Get("api")}};
    data.update(sweep_json);
    data["errors"] = loadgen::ErrorsJson(errors);
    // The saved run is the highest sustained step (the first when every step saturated).
    const size_t best = static_cast<size_t>(std::max(sweep.sustained(), 0));
    const loadgen::SweepStep& step = sweep.steps[best];
    saved["run"] = loadgen::LoadJson(step.load, true);
    saved["errors"] = loadgen::ErrorsJson(logs[best]->errors());
    saved["summary"] = metrics::ToJson(step.summary);
    saved["sweep"] = sweep_json;
    saved["vllm"] = logs[best]->VllmJson(Vllm(inv, plan, step.load, step.rate), step.summary);
  } else {
    logs.push_back(std::make_unique<loadgen::RunLog>(detailed));
    metrics::MetricsCollector collector(plan.collector);
    const auto on_request = [&](const loadgen::SentRequest& r) {
      logs[0]->Add(r);
      write_line(r, std::nullopt);
    };
    AIINFRA_TRY(loadgen::LoadResult r,
                loadgen::RunLoad(plan.spec, collector, on_request, progress));
    if (bar) bar->Finish();
    parts.push_back({"all", 0, logs[0].get(), plan.spec.seed});
    const metrics::RunSummary summary = collector.Summarize();
    data = metrics::ToJson(summary);
    data["url"] = plan.spec.url;
    data["model"] = plan.spec.request.model;
    data["api"] = inv.Get("api");
    data["sent"] = r.sent;
    data["sessions"] = r.sessions;
    data["wall_seconds"] = r.wall_seconds;
    data["connections"] = r.connections;
    if (open) {
      data["send_lag"] =
          Json{{"p50", r.send_lag_p50}, {"p99", r.send_lag_p99}, {"max", r.send_lag_max}};
    }
    if (!r.warnings.empty()) data["warnings"] = r.warnings;
    if (!logs[0]->errors().empty()) data["errors"] = loadgen::ErrorsJson(logs[0]->errors());
    text = fmt::format("{}{} requests to {} ({} {}) in {:.2f} s over {} connections{}\n\n{}",
                       loadgen::ErrorsLine(logs[0]->errors()), r.sent, plan.spec.url,
                       inv.Get("api"), plan.spec.request.model, r.wall_seconds, r.connections,
                       open ? fmt::format("; send lag p50 {:.3f} ms, p99 {:.3f} ms",
                                          r.send_lag_p50 * 1e3, r.send_lag_p99 * 1e3)
                            : std::string(),
                       metrics::RenderTable(summary));
    for (const std::string& w : r.warnings) text = "warning: " + w + "\n" + text;
    std::optional<double> rate;
    if (plan.spec.arrivals) rate = plan.config["rate"].get<double>();
    saved["run"] = loadgen::LoadJson(r, open);
    saved["errors"] = loadgen::ErrorsJson(logs[0]->errors());
    saved["summary"] = data;
    saved["vllm"] = logs[0]->VllmJson(Vllm(inv, plan, r, rate), summary);
  }
  if (write_error) return Fail(*write_error);
  if (jsonl) {
    AIINFRA_CHECK_OK(jsonl->Commit());
    data["requests_file"] = inv.Get("save-requests");
  }
  AIINFRA_CHECK_OK(WriteFiles(inv, plan, parts, text, data));
  if (inv.Has("save-result")) {
    AIINFRA_CHECK_OK(inv.env.WriteFile(inv.Get("save-result"), saved.dump(2) + "\n"));
    data["result"] = inv.Get("save-result");
  }
  for (const char* key : {"save-result", "save-requests", "report", "save-trace"}) {
    if (inv.Has(key)) text += fmt::format("\n{}: {}", key, inv.Get(key));
  }
  if (!text.empty() && text.back() != '\n') text += '\n';
  Output o{.data = data};
  o.table = [text](std::ostream& os) { os << text; };
  return o;
}

}  // namespace

void RegisterBenchCommands(CommandTable& table) {
  table.Add({
      .path = {"bench"},
      .summary = "Measure an OpenAI-compatible or Ollama endpoint under load: TTFT, TPOT, ITL",
      .description =
          "Sends streamed requests to a live endpoint (vLLM, SGLang, Ollama, or aiinfra's own) "
          "open-loop at a rate (Poisson, gamma with a burstiness CV, or constant; --ramp-up "
          "raises it linearly from 0 over a time), closed-loop at a fixed concurrency (--ramp-up "
          "starts the users spread over the time), or at the timestamps of a request trace "
          "(--trace, the simulator's formats), for a number of requests or a duration. Prompts "
          "are synthetic (common one-token words) with lengths from the workload library's "
          "distributions (--input-tokens N --input-dist lognormal --input-cv 0.5, or a YAML "
          "distribution as in scenario files); --prefix-tokens starts each prompt with one of "
          "--prefix-groups shared prefixes; --turns sends conversations whose prompts carry the "
          "earlier turns and answers. Output lengths are exact with ignore_eos on OpenAI APIs. "
          "Every streamed chunk is timed and the metrics of specs/metrics.md are computed by the "
          "same code as the simulator's; token counts come from the endpoint's usage where it "
          "reports it.\n\n"
          "--sweep raises the rate step by step (--rate x --sweep-factor, or --sweep-rates) "
          "until the server saturates: in a step's last three quarters it streams less than "
          "--sweep-ratio of the output tokens its requests ask for, or TTFT p90 passes "
          "--sweep-ttft-limit; it prints a table per step and the saturation point. Steps "
          "should last several request latencies (--duration).\n\n"
          "Outputs: --save-result (config, summary, sweep steps, and vLLM's `bench serve` "
          "fields under \"vllm\"), --save-requests (one JSON line per request), --report (the "
          "simulator's HTML report), --save-trace (the sent requests as a trace that `aiinfra "
          "sim` replays). `aiinfra bench compare A.json B.json` puts two saved results side by "
          "side.",
      .options =
          {{.name = "url", .value_name = "URL", .help = "the endpoint's base URL (required)"},
           {.name = "model", .value_name = "NAME", .help = "the model to ask for (required)"},
           {.name = "api",
            .value_name = "API",
            .help = "request format",
            .default_value = "chat",
            .choices = {"chat", "completions", "ollama-chat", "ollama-generate"}},
           {.name = "path", .value_name = "PATH", .help = "the request path (default: the API's)"},
           {.name = "rate",
            .value_name = "REQ/S",
            .help = "open loop at this rate (e.g. 20 or 20/s); a sweep's first step"},
           {.name = "arrivals",
            .value_name = "KIND",
            .help = "the open loop's arrival process",
            .default_value = "poisson",
            .choices = {"poisson", "gamma", "constant"}},
           {.name = "cv",
            .value_name = "X",
            .help = "gamma's coefficient of variation",
            .default_value = "2"},
           {.name = "concurrency",
            .value_name = "N",
            .help = "closed loop: requests (or conversations) in flight",
            .default_value = "1"},
           {.name = "ramp-up",
            .value_name = "TIME",
            .help = "raise the rate linearly from 0 over this time (closed loop: start the users "
                    "spread over it)",
            .default_value = "0s"},
           {.name = "num-requests",
            .value_name = "N",
            .help = "requests to send (default 100 without --duration or --trace); per step in "
                    "a sweep"},
           {.name = "duration",
            .value_name = "TIME",
            .help = "send for this long (e.g. 60s); per step in a sweep"},
           {.name = "trace",
            .value_name = "FILE",
            .help = "replay a request trace's arrivals and lengths"},
           {.name = "trace-format",
            .value_name = "FORMAT",
            .help = "the trace's format",
            .default_value = "splitwise",
            .choices = {"azure", "splitwise", "vidur", "burstgpt", "mooncake"}},
           {.name = "speedup",
            .value_name = "X",
            .help = "replay the trace X times faster",
            .default_value = "1"},
           {.name = "input-tokens",
            .value_name = "TOKENS",
            .help = "prompt length in words (about tokens): a number, the mean with --input-dist, "
                    "or a YAML distribution",
            .default_value = "256"},
           {.name = "input-dist",
            .value_name = "KIND",
            .help = "how prompt lengths vary around --input-tokens",
            .default_value = "fixed",
            .choices = {"fixed", "uniform", "normal", "lognormal", "exponential"}},
           {.name = "input-cv",
            .value_name = "X",
            .help = "normal and lognormal: standard deviation / mean"},
           {.name = "input-range",
            .value_name = "LO:HI",
            .help = "uniform's bounds; clamps the other kinds"},
           {.name = "output-tokens",
            .value_name = "TOKENS",
            .help = "tokens to generate (max_tokens), as --input-tokens",
            .default_value = "128"},
           {.name = "output-dist",
            .value_name = "KIND",
            .help = "how output lengths vary around --output-tokens",
            .default_value = "fixed",
            .choices = {"fixed", "uniform", "normal", "lognormal", "exponential"}},
           {.name = "output-cv", .value_name = "X", .help = "as --input-cv, for outputs"},
           {.name = "output-range", .value_name = "LO:HI", .help = "as --input-range, for outputs"},
           {.name = "prefix-tokens",
            .value_name = "N",
            .help = "start every prompt with a shared prefix of N words",
            .default_value = "0"},
           {.name = "prefix-groups",
            .value_name = "G",
            .help = "distinct shared prefixes, drawn per request",
            .default_value = "1"},
           {.name = "turns",
            .value_name = "K",
            .help = "requests per conversation, each carrying the earlier turns",
            .default_value = "1"},
           {.name = "think-time",
            .value_name = "TIME",
            .help = "wait between a turn's answer and the next turn (e.g. 2s, or {kind: "
                    "exponential, mean: 2s})",
            .default_value = "0s"},
           {.name = "no-ignore-eos",
            .help = "let the model stop early (OpenAI APIs)",
            .flag = true},
           {.name = "header",
            .value_name = "NAME: VALUE",
            .help = "an extra request header (e.g. Authorization); repeatable",
            .repeated = true},
           {.name = "goodput",
            .value_name = "SLOS",
            .help = "per-request SLOs for goodput, e.g. ttft<=2s,tpot<=60ms"},
           {.name = "seed",
            .value_name = "N",
            .help = "seeds prompts, lengths and arrivals",
            .default_value = "1"},
           {.name = "sweep",
            .help = "raise the rate step by step until the server saturates",
            .flag = true},
           {.name = "sweep-factor",
            .value_name = "X",
            .help = "each step's rate is the previous one's times X",
            .default_value = "1.5"},
           {.name = "sweep-rates",
            .value_name = "LIST",
            .help = "the steps' rates instead (1,2,4,8)"},
           {.name = "sweep-max-steps",
            .value_name = "N",
            .help = "stop after N steps with --sweep-factor",
            .default_value = "20"},
           {.name = "sweep-ratio",
            .value_name = "X",
            .help = "saturated when the server streams less than X of the tokens asked of it",
            .default_value = "0.9"},
           {.name = "sweep-ttft-limit",
            .value_name = "TIME",
            .help = "saturated when TTFT p90 passes it (0: no limit)",
            .default_value = "0s"},
           {.name = "save-result",
            .value_name = "FILE",
            .help = "write the run as JSON (bench compare reads it)"},
           {.name = "save-detailed",
            .help = "add per-request lists (lengths, TTFTs, ITLs, texts, errors) to the result's "
                    "vllm fields",
            .flag = true},
           {.name = "save-requests",
            .value_name = "FILE",
            .help = "write one JSON line per request"},
           {.name = "report", .value_name = "FILE", .help = "write the self-contained HTML report"},
           {.name = "save-trace",
            .value_name = "FILE",
            .help = "write the sent requests as a trace for aiinfra sim"},
           {.name = "save-trace-format",
            .value_name = "FORMAT",
            .help = "the saved trace's format",
            .default_value = "splitwise",
            .choices = {"azure", "splitwise", "vidur", "burstgpt", "mooncake"}},
           {.name = "save-trace-block",
            .value_name = "TOKENS",
            .help = "mooncake: tokens per hash_ids block (512 as Kimi's traces; the simulator "
                    "takes each id as one KV block, 16 by default)",
            .default_value = "512"}},
      .positionals = {{.name = "action",
                       .help = "'compare' to compare two saved results instead of running",
                       .required = false},
                      {.name = "a", .help = "compare: the first result (A)", .required = false},
                      {.name = "b", .help = "compare: the second result (B)", .required = false}},
      .examples = {"aiinfra bench --url http://127.0.0.1:8000 --model llama --concurrency 8 "
                   "--num-requests 200",
                   "aiinfra bench --url http://127.0.0.1:11434 --model llama3.1:8b --api "
                   "ollama-chat --rate 2 --duration 60s",
                   "aiinfra bench --url http://127.0.0.1:8000 --model llama --rate 20 --arrivals "
                   "gamma --cv 3 -o json",
                   "aiinfra bench --url http://127.0.0.1:8000 --model llama --rate 2 --sweep "
                   "--duration 60s --sweep-ttft-limit 2s --save-result sweep.json",
                   "aiinfra bench --url http://127.0.0.1:8000 --model llama --rate 1 --turns 4 "
                   "--think-time 5s --prefix-tokens 1000 --prefix-groups 4 --report run.html",
                   "aiinfra bench --url http://127.0.0.1:8000 --model llama --trace conv.csv "
                   "--speedup 2 --save-trace sent.csv",
                   "aiinfra bench compare before.json after.json"},
      .handler = Bench,
  });
}

}  // namespace aiinfra::cli
