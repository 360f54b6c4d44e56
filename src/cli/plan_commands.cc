// The `plan` command: capacity planning against SLOs, the Pareto frontier, and Kubernetes
// manifests for the chosen plan.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "cli/app.h"
#include "cli/perf_options.h"
#include "common/table.h"
#include "common/text.h"
#include "common/units.h"
#include "plan/manifests.h"
#include "plan/pareto.h"
#include "plan/planner.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

Json PlanJson(const plan::Plan& p) {
  Json j{{"label", p.Label()},
         {"system", p.system},
         {"accelerator", p.accelerator},
         {"weights", p.weights},
         {"tp", p.parallel.tp},
         {"pp", p.parallel.pp},
         {"ep", p.parallel.ep},
         {"dp_attention", p.parallel.dp_attention},
         {"mode", p.disaggregated ? "disaggregated" : "aggregated"},
         {"replicas", p.replicas}};
  if (p.disaggregated) {
    j["prefill_replicas"] = p.prefill_replicas;
    j["decode_replicas"] = p.replicas;
  }
  j["gpus_per_replica"] = p.gpus_per_replica;
  j["gpus"] = p.gpus;
  j["batch_cap"] = p.batch_cap;
  j["running_batch"] = p.batch;
  j[fmt::format("ttft_p{:g}_s", p.ttft_percentile)] = p.ttft;
  j["tpot_s"] = p.tpot;
  j["tokens_per_s_per_gpu"] = p.tokens_per_s_per_gpu;
  j["tokens_per_s_per_user"] = p.tokens_per_s_per_user;
  j["utilization"] = p.utilization;
  j["dollars_per_hour"] = p.dollars_per_hour ? Json(*p.dollars_per_hour) : Json(nullptr);
  j["dollars_per_million_tokens"] =
      p.dollars_per_million_tokens ? Json(*p.dollars_per_million_tokens) : Json(nullptr);
  if (!p.misses.empty()) j["misses"] = p.misses;
  return j;
}

// A duration for the table; "-" when unbounded (the queue grows: over capacity).
std::string Seconds(double v) { return std::isfinite(v) ? FormatDuration(v) : "-"; }

std::string Money(const std::optional<double>& v) {
  return v ? fmt::format("${:.2f}", *v) : std::string("-");
}

TextTable PlanTable(const std::vector<plan::Plan>& plans, bool misses) {
  std::vector<std::string> header = {"#",         "plan",       "GPUs", "$/h",  "$/Mtok",
                                     "tok/s/GPU", "tok/s/user", "TTFT", "TPOT", "batch cap"};
  if (misses) header.push_back("misses");
  TextTable t(header);
  int i = 0;
  for (const plan::Plan& p : plans) {
    std::vector<std::string> row = {std::to_string(++i),
                                    p.Label(),
                                    std::to_string(p.gpus),
                                    Money(p.dollars_per_hour),
                                    Money(p.dollars_per_million_tokens),
                                    fmt::format("{:.0f}", p.tokens_per_s_per_gpu),
                                    fmt::format("{:.1f}", p.tokens_per_s_per_user),
                                    Seconds(p.ttft),
                                    Seconds(p.tpot),
                                    std::to_string(p.batch_cap)};
    if (misses) {
      std::string m;
      for (const std::string& s : p.misses) m += (m.empty() ? "" : "; ") + s;
      row.push_back(m);
    }
    t.AddRow(row);
  }
  return t;
}

// "deepseek-ai/DeepSeek-V3" from "https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/...".
std::string HfRepo(const model::Architecture& m) {
  const std::string prefix = "https://huggingface.co/";
  if (m.source.starts_with(prefix)) {
    std::string rest = m.source.substr(prefix.size());
    std::size_t a = rest.find('/');
    std::size_t b = a == std::string::npos ? a : rest.find('/', a + 1);
    if (b != std::string::npos) return rest.substr(0, b);
  }
  return m.id;
}

