#include "perf/deployment.h"

#include <fmt/format.h>

#include <algorithm>

namespace aiinfra::perf {
namespace {

int Bits(hw::ComputeDtype dtype) {
  switch (dtype) {
    case hw::ComputeDtype::kBF16:
      return 16;
    case hw::ComputeDtype::kFP8:
    case hw::ComputeDtype::kINT8:
      return 8;
    case hw::ComputeDtype::kFP4:
      return 4;
  }
  return 16;
}

}  // namespace

int Deployment::systems() const {
  int per_system = std::max(1, system.accelerator_count());
  return (gpus() + per_system - 1) / per_system;
}

hw::ComputeDtype GemmCompute(model::Dtype weights, std::optional<hw::ComputeDtype> activations,
                             const hw::Accelerator& accelerator) {
  hw::ComputeDtype native = model::Info(weights).native_compute;
  hw::ComputeDtype wanted = native;
  if (activations && Bits(*activations) > Bits(native)) wanted = *activations;
  if (accelerator.Compute(wanted)) return wanted;
  // FP4 weights on hardware without FP4 tensor cores may still run FP8 x FP8 (W4A8) when the
  // activations were asked to be FP8; otherwise they are dequantized to BF16.
  return hw::ComputeDtype::kBF16;
}

Result<std::optional<hw::ComputeDtype>> ParseActivations(std::string_view name) {
  if (name == "auto" || name.empty()) return std::optional<hw::ComputeDtype>();
  for (hw::ComputeDtype d : hw::kComputeDtypes) {
    if (name == hw::ComputeDtypeName(d)) return std::optional<hw::ComputeDtype>(d);
  }
  return Fail(
      ErrorCode::kUsage,
      fmt::format("--activations: unknown type '{}'; use auto, bf16, fp8, fp4 or int8", name));
}

Status CheckDeployment(const Deployment& d) {
  const Parallelism& p = d.parallel;
  const model::Architecture& m = d.model;
  auto usage = [](std::string message) { return Fail(ErrorCode::kUsage, std::move(message)); };
  if (p.tp < 1 || p.pp < 1 || p.ep < 1 || p.dp_attention < 1) {
    return usage("--tp, --pp, --ep and --dp-attention must be at least 1");
  }
  if (p.tp % p.dp_attention != 0) {
    return usage(
        fmt::format("--dp-attention {} must divide --tp {} (attention runs in "
                    "dp-attention groups of tp/dp-attention GPUs)",
                    p.dp_attention, p.tp));
  }
  if (p.tp % p.ep != 0) {
    return usage(
        fmt::format("--ep {} must divide --tp {} (experts are spread over ep ranks of "
                    "the tp GPUs of a stage)",
                    p.ep, p.tp));
  }
  if (p.ep > 1 && !m.is_moe()) {
    return usage(fmt::format("--ep {}: {} has no experts; use --tp instead", p.ep, m.id));
  }
  if (m.is_moe() && p.dp_attention > 1 && p.ep == 1) {
    return usage(
        fmt::format("--dp-attention {} on the MoE model {} needs --ep > 1: with DP "
                    "attention the experts are dispatched across the groups",
                    p.dp_attention, m.id));
  }
  if (m.is_moe() && p.ep > m.moe->experts) {
    return usage(
        fmt::format("--ep {} exceeds the {} routed experts of {}", p.ep, m.moe->experts, m.id));
  }
  if (p.pp > m.layers) {
    return usage(fmt::format("--pp {} exceeds the {} layers of {}", p.pp, m.layers, m.id));
  }
  if (m.attention.heads % p.attention_tp() != 0) {
    return usage(fmt::format(
        "attention TP {} (tp/dp-attention) must divide the {} attention heads of {}; use a "
        "smaller --tp or a larger --dp-attention",
        p.attention_tp(), m.attention.heads, m.id));
  }
  if (!model::Info(d.kv).kv_capable) {
    return usage(fmt::format("--kv {} is not a KV-cache format", model::DtypeName(d.kv)));
  }
  if (!d.system.accelerator.Compute(hw::ComputeDtype::kBF16)) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("{}: the accelerator {} has no BF16 peak in the catalog", d.system.file,
                            d.system.accelerator.id));
  }
  const EngineConfig& e = d.engine;
  if (e.max_num_seqs < 1 || e.max_num_batched_tokens < 1) {
    return usage("--max-num-seqs and --max-batched-tokens must be at least 1");
  }
  if (!(e.gpu_memory_utilization > 0 && e.gpu_memory_utilization <= 1)) {
    return usage("--gpu-memory-utilization lies in (0, 1]");
  }
  return {};
}

}  // namespace aiinfra::perf
