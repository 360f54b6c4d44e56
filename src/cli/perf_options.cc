#include "cli/perf_options.h"

#include <fmt/format.h>

#include "common/units.h"

namespace aiinfra::cli {

Result<PerfContext> PerfContext::Load(const Invocation& inv) {
  AIINFRA_TRY(hw::Catalog hardware, hw::Catalog::Load(inv.data));
  AIINFRA_TRY(model::ModelCatalog models, model::ModelCatalog::Load(inv.data));
  AIINFRA_TRY(perf::CalibrationSet calibration, perf::CalibrationSet::Load(inv.data));
  AIINFRA_TRY(hw::CollectiveTuning tuning, hw::CollectiveTuning::Load(inv.data));
  return PerfContext{std::move(hardware), std::move(models), std::move(calibration),
                     std::move(tuning)};
}

std::vector<OptionSpec> DeploymentOptions() {
  return {
      {.name = "model",
       .value_name = "NAME|config.json",
       .help = "model id (`aiinfra model list`) or a Hugging Face config.json",
       .required = true},
      {.name = "system",
       .value_name = "NAME",
       .help = "system id (`aiinfra hw list`)",
       .required = true},
      {.name = "gpus", .value_name = "N", .help = "GPUs per replica (tp x pp)", .required = true},
      {.name = "weights",
       .value_name = "DTYPE",
       .help = "weight format: bf16, fp8, int8, int4, mxfp4, nvfp4, q8_0, q4_k_m, ...",
       .default_value = "bf16"},
      {.name = "keep",
       .value_name = "CLASS=DTYPE",
       .help = "store one tensor class in another format, e.g. attention=bf16",
       .repeated = true},
      {.name = "kv", .value_name = "DTYPE", .help = "KV-cache format", .default_value = "bf16"},
      {.name = "activations",
       .value_name = "DTYPE",
       .help = "GEMM activation precision: auto (as narrow as the weights), bf16, fp8, fp4, int8",
       .default_value = "auto"},
      {.name = "tp", .value_name = "T", .help = "tensor parallelism (default: gpus/pp)"},
      {.name = "pp", .value_name = "P", .help = "pipeline parallelism", .default_value = "1"},
      {.name = "ep", .value_name = "E", .help = "expert parallelism (MoE)", .default_value = "1"},
      {.name = "dp-attention",
       .value_name = "D",
       .help = "data-parallel attention groups within tp",
       .default_value = "1"},
      {.name = "max-num-seqs",
       .value_name = "N",
       .help = "most concurrent sequences per replica",
       .default_value = "1024"},
      {.name = "max-batched-tokens",
       .value_name = "N",
       .help = "token budget of one step per attention group",
       .default_value = "8192"},
      {.name = "gpu-memory-utilization",
       .value_name = "F",
       .help = "share of GPU memory the engine may use",
       .default_value = "0.9"},
  };
}

std::vector<OptionSpec> WorkloadOptions() {
  return {
      {.name = "isl", .value_name = "TOKENS", .help = "input tokens per request", .required = true},
      {.name = "osl",
       .value_name = "TOKENS",
       .help = "output tokens per request",
       .required = true},
      {.name = "ttft-max", .value_name = "TIME", .help = "TTFT limit, e.g. 500ms"},
      {.name = "tpot-max", .value_name = "TIME", .help = "TPOT limit, e.g. 50ms"},
      {.name = "decode-context",
       .value_name = "TOKENS",
       .help = "decode mode: context of the decoding sequences (default isl + osl/2)"},
  };
}

Result<perf::Deployment> DeploymentFromOptions(const Invocation& inv, const PerfContext& ctx) {
  perf::Deployment d;
  AIINFRA_TRY(d.model, model::ResolveModel(ctx.models, inv.Get("model"), inv.env));
  AIINFRA_TRY(const hw::System* sys, ctx.hardware.FindSystem(inv.Get("system")));
  d.system = *sys;
  AIINFRA_TRY(model::Dtype weights, model::ParseDtype(inv.Get("weights")));
  d.weights = model::WeightPlan::Default(weights);
  for (const std::string& keep : inv.GetAll("keep")) {
    auto o = model::ParseOverride(keep);
    if (!o) return Fail(ErrorCode::kUsage, "--keep: " + o.error().message);
    d.weights.overrides.push_back(*o);
  }
  AIINFRA_TRY(d.kv, model::ParseKvDtype(inv.Get("kv")));
  AIINFRA_TRY(d.activations, perf::ParseActivations(inv.Get("activations")));
  AIINFRA_TRY(int gpus, inv.GetInt("gpus"));
  AIINFRA_TRY(d.parallel.pp, inv.GetInt("pp"));
  AIINFRA_TRY(d.parallel.ep, inv.GetInt("ep"));
  AIINFRA_TRY(d.parallel.dp_attention, inv.GetInt("dp-attention"));
  if (gpus < 1 || d.parallel.pp < 1) {
    return Fail(ErrorCode::kUsage, "--gpus and --pp must be at least 1");
  }
  if (inv.Has("tp")) {
    AIINFRA_TRY(d.parallel.tp, inv.GetInt("tp"));
  } else {
    d.parallel.tp = gpus / d.parallel.pp;
  }
  if (d.parallel.tp * d.parallel.pp != gpus) {
    return Fail(ErrorCode::kUsage, fmt::format("--gpus {} must equal tp x pp = {} x {}", gpus,
                                               d.parallel.tp, d.parallel.pp));
  }
  AIINFRA_TRY(d.engine.max_num_seqs, inv.GetInt("max-num-seqs"));
  AIINFRA_TRY(d.engine.max_num_batched_tokens, inv.GetInt("max-batched-tokens"));
  AIINFRA_TRY(d.engine.gpu_memory_utilization, inv.GetNumber("gpu-memory-utilization"));
  AIINFRA_CHECK_OK(perf::CheckDeployment(d));
  return d;
}

Result<perf::Workload> WorkloadFromOptions(const Invocation& inv) {
  perf::Workload w;
  AIINFRA_TRY(w.isl, inv.GetNumber("isl"));
  AIINFRA_TRY(w.osl, inv.GetNumber("osl"));
  if (w.isl < 1 || w.osl < 1) {
    return Fail(ErrorCode::kUsage, "--isl and --osl must be at least 1 token");
  }
  if (inv.command.FindOption("decode-context") && inv.Has("decode-context")) {
    AIINFRA_TRY(double c, inv.GetNumber("decode-context"));
    if (c < 1) return Fail(ErrorCode::kUsage, "--decode-context must be at least 1 token");
    w.decode_context = c;
  }
  return w;
}

Result<perf::Limits> LimitsFromOptions(const Invocation& inv) {
  perf::Limits limits;
  for (const char* name : {"ttft-max", "tpot-max"}) {
    if (!inv.Has(name)) continue;
    auto s = ParseDuration(inv.Get(name));
    if (!s || *s <= 0) {
      return Fail(
          ErrorCode::kUsage,
          fmt::format("--{}: expected a duration such as 500ms, got '{}'", name, inv.Get(name)));
    }
    (std::string_view(name) == "ttft-max" ? limits.ttft_max : limits.tpot_max) = *s;
  }
  return limits;
}

}  // namespace aiinfra::cli
