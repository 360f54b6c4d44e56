// The `perf` command group: step time, throughput predictions and validation against published
// results.
#include <fmt/format.h>

#include <cmath>

#include "cli/app.h"
#include "cli/perf_options.h"
#include "common/table.h"
#include "common/units.h"
#include "perf/reference.h"
#include "perf/throughput.h"
#include "plan/planner.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

Json BreakdownJson(const perf::StepBreakdown& s) {
  return Json{{"total_s", s.total},
              {"gemm_compute_s", s.gemm_compute},
              {"attention_compute_s", s.attention_compute},
              {"weight_reads_s", s.weight_reads},
              {"kv_reads_s", s.kv_reads},
              {"tp_allreduce_s", s.tp_allreduce},
              {"ep_alltoall_s", s.ep_alltoall},
              {"pp_sendrecv_s", s.pp_sendrecv},
              {"overhead_s", s.overhead}};
}

void PrintBreakdown(std::ostream& os, const perf::StepBreakdown& s, const std::string& indent) {
  TextTable t({"part", "time", "share"});
  auto row = [&](const char* name, double v) {
    if (v <= 0) return;
    t.AddRow({name, FormatDuration(v), fmt::format("{:.1f}%", 100 * v / s.total)});
  };
  row("GEMM compute", s.gemm_compute);
  row("attention compute", s.attention_compute);
  row("weight reads", s.weight_reads);
  row("KV reads", s.kv_reads);
  row("TP all-reduce", s.tp_allreduce);
  row("EP all-to-all", s.ep_alltoall);
  row("PP send/recv", s.pp_sendrecv);
  row("step overhead", s.overhead);
  t.AddRow({"step", FormatDuration(s.total), "100%"});
  std::string text = t.Render();
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    os << indent << text.substr(start, end - start) << "\n";
    start = end + 1;
  }
}

Json PointJson(const perf::OperatingPoint& p) {
  Json j{{"mode", perf::ModeName(p.mode)},
         {"output_tokens_per_s_per_gpu", p.output_tokens_per_s_per_gpu},
         {"input_tokens_per_s_per_gpu", p.input_tokens_per_s_per_gpu},
         {"batch", p.batch},
         {"max_batch", p.max_batch},
         {"limited_by", p.limited_by},
         {"ttft_s", p.ttft},
         {"tpot_s", p.tpot},
         {"tokens_per_s_per_user", p.tpot > 0 ? 1 / p.tpot : 0.0},
         {"requests_per_s_per_replica", p.requests_per_s},
         {"step_time_s", p.step_time},
         {"step", BreakdownJson(p.breakdown)}};
  return j;
}

Json MemoryJson(const perf::PerfModel& m) {
  const perf::MemoryPlan& mem = m.memory();
  return Json{{"usable_per_gpu_bytes", mem.usable_per_gpu},
              {"weights_per_gpu_bytes", mem.weights_per_gpu},
              {"activations_per_gpu_bytes", mem.activations_per_gpu},
              {"kv_cache_per_gpu_bytes", mem.kv_per_gpu},
              {"kv_bytes_per_token_per_gpu", mem.kv_bytes_per_token_per_gpu}};
}

void PrintPoint(std::ostream& os, const perf::OperatingPoint& p, const std::string& indent) {
  os << fmt::format("{}batch {:g} (largest possible {:g}; limited by {})\n", indent, p.batch,
                    p.max_batch, p.limited_by);
  if (p.output_tokens_per_s_per_gpu > 0) {
    os << fmt::format("{}output  {:.0f} tokens/s per GPU\n", indent, p.output_tokens_per_s_per_gpu);
  }
  if (p.input_tokens_per_s_per_gpu > 0) {
    os << fmt::format("{}input   {:.0f} tokens/s per GPU\n", indent, p.input_tokens_per_s_per_gpu);
  }
  if (p.ttft > 0) os << fmt::format("{}TTFT    {}\n", indent, FormatDuration(p.ttft));
  if (p.tpot > 0) {
    os << fmt::format("{}TPOT    {} ({:.1f} tokens/s per user)\n", indent, FormatDuration(p.tpot),
                      1 / p.tpot);
  }
  os << indent << "one step:\n";
  PrintBreakdown(os, p.breakdown, indent + "  ");
}

