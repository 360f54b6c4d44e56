// Deployment: one replica of a model on a system — its dtypes and its parallelism — checked for
// consistency before the performance model uses it.
//
// Parallelism (the SGLang/vLLM reading):
// - A replica has gpus = tp x pp GPUs; each pipeline stage holds layers/pp layers on tp GPUs.
// - Attention runs data-parallel in `dp_attention` groups of tp/dp_attention GPUs each (attention
//   TP); each group holds its own sequences and KV cache. dp_attention = 1: plain TP.
// - Routed experts are spread over `ep` ranks; each expert is split tp/ep ways (expert TP).
// - Dense FFN layers, shared experts, embeddings and the LM head follow attention (sharded over
//   the attention-TP group).
// - Placement: ranks fill a system's accelerators in order (TP groups are contiguous), and a
//   replica larger than a system spans several systems joined by the scale-out fabric.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"
#include "hw/accelerator.h"
#include "hw/system.h"
#include "model/architecture.h"
#include "model/dtype.h"
#include "model/footprint.h"

namespace aiinfra::perf {

struct Parallelism {
  int tp = 1;
  int pp = 1;
  int ep = 1;
  int dp_attention = 1;

  int attention_tp() const { return tp / dp_attention; }
  int expert_tp() const { return tp / ep; }
  int gpus() const { return tp * pp; }
};

// Engine settings that shape a step (vLLM names). Per attention group: with DP attention each
// group schedules its own sequences (as SGLang's DP ranks do), so a replica holds dp x these.
struct EngineConfig {
  int max_num_seqs = 1024;              // concurrent sequences per attention group
  int max_num_batched_tokens = 8192;    // tokens per step per attention group (chunk budget)
  double gpu_memory_utilization = 0.9;  // share of usable memory the engine may take
};

struct Deployment {
  model::Architecture model;
  model::WeightPlan weights = model::WeightPlan::Default(model::Dtype::kBF16);
  model::Dtype kv = model::Dtype::kBF16;
  // Activation precision of GEMMs; nullopt = as narrow as the weights allow on this hardware.
  std::optional<hw::ComputeDtype> activations;
  hw::System system;
  Parallelism parallel;
  EngineConfig engine;

  int gpus() const { return parallel.gpus(); }
  // Systems a replica spans.
  int systems() const;
};

// Checks the parallelism against the model and the hardware: tp, pp, ep, dp_attention >= 1;
// dp_attention and ep divide tp; pp <= layers; attention heads divisible by the attention TP;
// DP attention on a MoE model needs ep > 1; ep <= experts (ep > 1 needs a MoE model; when ep does
// not divide the experts the busiest rank holds ceil(experts/ep), as with EPLB's redundant
// experts); KV dtype usable for KV; a GEMM dtype the accelerator runs. kUsage naming the option and
// the fix.
Status CheckDeployment(const Deployment& deployment);

// The tensor-core type a GEMM on weights stored as `weights` runs in on `accelerator`: the wider
// of the weights' native type and the activations' type (activations default to the weights'
// native type: FP8 weights run FP8 x FP8), when the accelerator runs it natively; else BF16
// (weight-only formats are dequantized: INT4 and GGUF always, FP4 on Hopper).
hw::ComputeDtype GemmCompute(model::Dtype weights, std::optional<hw::ComputeDtype> activations,
                             const hw::Accelerator& accelerator);

// "bf16", "fp8", "fp4", "int8" or "auto" -> activations.
Result<std::optional<hw::ComputeDtype>> ParseActivations(std::string_view name);

}  // namespace aiinfra::perf