std::string DnsLabel(std::string s) {
  std::string out;
  for (char c : ToLowerAscii(s)) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  while (out.find("--") != std::string::npos) out.replace(out.find("--"), 2, "-");
  while (!out.empty() && out.back() == '-') out.pop_back();
  while (!out.empty() && out.front() == '-') out.erase(0, 1);
  if (out.size() > 50) out.resize(50);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

Result<std::vector<std::string>> EmitManifests(const plan::Plan& p, const model::Architecture& m,
                                               const hw::System& sys, const std::string& kv,
                                               const std::string& autoscaler,
                                               const std::string& dir, Env& env) {
  plan::ManifestSpec spec;
  spec.name = DnsLabel(m.id + "-" + sys.accelerator.id);
  spec.model = HfRepo(m);
  spec.accelerator_vendor = sys.accelerator.vendor;
  spec.weights_dtype = p.weights;
  spec.kv_dtype = kv == "fp8" ? "fp8" : "auto";
  spec.autoscaler = autoscaler == "keda" ? plan::Autoscaler::kKeda : plan::Autoscaler::kHpa;
  // Scale on the running batch the plan sizes for: more than planned means the rate grew.
  spec.metric = "vllm:num_requests_running";
  spec.target = std::max(1.0, std::floor(p.batch));
  auto pool = [&](const std::string& role, int replicas) {
    plan::PoolManifest pm;
    pm.role = role;
    pm.replicas = replicas;
    pm.min_replicas = std::max(1, replicas / 2);
    pm.max_replicas = std::max(replicas * 2, replicas + 1);
    pm.gpus_per_replica = p.gpus_per_replica;
    pm.gpus_per_node = sys.accelerators_per_node();
    // vLLM spells SGLang-style DP attention inside TP as data parallelism with expert
    // parallelism across it: --tensor-parallel-size tp/dp --data-parallel-size dp.
    pm.tp = p.parallel.attention_tp();
    pm.pp = p.parallel.pp;
    pm.ep = p.parallel.ep;
    pm.dp_attention = p.parallel.dp_attention;
    pm.max_num_seqs = std::max(1, p.batch_cap);
    return pm;
  };
  if (p.disaggregated) {
    spec.pools = {pool("prefill", p.prefill_replicas), pool("decode", p.replicas)};
  } else {
    spec.pools = {pool("", p.replicas)};
  }
  return plan::WriteManifests(spec, dir, env);
}

Result<Output> PlanCommand(Invocation& inv) {
  AIINFRA_TRY(PerfContext ctx, PerfContext::Load(inv));
  plan::PlanRequest r;
  AIINFRA_TRY(r.model, model::ResolveModel(ctx.models, inv.Get("model"), inv.env));
  for (const std::string& name : SplitList(inv.Get("hw"))) {
    AIINFRA_TRY(const hw::System* sys, plan::ResolveHardware(name, ctx.hardware));
    if (std::find(r.systems.begin(), r.systems.end(), sys) == r.systems.end()) {
      r.systems.push_back(sys);
    }
  }
  r.weights.clear();
  for (const std::string& name : SplitList(inv.Get("weights"))) {
    AIINFRA_TRY(model::Dtype d, model::ParseDtype(name));
    r.weights.push_back(d);
  }
  if (r.weights.empty()) return Fail(ErrorCode::kUsage, "--weights names no format");
  AIINFRA_TRY(r.kv, model::ParseKvDtype(inv.Get("kv")));
  AIINFRA_TRY(r.workload, WorkloadFromOptions(inv));
  AIINFRA_TRY(r.rate, inv.GetNumber("rate"));
  AIINFRA_TRY(r.slos, plan::ParseSlos(inv.Get("slo")));
  // Both serving modes compete unless --disagg asks for disaggregated pools only.
  r.aggregated = !inv.Has("disagg");
  if (inv.Has("max-gpus")) {
    AIINFRA_TRY(r.max_gpus, inv.GetInt("max-gpus"));
    if (r.max_gpus < 1) return Fail(ErrorCode::kUsage, "--max-gpus must be at least 1");
  }
  AIINFRA_TRY(auto prices, plan::ParsePrices(inv.Get("price")));
  for (const auto& [name, price] : prices) {
    AIINFRA_TRY(const hw::System* sys, plan::ResolveHardware(name, ctx.hardware));
    r.prices[sys->accelerator.id] = price;
  }
  AIINFRA_TRY(int top, inv.GetInt("top"));
  perf::CommCache comm(ctx.tuning);
  AIINFRA_TRY(plan::PlanResult result,
              plan::Search(r, ctx.hardware, ctx.calibration, comm, std::max(1, top)));

  if (inv.Has("chart")) {
    std::string svg = plan::RenderParetoSvg(
        result.points, result.frontier,
        fmt::format("{}: output tokens/s per GPU vs per user (ISL {:g}, OSL {:g})", r.model.id,
                    r.workload.isl, r.workload.osl));
    AIINFRA_CHECK_OK(inv.env.WriteFile(inv.Get("chart"), svg));
  }
  if (result.plans.empty()) {
    std::string slos;
    for (const plan::Slo& s : r.slos) {
      slos += fmt::format("{}{}={}", slos.empty() ? "" : ", ", s.Name(), FormatDuration(s.limit));
    }
    std::string msg =
        fmt::format("no plan meets {} at {:g} requests/s{}; the nearest:", slos, r.rate,
                    r.max_gpus ? fmt::format(" within {} GPUs", r.max_gpus) : "");
    int i = 0;
    for (const plan::Plan& p : result.nearest) {
      std::string misses;
      for (const std::string& m : p.misses) misses += (misses.empty() ? "" : "; ") + m;
      msg += fmt::format("\n  {}. {} ({} GPUs): {}", ++i, p.Label(), p.gpus, misses);
    }
    return Fail(ErrorCode::kNoResult, msg);
  }
  Json plans = Json::array();
  for (const plan::Plan& p : result.plans) plans.push_back(PlanJson(p));
  Json frontier = Json::array();
  for (int i : result.frontier) {
    const plan::ParetoPoint& pt = result.points[i];
    frontier.push_back(
        Json{{"label", pt.label}, {"tokens_per_s_per_user", pt.x}, {"tokens_per_s_per_gpu", pt.y}});
  }
  Json data{{"model", r.model.id},
            {"rate", r.rate},
            {"isl", r.workload.isl},
            {"osl", r.workload.osl},
            {"configurations_evaluated", result.configurations},
            {"operating_points_evaluated", result.operating_points},
            {"plans", plans},
            {"pareto_frontier", frontier}};
  std::vector<std::string> written;
  if (inv.Has("emit-k8s")) {
    const plan::Plan& best = result.plans.front();
    AIINFRA_TRY(const hw::System* sys, ctx.hardware.FindSystem(best.system));
    AIINFRA_TRY(written, EmitManifests(best, r.model, *sys, inv.Get("kv"), inv.Get("autoscaler"),
                                       inv.Get("emit-k8s"), inv.env));
    data["manifests"] = written;
  }
  Output out{.data = data};
  TextTable table = PlanTable(result.plans, false);
  out.table = [table, result, written, chart = inv.Get("chart"), model = r.model.id,
               rate = r.rate](std::ostream& os) {
    os << fmt::format("{} at {:g} requests/s: {} configurations, {} operating points evaluated\n",
                      model, rate, result.configurations, result.operating_points);
    table.Print(os);
    os << fmt::format("Pareto frontier (tokens/s per user -> per GPU): {} of {} points\n",
                      result.frontier.size(), result.points.size());
    if (!chart.empty()) os << "chart: " << chart << "\n";
    for (const std::string& f : written) os << "wrote " << f << "\n";
  };
  return out;
}

}  // namespace