Result<Output> PerfThroughput(Invocation& inv) {
  AIINFRA_TRY(PerfContext ctx, PerfContext::Load(inv));
  AIINFRA_TRY(perf::Deployment d, DeploymentFromOptions(inv, ctx));
  AIINFRA_TRY(perf::Workload w, WorkloadFromOptions(inv));
  AIINFRA_TRY(perf::Limits limits, LimitsFromOptions(inv));
  AIINFRA_TRY(perf::Mode mode, perf::ParseMode(inv.Get("mode")));
  std::optional<double> batch;
  if (inv.Has("batch")) {
    AIINFRA_TRY(double b, inv.GetNumber("batch"));
    batch = b;
  }
  perf::CommCache comm(ctx.tuning);
  AIINFRA_TRY(perf::PerfModel model,
              perf::PerfModel::Create(d, ctx.calibration.For(d.system.accelerator.id), comm));
  // A model that does not fit: perf says by how much; the catalog says what would hold it.
  auto with_smallest_system = [&](Error e) {
    if (model.memory().fits()) return e;
    std::string smallest = plan::SmallestFittingSystem(d.model, d.weights.base, ctx.hardware);
    e.message += smallest.empty() ? "; no catalog system holds its weights"
                                  : "; the smallest catalog system that holds them is " + smallest +
                                        " (use more --gpus, or narrower --weights)";
    return e;
  };
  Json data{{"model", d.model.id},
            {"system", d.system.id},
            {"gpus_per_replica", d.gpus()},
            {"weights", d.weights.Describe()},
            {"kv", model::DtypeName(d.kv)},
            {"tp", d.parallel.tp},
            {"pp", d.parallel.pp},
            {"ep", d.parallel.ep},
            {"dp_attention", d.parallel.dp_attention},
            {"isl", w.isl},
            {"osl", w.osl}};
  std::string header = fmt::format(
      "{} on {} x {} ({}), tp {} pp {} ep {} dp-attention {}, weights {}, KV {}; ISL {:g} / OSL "
      "{:g}",
      d.model.id, d.gpus(), d.system.accelerator.id, d.system.id, d.parallel.tp, d.parallel.pp,
      d.parallel.ep, d.parallel.dp_attention, d.weights.Describe(), model::DtypeName(d.kv), w.isl,
      w.osl);
  if (inv.Has("disagg")) {
    int x = 0, y = 0;
    std::string spec = inv.Get("disagg");
    if (spec != "auto") {
      if (std::sscanf(spec.c_str(), "%dx%d", &x, &y) != 2 || x < 1 || y < 1 ||
          fmt::format("{}x{}", x, y) != spec) {
        return Fail(ErrorCode::kUsage,
                    fmt::format("--disagg: expected PxD (e.g. 2x1: 2 prefill and 1 decode "
                                "replicas) or auto, got '{}'",
                                spec));
      }
    }
    auto disagg = perf::PredictDisaggregated(model, model, w, limits, x, y);
    if (!disagg) return Fail(with_smallest_system(disagg.error()));
    const perf::DisaggPoint& u = *disagg;
    data["mode"] = "disaggregated";
    data["prefill_replicas"] = u.prefill_replicas;
    data["decode_replicas"] = u.decode_replicas;
    data["gpus"] = u.gpus;
    data["output_tokens_per_s_per_gpu"] = u.output_tokens_per_s_per_gpu;
    data["input_tokens_per_s_per_gpu"] = u.input_tokens_per_s_per_gpu;
    data["batch"] = u.decode.batch;
    data["ttft_s"] = u.ttft;
    data["tpot_s"] = u.tpot;
    data["kv_transfer_s"] = u.kv_transfer_time;
    data["requests_per_s"] = u.requests_per_s;
    data["prefill"] = PointJson(u.prefill);
    data["decode"] = PointJson(u.decode);
    data["memory"] = MemoryJson(model);
    Output out{.data = data};
    out.table = [u, header](std::ostream& os) {
      os << header << "\n";
      os << fmt::format(
          "disaggregated {}P{}D ({} GPUs): {:.0f} output / {:.0f} input tokens/s per GPU, "
          "TTFT {} (KV transfer {}), TPOT {}\n",
          u.prefill_replicas, u.decode_replicas, u.gpus, u.output_tokens_per_s_per_gpu,
          u.input_tokens_per_s_per_gpu, FormatDuration(u.ttft), FormatDuration(u.kv_transfer_time),
          FormatDuration(u.tpot));
      os << "prefill replica:\n";
      PrintPoint(os, u.prefill, "  ");
      os << "decode replica:\n";
      PrintPoint(os, u.decode, "  ");
    };
    return out;
  }
  auto predicted = perf::PredictReplica(model, mode, w, limits, batch);
  if (!predicted) return Fail(with_smallest_system(predicted.error()));
  const perf::OperatingPoint& p = *predicted;
  Json point = PointJson(p);
  for (auto& [key, value] : point.items()) data[key] = value;
  data["memory"] = MemoryJson(model);
  Output out{.data = data};
  out.table = [p, header](std::ostream& os) {
    os << header << "\n" << perf::ModeName(p.mode) << ":\n";
    PrintPoint(os, p, "  ");
  };
  return out;
}

