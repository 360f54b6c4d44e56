// `aiinfra bench`'s options as a run: rates, arrivals, lengths, prefixes, sessions, traces,
// sweeps and the collector's SLOs (see bench_plan.h).
#include "cli/bench_plan.h"

#include <fmt/format.h>

#include <cmath>

#include "common/text.h"
#include "common/units.h"
#include "common/yaml.h"
#include "workload/trace.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

// A rate in requests per second: "20" or "20/s".
Result<double> Rate(const std::string& flag, std::string text) {
  if (text.ends_with("/s")) text.resize(text.size() - 2);
  auto rate = ParseNumber(text);
  if (!rate) {
    return Fail(ErrorCode::kUsage,
                fmt::format("--{}: expected requests per second, got '{}'", flag, text));
  }
  if (!(*rate > 0)) return Fail(ErrorCode::kUsage, "--" + flag + " must be > 0 requests/s");
  return *rate;
}

Result<double> Duration(const Invocation& inv, const std::string& flag) {
  auto d = ParseDuration(inv.Get(flag));
  if (!d) return Fail(ErrorCode::kUsage, "--" + flag + ": " + d.error().message);
  if (!(*d >= 0)) return Fail(ErrorCode::kUsage, "--" + flag + " must be >= 0");
  return *d;
}

// --rate with --arrivals as a workload arrival process.
Result<workload::ArrivalSpec> Arrivals(const Invocation& inv, double rate) {
  const std::string kind = inv.Get("arrivals");
  if (kind == "poisson") return workload::ArrivalSpec{workload::PoissonArrivals{rate}};
  if (kind == "constant") return workload::ArrivalSpec{workload::ConstantArrivals{rate}};
  AIINFRA_TRY(double cv, inv.GetNumber("cv"));
  if (!(cv > 0)) return Fail(ErrorCode::kUsage, "--cv must be > 0 (1 is Poisson)");
  return workload::ArrivalSpec{workload::GammaArrivals{rate, cv}};
}

// --input-* or --output-* as a length distribution (loadgen::LengthDistribution).
Result<workload::Distribution> Lengths(const Invocation& inv, const std::string& which) {
  std::optional<double> cv;
  if (inv.Has(which + "-cv")) {
    AIINFRA_TRY(cv, inv.GetNumber(which + "-cv"));
  }
  std::optional<std::pair<double, double>> range;
  if (inv.Has(which + "-range")) {
    AIINFRA_TRY(range, loadgen::ParseRange(which + "-range", inv.Get(which + "-range")));
  }
  return loadgen::LengthDistribution(which, inv.Get(which + "-tokens"), inv.Get(which + "-dist"),
                                     cv, range);
}

}  // namespace