void RegisterPlanCommands(CommandTable& table) {
  std::vector<OptionSpec> options = {
      {.name = "model",
       .value_name = "NAME|config.json",
       .help = "model id or a Hugging Face config.json",
       .required = true},
      {.name = "hw",
       .value_name = "H1,H2",
       .help = "systems or accelerators to consider (e.g. hgx-h200,b200)",
       .required = true},
      {.name = "rate", .value_name = "REQ/S", .help = "request rate to serve", .required = true},
      {.name = "slo",
       .value_name = "SLOS",
       .help = "e.g. ttft_p90=500ms,tpot_p90=50ms",
       .default_value = "ttft_p90=2s,tpot_p90=100ms"},
      {.name = "weights",
       .value_name = "D1,D2",
       .help = "weight formats to consider",
       .default_value = "fp8,bf16"},
      {.name = "kv", .value_name = "DTYPE", .help = "KV-cache format", .default_value = "fp8"},
      {.name = "disagg",
       .help = "plan prefill/decode disaggregated pools only (default: both modes compete)",
       .flag = true},
      {.name = "max-gpus", .value_name = "N", .help = "most GPUs a plan may use"},
      {.name = "price",
       .value_name = "H=$/h,...",
       .help = "price per GPU-hour, e.g. H200=3.5/h,B200=6/h"},
      {.name = "top", .value_name = "N", .help = "plans to list", .default_value = "10"},
      {.name = "chart", .value_name = "FILE.svg", .help = "write the Pareto frontier chart (SVG)"},
      {.name = "emit-k8s",
       .value_name = "DIR",
       .help = "write Kubernetes manifests for the best plan into DIR"},
      {.name = "autoscaler",
       .value_name = "KIND",
       .help = "autoscaler of the manifests",
       .default_value = "hpa",
       .choices = {"hpa", "keda"}},
  };
  for (OptionSpec o : WorkloadOptions()) {
    if (o.name == "isl" || o.name == "osl") options.push_back(o);
  }
  table.Add({
      .path = {"plan"},
      .summary = "Size a deployment for a request rate within SLOs, cheapest first",
      .description =
          "Searches hardware, weight format, TP x PP (and EP, DP attention for MoE), batch caps, "
          "aggregated or prefill/decode disaggregated serving and replica counts; checks memory "
          "(weights + KV at the needed concurrency + a workspace reserve) and estimates queueing "
          "per replica analytically (Erlang C; src/plan/README.md). Ranks by $/h when every "
          "system is priced, else by GPUs.\n\n"
          "Prints the plans, the Pareto frontier of tokens/s per GPU against tokens/s per user "
          "(--chart draws it), and with --emit-k8s the manifests of the best plan. Exit 4 when "
          "no plan meets the SLOs: the message lists the three nearest and what each misses.",
      .options = options,
      .examples = {"aiinfra plan --model llama-3.1-70b --hw h200,b200 --isl 2000 --osl 500 "
                   "--rate 20 --slo ttft_p90=500ms,tpot_p90=50ms --price H200=3.5/h,B200=6/h",
                   "aiinfra plan --model deepseek-v3 --hw gb200-nvl72,hgx-h200 --isl 2000 --osl "
                   "500 --rate 50 --disagg --chart frontier.svg -o json",
                   "aiinfra plan --model qwen3-32b --hw h100 --isl 1000 --osl 300 --rate 5 "
                   "--emit-k8s k8s/"},
      .handler = PlanCommand,
  });
}

}  // namespace aiinfra::cli