Result<Output> PerfStep(Invocation& inv) {
  AIINFRA_TRY(PerfContext ctx, PerfContext::Load(inv));
  AIINFRA_TRY(perf::Deployment d, DeploymentFromOptions(inv, ctx));
  perf::CommCache comm(ctx.tuning);
  AIINFRA_TRY(perf::PerfModel model,
              perf::PerfModel::Create(d, ctx.calibration.For(d.system.accelerator.id), comm));
  AIINFRA_TRY(double prefill, inv.GetNumber("prefill"));
  AIINFRA_TRY(double cached, inv.GetNumber("cached"));
  AIINFRA_TRY(double prefill_seqs, inv.GetNumber("prefill-seqs"));
  AIINFRA_TRY(double decode, inv.GetNumber("decode"));
  AIINFRA_TRY(double context, inv.GetNumber("context"));
  if (prefill < 0 || cached < 0 || prefill_seqs < 0 || decode < 0 || context < 0) {
    return Fail(ErrorCode::kUsage, "batch figures cannot be negative");
  }
  if (prefill == 0 && decode == 0) {
    return Fail(ErrorCode::kUsage, "an empty batch: give --prefill TOKENS and/or --decode SEQS");
  }
  perf::BatchShape b = model.Prefill(prefill, cached, prefill > 0 ? prefill_seqs : 0);
  b += model.Decode(context, decode);
  perf::StepBreakdown s = model.Step(b);
  Json data{{"model", d.model.id},          {"system", d.system.id},
            {"gpus_per_replica", d.gpus()}, {"prefill_tokens", b.prefill_tokens},
            {"decode_seqs", b.decode_seqs}, {"step", BreakdownJson(s)},
            {"memory", MemoryJson(model)}};
  Output out{.data = data};
  out.table = [s, b](std::ostream& os) {
    os << fmt::format("step of {:g} prefill tokens and {:g} decodes:\n", b.prefill_tokens,
                      b.decode_seqs);
    PrintBreakdown(os, s, "  ");
  };
  return out;
}

