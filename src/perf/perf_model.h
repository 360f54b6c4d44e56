// PerfModel: the step time of one replica for a batch, with its breakdown, and the replica's
// memory plan. The heart of every prediction (throughput, planner, simulator, live endpoint).
//
// Model (src/perf/README.md derives it): a step runs every layer once over the batch's tokens.
// Per pipeline stage and GPU, each op class is a roofline, time = max(FLOPs / (peak x eff),
// bytes / (HBM BW x eff_mem)):
// - dense GEMMs per tensor class (attention projections, dense FFN, shared experts, router, LM
//   head — the LM head only for the last token of each prefill), sharded over attention TP;
// - routed-expert GEMMs over all tokens x top_k, sharded over tp, reading only the experts the
//   batch touches (model::ExpectedDistinctExperts);
// - attention: prefill is compute (causal pairs), decode streams each sequence's KV cache;
// plus collectives from the hw collective model — TP all-reduce (2 per layer), EP dispatch and
// combine (with DP attention), PP send/recv — and a fixed per-step overhead. With pp stages the
// batch runs as pp micro-batches: step = pp x stage time of batch/pp.
//
// Create() precomputes per-token coefficients and collective cost curves, so Step() is O(1)
// (well under a microsecond): cheap enough for planner sweeps and per-step simulator calls.
// Thread safety: a PerfModel is immutable after Create() and may be shared.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "perf/calibration.h"
#include "perf/comm_curve.h"
#include "perf/deployment.h"

namespace aiinfra::perf {

// What a step computes, aggregated over its sequences (whole-model figures; the PerfModel
// divides them over the GPUs). Build it with PerfModel::Prefill/Decode and +=.
struct BatchShape {
  double prefill_tokens = 0;           // new prompt tokens computed this step
  double prefill_seqs = 0;             // sequences with prefill tokens this step
  double prefill_attention_flops = 0;  // causal attention over the new tokens
  double prefill_kv_bytes = 0;         // KV read for the cached prefix, and written
  double decode_seqs = 0;              // sequences generating one token each
  double decode_attention_flops = 0;
  double decode_kv_bytes = 0;  // KV cache read by the decodes (all layers, windows applied)

  double tokens() const { return prefill_tokens + decode_seqs; }
  BatchShape& operator+=(const BatchShape& other);
};

struct StepBreakdown {
  double gemm_compute = 0;       // GEMMs bound by tensor-core FLOPs
  double attention_compute = 0;  // attention bound by FLOPs
  double weight_reads = 0;       // GEMMs bound by streaming weights
  double kv_reads = 0;           // attention bound by streaming the KV cache
  double tp_allreduce = 0;       // visible (not overlapped) collective time
  double ep_alltoall = 0;
  double pp_sendrecv = 0;
  double overhead = 0;  // fixed per step
  double total = 0;     // seconds, sum of the above
};

struct MemoryPlan {
  double usable_per_gpu = 0;       // bytes the engine may use (usable x gpu_memory_utilization)
  double weights_per_gpu = 0;      // bytes
  double activations_per_gpu = 0;  // reserve for activations and workspace
  double kv_per_gpu = 0;           // bytes left for the KV cache (may be negative: does not fit)
  // KV bytes of one whole-model token as the replica stores it, per GPU (sharding applied).
  double kv_bytes_per_token_per_gpu = 0;
  bool fits() const { return kv_per_gpu > 0; }
};

class PerfModel {
 public:
  // kUsage from CheckDeployment; kInvalidInput when a needed figure is missing (no BF16 peak).
  // Collective curves come from (and are added to) `comm`.
  static Result<PerfModel> Create(const Deployment& deployment, const Calibration& calibration,
                                  CommCache& comm);

  // A prefill of `tokens` new tokens after `cached` cached ones, for `count` such sequences.
  BatchShape Prefill(double tokens, double cached = 0, double count = 1) const;
  // `count` decodes, each at context length `context` (tokens already in its cache).
  BatchShape Decode(double context, double count = 1) const;

  StepBreakdown Step(const BatchShape& batch) const;

  const MemoryPlan& memory() const { return memory_; }
  // Sequences of `context` tokens the replica's KV cache holds at once (0 if none).
  double MaxSequences(double context) const;
  // Bytes of the KV cache of one sequence of `context` tokens (whole model).
  double KvBytes(double context) const;

  const Deployment& deployment() const { return *deployment_; }
  const Calibration& calibration() const { return *calibration_; }
  int gpus() const { return deployment_->gpus(); }

 private:
  struct Coefficients;
  PerfModel() = default;
  std::shared_ptr<const Deployment> deployment_;
  std::shared_ptr<const Calibration> calibration_;
  std::shared_ptr<const Coefficients> k_;
  MemoryPlan memory_;
};

}  // namespace aiinfra::perf
