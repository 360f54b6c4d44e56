// `aiinfra bench`: a load generator for any OpenAI-compatible or Ollama endpoint (issue 6,
// item 4), measuring with the simulator's metrics code.
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <optional>
#include <sstream>

#include "cli/app.h"
#include "common/progress.h"
#include "common/units.h"
#include "loadgen/load.h"
#include "metrics/summary.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

// --rate with --arrivals as a workload arrival process.
Result<workload::ArrivalSpec> Arrivals(const Invocation& inv, double rate) {
  const std::string kind = inv.Get("arrivals");
  if (kind == "poisson") return workload::ArrivalSpec{workload::PoissonArrivals{rate}};
  if (kind == "constant") return workload::ArrivalSpec{workload::ConstantArrivals{rate}};
  AIINFRA_TRY(double cv, inv.GetNumber("cv"));
  if (!(cv > 0)) return Fail(ErrorCode::kUsage, "--cv must be > 0 (1 is Poisson)");
  return workload::ArrivalSpec{workload::GammaArrivals{rate, cv}};
}

Result<Output> Bench(Invocation& inv) {
  loadgen::LoadSpec spec;
  spec.url = inv.Get("url");
  AIINFRA_TRY(spec.request.api, loadgen::ParseApiKind(inv.Get("api")));
  spec.request.model = inv.Get("model");
  spec.request.path = inv.Get("path");
  spec.request.ignore_eos = !inv.Has("no-ignore-eos");
  AIINFRA_TRY(int input, inv.GetInt("input-tokens"));
  AIINFRA_TRY(int output, inv.GetInt("output-tokens"));
  if (input < 1 || output < 1)
    return Fail(ErrorCode::kUsage, "--input-tokens and --output-tokens must be >= 1");
  spec.input_tokens = input;
  spec.request.max_tokens = output;
  for (const std::string& h : inv.GetAll("header")) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Fail(ErrorCode::kUsage, "--header expects Name: value, got '" + h + "'");
    }
    std::string value = h.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    spec.request.headers[h.substr(0, colon)] = value;
  }
  if (inv.Has("rate") && inv.Has("concurrency")) {
    return Fail(ErrorCode::kUsage, "give --rate (open loop) or --concurrency (closed loop)");
  }
  if (inv.Has("rate")) {
    std::string text = inv.Get("rate");
    if (text.ends_with("/s")) text.resize(text.size() - 2);
    auto rate = ParseNumber(text);
    if (!rate)
      return Fail(ErrorCode::kUsage,
                  "--rate: expected requests per second, got '" + inv.Get("rate") + "'");
    const double value = *rate;
    if (!(value > 0)) return Fail(ErrorCode::kUsage, "--rate must be > 0 requests/s");
    AIINFRA_TRY(spec.arrivals, Arrivals(inv, value));
  } else {
    AIINFRA_TRY(spec.concurrency, inv.GetInt("concurrency"));
    if (spec.concurrency < 1) return Fail(ErrorCode::kUsage, "--concurrency must be >= 1");
  }
  if (inv.Has("num-requests")) {
    AIINFRA_TRY(int n, inv.GetInt("num-requests"));
    spec.num_requests = n;
  }
  if (inv.Has("duration")) {
    auto d = ParseDuration(inv.Get("duration"));
    if (!d) return Fail(ErrorCode::kUsage, "--duration: " + d.error().message);
    spec.duration = *d;
  }
  if (spec.num_requests <= 0 && spec.duration <= 0) spec.num_requests = 100;
  AIINFRA_TRY(int seed, inv.GetInt("seed"));
  spec.seed = static_cast<uint64_t>(seed);

  metrics::MetricsCollector collector;
  std::unique_ptr<Env::OutputFile> jsonl;
  if (inv.Has("requests")) {
    AIINFRA_TRY(jsonl, inv.env.CreateOutputFile(inv.Get("requests")));
  }
  std::optional<Error> write_error;
  std::optional<ProgressBar> bar;
  std::map<std::string, uint64_t> errors;  // "400 invalid_request_error" -> count
  const auto on_record = [&](const metrics::RequestRecord& r) {
    if (r.outcome() == metrics::Outcome::kError) {
      ++errors[r.http_status ? fmt::format("{} {}", r.http_status, r.error_type) : r.error_type];
    }
    if (!jsonl || write_error) return;
    if (Status s = jsonl->Write(metrics::RecordToJson(r).dump() + "\n"); !s)
      write_error = s.error();
  };
  const auto progress = [&](uint64_t done, uint64_t planned) {
    if (planned == 0) return;
    if (!bar) bar.emplace("requests", static_cast<double>(planned));
    bar->Update(static_cast<double>(done));
  };
  AIINFRA_TRY(loadgen::LoadResult r, loadgen::RunLoad(spec, collector, on_record, progress));
  if (bar) bar->Finish();
  if (write_error) return Fail(*write_error);
  if (jsonl) AIINFRA_CHECK_OK(jsonl->Commit());
  const metrics::RunSummary summary = collector.Summarize();
  Json data = metrics::ToJson(summary);
  data["url"] = spec.url;
  data["model"] = spec.request.model;
  data["api"] = inv.Get("api");
  data["sent"] = r.sent;
  data["wall_seconds"] = r.wall_seconds;
  data["connections"] = r.connections;
  if (spec.arrivals) {
    data["send_lag"] =
        Json{{"p50", r.send_lag_p50}, {"p99", r.send_lag_p99}, {"max", r.send_lag_max}};
  }
  std::string text =
      fmt::format("{} requests to {} ({} {}) in {:.2f} s over {} connections{}\n\n{}", r.sent,
                  spec.url, inv.Get("api"), spec.request.model, r.wall_seconds, r.connections,
                  spec.arrivals ? fmt::format("; send lag p50 {:.3f} ms, p99 {:.3f} ms",
                                              r.send_lag_p50 * 1e3, r.send_lag_p99 * 1e3)
                                : std::string(),
                  metrics::RenderTable(summary));
  if (!errors.empty()) {
    std::string list;
    Json by_kind = Json::object();
    for (const auto& [kind, n] : errors) {
      list += fmt::format("{}{} x {}", list.empty() ? "" : ", ", n, kind);
      by_kind[kind] = n;
    }
    text = fmt::format("errors: {}\n", list) + text;
    data["errors"] = by_kind;
  }
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
          "open-loop at a rate (Poisson, gamma with a burstiness CV, or constant) or closed-loop "
          "at a fixed concurrency, for a number of requests or a duration. Prompts are synthetic "
          "(common one-token words); output lengths are fixed with ignore_eos on OpenAI APIs. "
          "Every streamed chunk is timed, and the metrics of specs/metrics.md are computed by "
          "the same code as the simulator's; token counts come from the endpoint's usage where "
          "it reports it. Open loop also reports how late requests were sent against their "
          "schedule.",
      .options =
          {{.name = "url",
            .value_name = "URL",
            .help = "the endpoint's base URL",
            .required = true},
           {.name = "model",
            .value_name = "NAME",
            .help = "the model to ask for",
            .required = true},
           {.name = "api",
            .value_name = "API",
            .help = "request format",
            .default_value = "chat",
            .choices = {"chat", "completions", "ollama-chat", "ollama-generate"}},
           {.name = "path", .value_name = "PATH", .help = "the request path (default: the API's)"},
           {.name = "rate",
            .value_name = "REQ/S",
            .help = "open loop at this rate (e.g. 20 or 20/s)"},
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
            .help = "closed loop: requests in flight",
            .default_value = "1"},
           {.name = "num-requests",
            .value_name = "N",
            .help = "requests to send (default 100 without --duration)"},
           {.name = "duration", .value_name = "TIME", .help = "send for this long (e.g. 60s)"},
           {.name = "input-tokens",
            .value_name = "TOKENS",
            .help = "prompt length in words (about tokens)",
            .default_value = "256"},
           {.name = "output-tokens",
            .value_name = "TOKENS",
            .help = "tokens to generate per request",
            .default_value = "128"},
           {.name = "no-ignore-eos",
            .help = "let the model stop early (OpenAI APIs)",
            .flag = true},
           {.name = "header",
            .value_name = "NAME: VALUE",
            .help = "an extra request header (e.g. Authorization); repeatable",
            .repeated = true},
           {.name = "seed",
            .value_name = "N",
            .help = "seeds prompts and arrivals",
            .default_value = "1"},
           {.name = "requests", .value_name = "FILE", .help = "write one JSON line per request"}},
      .examples = {"aiinfra bench --url http://127.0.0.1:8000 --model llama --concurrency 8 "
                   "--num-requests 200",
                   "aiinfra bench --url http://127.0.0.1:11434 --model llama3.1:8b --api "
                   "ollama-chat --rate 2 --duration 60s",
                   "aiinfra bench --url http://127.0.0.1:8000 --model llama --rate 20 --arrivals "
                   "gamma --cv 3 -o json"},
      .handler = Bench,
  });
}

}  // namespace aiinfra::cli