Result<Output> PerfValidate(Invocation& inv) {
  AIINFRA_TRY(PerfContext ctx, PerfContext::Load(inv));
  AIINFRA_TRY(auto rows, perf::LoadReference(inv.data));
  perf::CommCache comm(ctx.tuning);
  std::vector<perf::Validation> results;
  Json list = Json::array();
  TextTable t({"row", "result", "metric", "published", "predicted", "error", "limited by"});
  std::vector<std::string> known;
  const std::string filter = inv.Get("filter");
  for (const perf::ReferenceRow& row : rows) {
    if (!filter.empty()) {
      auto sys = ctx.hardware.FindSystem(row.system);
      bool on_accelerator = sys && (*sys)->accelerator.id == filter;
      if (!row.id.starts_with(filter) && !on_accelerator) continue;
    }
    AIINFRA_TRY(perf::Validation v,
                perf::ValidateRow(row, ctx.hardware, ctx.models, ctx.calibration, comm));
    results.push_back(v);
    list.push_back(
        Json{{"id", row.id},
             {"title", row.title},
             {"metric", perf::MetricName(row.metric)},
             {"published", row.published},
             {"predicted", v.predicted},
             {"error", v.error},
             {"batch", v.point.batch},
             {"limited_by", v.point.limited_by},
             {"known_miss", row.known_miss.empty() ? Json(nullptr) : Json(row.known_miss)},
             {"source", row.source}});
    if (!row.known_miss.empty()) known.push_back(row.id + ": " + row.known_miss);
    t.AddRow({row.id + (row.known_miss.empty() ? "" : " *"), row.title,
              perf::MetricName(row.metric), fmt::format("{:g}", row.published),
              fmt::format("{:.5g}", v.predicted), fmt::format("{:+.1f}%", 100 * v.error),
              v.point.limited_by});
  }
  double median = perf::MedianAbsoluteError(results);
  int within = 0;
  for (const auto& v : results) within += std::abs(v.error) <= 0.25;
  Json data{{"rows", list},
            {"median_absolute_error", median},
            {"within_25_percent", within},
            {"count", results.size()}};
  Output out{.data = data};
  out.table = [t, median, within, known, n = results.size()](std::ostream& os) {
    t.Print(os);
    os << fmt::format("\nmedian absolute error {:.1f}% over {} results; {} within +/-25%\n",
                      100 * median, n, within);
    if (!known.empty()) os << "* known misses (left out of the fit):\n";
    for (const std::string& k : known) os << "  " << k << "\n";
  };
  if (inv.Has("fail-above")) {
    AIINFRA_TRY(double limit, inv.GetNumber("fail-above"));
    for (const auto& v : results) {
      if (v.row->known_miss.empty() && std::abs(v.error) * 100 > limit) {
        PrintOutput(out, inv.format, inv.out);
        return Fail(ErrorCode::kNoResult,
                    fmt::format("row {} misses by {:+.1f}%, more than --fail-above {}%", v.row->id,
                                100 * v.error, limit));
      }
    }
  }
  return out;
}

}  // namespace