Result<BenchPlan> Plan(const Invocation& inv) {
  BenchPlan plan;
  loadgen::LoadSpec& spec = plan.spec;
  if (!inv.Has("url") || !inv.Has("model")) {
    return Fail(ErrorCode::kUsage,
                "--url and --model are required: the endpoint's base URL (e.g. "
                "http://127.0.0.1:8000) and the model to ask for");
  }
  spec.url = inv.Get("url");
  AIINFRA_TRY(spec.request.api, loadgen::ParseApiKind(inv.Get("api")));
  spec.request.model = inv.Get("model");
  spec.request.path = inv.Get("path");
  spec.request.ignore_eos = !inv.Has("no-ignore-eos");
  for (const std::string& h : inv.GetAll("header")) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Fail(ErrorCode::kUsage, "--header expects Name: value, got '" + h + "'");
    }
    std::string value = h.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    spec.request.headers[h.substr(0, colon)] = value;
  }
  const bool trace = inv.Has("trace");
  if (trace) {
    for (const char* other : {"rate", "concurrency", "sweep", "input-tokens", "output-tokens",
                              "input-dist", "output-dist", "prefix-tokens", "turns", "ramp-up"}) {
      if (inv.Has(other)) {
        return Fail(ErrorCode::kUsage,
                    fmt::format("--trace gives the arrival times and lengths: drop --{}", other));
      }
    }
    loadgen::TraceReplay replay;
    replay.path = inv.Get("trace");
    AIINFRA_TRY(replay.format, workload::ParseTraceFormat(inv.Get("trace-format")));
    AIINFRA_TRY(replay.speedup, inv.GetNumber("speedup"));
    if (!(replay.speedup >= workload::kMinTraceScale &&
          replay.speedup <= workload::kMaxTraceScale)) {
      return Fail(ErrorCode::kUsage, "--speedup must be within [1e-9, 1e9]");
    }
    spec.trace = replay;
  } else if (inv.Has("speedup")) {
    return Fail(ErrorCode::kUsage, "--speedup applies to --trace");
  }
  if (inv.Has("rate") && inv.Has("concurrency")) {
    return Fail(ErrorCode::kUsage, "give --rate (open loop) or --concurrency (closed loop)");
  }
  double rate = 0;
  // A sweep over listed rates needs no --rate: its first step is the open loop's rate.
  const std::vector<std::string> listed = SplitList(inv.Get("sweep-rates"));
  if (inv.Has("rate") || (inv.Has("sweep") && !listed.empty() && !inv.Has("concurrency"))) {
    AIINFRA_TRY(rate, Rate(inv.Has("rate") ? "rate" : "sweep-rates",
                           inv.Has("rate") ? inv.Get("rate") : listed.front()));
    AIINFRA_TRY(spec.arrivals, Arrivals(inv, rate));
  } else if (!trace) {
    AIINFRA_TRY(spec.concurrency, inv.GetInt("concurrency"));
    if (spec.concurrency < 1) return Fail(ErrorCode::kUsage, "--concurrency must be >= 1");
  }
  AIINFRA_TRY(spec.prompts.input, Lengths(inv, "input"));
  AIINFRA_TRY(spec.prompts.output, Lengths(inv, "output"));
  AIINFRA_TRY(int prefix, inv.GetInt("prefix-tokens"));
  AIINFRA_TRY(spec.prompts.prefix_groups, inv.GetInt("prefix-groups"));
  spec.prompts.prefix_tokens = prefix;
  AIINFRA_TRY(spec.turns, inv.GetInt("turns"));
  if (spec.turns < 1) return Fail(ErrorCode::kUsage, "--turns must be >= 1");
  {
    const std::string think = inv.Get("think-time");
    AIINFRA_TRY(YamlNode node, ParseYaml(think, "--think-time"));
    auto d = workload::ParseDurationDistribution(node);
    if (!d) {
      return Fail(ErrorCode::kUsage,
                  "--think-time: " + d.error().message +
                      " (give a duration such as 2s, or {kind: exponential, mean: 2s})");
    }
    spec.think_time = *d;
  }
  AIINFRA_TRY(spec.ramp_up, Duration(inv, "ramp-up"));
  if (inv.Has("num-requests")) {
    AIINFRA_TRY(int n, inv.GetInt("num-requests"));
    if (n < 1) return Fail(ErrorCode::kUsage, "--num-requests must be >= 1");
    spec.num_requests = n;
  }
  if (inv.Has("duration")) {
    AIINFRA_TRY(spec.duration, Duration(inv, "duration"));
  }
  if (spec.num_requests <= 0 && spec.duration <= 0 && !trace) spec.num_requests = 100;
  AIINFRA_TRY(int seed, inv.GetInt("seed"));
  spec.seed = static_cast<uint64_t>(seed);
  spec.keep_chunks = true;  // chunk times: per-request output, token rates, the report
  spec.keep_text = inv.Has("save-detailed");
  AIINFRA_TRY(plan.collector.slos, metrics::ParseSloSet(inv.Get("goodput")));

  if (inv.Has("sweep")) {
    if (!spec.arrivals) {
      return Fail(ErrorCode::kUsage,
                  "--sweep raises an open loop's rate: give --rate (the first step) or "
                  "--sweep-rates, not --concurrency");
    }
    if (spec.ramp_up > 0) {
      return Fail(ErrorCode::kUsage,
                  "--ramp-up does not combine with --sweep: each step runs at its rate from "
                  "its start");
    }
    loadgen::SweepSpec sweep;
    sweep.start = rate;
    for (const std::string& r : listed) {
      AIINFRA_TRY(double v, Rate("sweep-rates", r));
      sweep.rates.push_back(v);
    }
    AIINFRA_TRY(sweep.factor, inv.GetNumber("sweep-factor"));
    AIINFRA_TRY(sweep.max_steps, inv.GetInt("sweep-max-steps"));
    AIINFRA_TRY(sweep.min_ratio, inv.GetNumber("sweep-ratio"));
    AIINFRA_TRY(sweep.ttft_limit, Duration(inv, "sweep-ttft-limit"));
    AIINFRA_CHECK_OK(loadgen::SweepRates(sweep));
    plan.sweep = sweep;
  } else {
    for (const char* s :
         {"sweep-rates", "sweep-factor", "sweep-max-steps", "sweep-ratio", "sweep-ttft-limit"}) {
      if (inv.Has(s)) return Fail(ErrorCode::kUsage, fmt::format("--{} needs --sweep", s));
    }
  }

  Json& c = plan.config;
  c["url"] = spec.url;
  c["model"] = spec.request.model;
  c["api"] = inv.Get("api");
  c["mode"] = trace ? "trace" : spec.arrivals ? "open_loop" : "closed_loop";
  if (spec.arrivals) {
    c["rate"] = rate;
    c["arrivals"] = inv.Get("arrivals");
    if (inv.Get("arrivals") == "gamma")
      c["cv"] = std::get<workload::GammaArrivals>(spec.arrivals->kind).cv;
  } else if (!trace) {
    c["concurrency"] = spec.concurrency;
  }
  if (trace) {
    c["trace"] = Json{{"path", spec.trace->path},
                      {"format", workload::TraceFormatName(spec.trace->format)},
                      {"speedup", spec.trace->speedup}};
  } else {
    c["input"] = spec.prompts.input.Describe();
    c["output"] = spec.prompts.output.Describe();
  }
  c["prefix_tokens"] = spec.prompts.prefix_tokens;
  c["prefix_groups"] = spec.prompts.prefix_groups;
  c["turns"] = spec.turns;
  c["think_time"] = spec.think_time.Describe();
  c["ramp_up"] = spec.ramp_up;
  c["num_requests"] = spec.num_requests;
  c["duration"] = spec.duration;
  c["seed"] = spec.seed;
  c["ignore_eos"] = spec.request.ignore_eos;
  c["goodput"] = inv.Get("goodput");
  return plan;
}

}  // namespace aiinfra::cli