void RegisterPerfCommands(CommandTable& table) {
  table.AddGroup({"perf"}, "Step time and throughput of one replica, from the performance model",
                 "Predicts how fast a deployment runs: the time of one engine step with its "
                 "breakdown (GEMMs, attention, weight and KV reads, collectives, overhead), the "
                 "throughput and latency a replica reaches on a workload, and the model's error "
                 "against published results.");
  std::vector<OptionSpec> throughput_options = DeploymentOptions();
  for (OptionSpec o : WorkloadOptions()) throughput_options.push_back(o);
  throughput_options.push_back({.name = "mode",
                                .value_name = "MODE",
                                .help = "offline: prefill and decode together; prefill or "
                                        "decode: that phase alone (a PD pool)",
                                .default_value = "offline",
                                .choices = {"offline", "prefill", "decode"}});
  throughput_options.push_back(
      {.name = "batch",
       .value_name = "B",
       .help = "fix the batch (concurrent sequences; prefill: prompts per step) instead of "
               "searching"});
  throughput_options.push_back(
      {.name = "disagg",
       .value_name = "PxD|auto",
       .help = "prefill/decode disaggregation: P prefill and D decode replicas, or the best "
               "ratio"});
  table.Add({
      .path = {"perf", "throughput"},
      .summary = "Throughput, TTFT and TPOT of a deployment on a workload",
      .description =
          "Searches the batch that gives the best throughput per GPU (offline), or the best "
          "that meets --ttft-max/--tpot-max, for requests of --isl input and --osl output "
          "tokens. Continuous batching in steady state: each step decodes every running "
          "sequence and prefills enough prompt tokens to replace those that finish. "
          "Queueing is not included (see `aiinfra plan` and the simulator).\n\n"
          "--tp defaults to gpus/pp. With --dp-attention D, attention runs in D data-parallel "
          "groups (SGLang's DP attention) and experts are spread over --ep ranks.",
      .options = throughput_options,
      .examples =
          {"aiinfra perf throughput --model llama-3.1-70b --system hgx-h100 --gpus 2 "
           "--weights fp8 --isl 1000 --osl 1000",
           "aiinfra perf throughput --model deepseek-v3 --system hgx-h100 --gpus 32 --weights "
           "fp8 --ep 32 --dp-attention 32 --isl 2000 --osl 1 --mode prefill -o json",
           "aiinfra perf throughput --model qwen3-32b --system hgx-h200 --gpus 1 --weights fp8 "
           "--isl 2000 --osl 500 --disagg auto --ttft-max 500ms --tpot-max 50ms"},
      .handler = PerfThroughput,
  });
  std::vector<OptionSpec> step_options = DeploymentOptions();
  step_options.push_back({.name = "prefill",
                          .value_name = "TOKENS",
                          .help = "new prompt tokens per prefilling sequence",
                          .default_value = "0"});
  step_options.push_back({.name = "cached",
                          .value_name = "TOKENS",
                          .help = "cached prefix before those tokens (prefix cache hit)",
                          .default_value = "0"});
  step_options.push_back({.name = "prefill-seqs",
                          .value_name = "N",
                          .help = "sequences prefilling in this step",
                          .default_value = "1"});
  step_options.push_back({.name = "decode",
                          .value_name = "SEQS",
                          .help = "sequences decoding one token each",
                          .default_value = "0"});
  step_options.push_back({.name = "context",
                          .value_name = "TOKENS",
                          .help = "context length of the decoding sequences",
                          .default_value = "1024"});
  table.Add({
      .path = {"perf", "step"},
      .summary = "Time of one engine step for a batch, with its breakdown",
      .description = "The roofline of every op class of one step (src/perf/README.md): GEMMs, "
                     "attention, weight and KV reads, TP all-reduce, EP all-to-all, PP "
                     "send/recv and the fixed per-step overhead.",
      .options = step_options,
      .examples = {"aiinfra perf step --model llama-3.1-8b --system hgx-h100 --gpus 1 --weights "
                   "fp8 --decode 64 --context 2000",
                   "aiinfra perf step --model deepseek-v3 --system gb200-nvl72 --gpus 8 "
                   "--weights fp8 --ep 8 --dp-attention 8 --prefill 2000 --prefill-seqs 8"},
      .handler = PerfStep,
  });
  table.Add({
      .path = {"perf", "validate"},
      .summary = "Predict every published result of data/reference and print the error",
      .description = "Runs the configuration of each row of data/reference/published.yaml "
                     "(specs/hardware.md section 3) through the performance model with the "
                     "calibration of data/calibration, and prints predicted against published "
                     "with the error and the median absolute error.",
      .options = {{.name = "fail-above",
                   .value_name = "PCT",
                   .help = "exit 4 when a row's absolute error exceeds PCT percent (rows marked "
                           "known_miss excepted)"},
                  {.name = "filter",
                   .value_name = "TEXT",
                   .help = "only rows whose id starts with TEXT or that run on accelerator TEXT"}},
      .examples = {"aiinfra perf validate", "aiinfra perf validate --fail-above 25 -o json",
                   "aiinfra perf validate --filter h100-sxm"},
      .handler = PerfValidate,
  });
}

}  // namespace aiinfra::cli
