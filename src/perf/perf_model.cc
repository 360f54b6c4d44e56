#include "perf/perf_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "model/footprint.h"

namespace aiinfra::perf {

using model::TensorClass;

// Per-GPU, per-stage figures; "per token" means per token of the attention group (dense) or of
// the whole micro-batch (experts).
struct PerfModel::Coefficients {
  struct Gemm {
    double flops_per_token = 0;  // per GPU per stage
    double weight_bytes = 0;     // per GPU per stage, read once per step
    double peak = 0;             // FLOP/s of the GEMM's math type
  };
  std::vector<Gemm> dense;  // attention projections, dense FFN, shared experts, router, norms
  Gemm lm_head;             // per logit token

  // Routed experts.
  bool moe = false;
  double routed_flops_per_token = 0;  // per GPU per stage, per token of the micro-batch
  double routed_peak = 0;
  double expert_bytes_per_gpu = 0;  // one touched expert, this GPU's share, all stage layers
  int experts = 0;
  int top_k = 0;
  double expert_share = 0;  // share of the experts on the busiest EP rank: ceil(E/ep)/E

  double attention_peak = 0;
  double bandwidth = 0;  // HBM bytes/s
  double gemm_eff = 1, moe_eff = 1, attention_eff = 1, memory_eff = 1, step_overhead = 0;

  int pp = 1, dp = 1, attention_tp = 1, ep = 1;
  double kv_split = 1;  // ways one token's KV is split over the attention-TP group
  double hidden = 0;

  double allreduces_per_stage = 0;  // TP all-reduces per micro-batch per stage
  double alltoalls_per_stage = 0;   // dispatch+combine pairs per micro-batch per stage
  double dispatch_bytes_per_value = 2;
  CommCurve allreduce, sendrecv;
  // MoE all-to-all as SGLang's DeepEP "auto" mode runs it: normal kernels (node-deduplicated,
  // the faster of hierarchical and direct) when the step prefills, low-latency kernels (direct
  // rank-to-rank RDMA) for decode-only steps.
  CommCurve dispatch, combine;
};

BatchShape& BatchShape::operator+=(const BatchShape& o) {
  prefill_tokens += o.prefill_tokens;
  prefill_seqs += o.prefill_seqs;
  prefill_attention_flops += o.prefill_attention_flops;
  prefill_kv_bytes += o.prefill_kv_bytes;
  decode_seqs += o.decode_seqs;
  decode_attention_flops += o.decode_attention_flops;
  decode_kv_bytes += o.decode_kv_bytes;
  return *this;
}

Result<PerfModel> PerfModel::Create(const Deployment& deployment, const Calibration& calibration,
                                    CommCache& comm) {
  AIINFRA_CHECK_OK(CheckDeployment(deployment));
  const model::Architecture& m = deployment.model;
  const hw::Accelerator& acc = deployment.system.accelerator;
  const Parallelism& par = deployment.parallel;
  auto k = std::make_shared<Coefficients>();
  k->pp = par.pp;
  k->dp = par.dp_attention;
  k->attention_tp = par.attention_tp();
  k->ep = par.ep;
  k->hidden = m.hidden;
  k->kv_split = m.attention.mla ? 1.0 : std::min(par.attention_tp(), m.attention.kv_heads);
  k->gemm_eff = calibration.gemm.value;
  k->moe_eff = calibration.moe_gemm.value;
  k->attention_eff = calibration.attention.value;
  k->memory_eff = calibration.memory.value;
  k->step_overhead = calibration.step_overhead.value;
  k->bandwidth = acc.memory_bandwidth.value;

  auto peak = [&](TensorClass cls) {
    hw::ComputeDtype c = GemmCompute(deployment.weights.For(cls), deployment.activations, acc);
    return acc.Compute(c)->value;
  };
  model::ParameterCounts params = model::CountParameters(m);
  model::WeightBytes bytes = model::ComputeWeightBytes(m, deployment.weights);
  const double pp = par.pp, atp = par.attention_tp(), tp = par.tp;

  for (TensorClass cls : {TensorClass::kAttention, TensorClass::kDenseFfn,
                          TensorClass::kSharedExperts, TensorClass::kRouter, TensorClass::kNorm}) {
    if (params[cls] <= 0) continue;
    Coefficients::Gemm g;
    // The router and the norms are not sharded (each rank scores its own tokens against every
    // expert); norms are read but are no matmul.
    bool replicated = cls == TensorClass::kRouter || cls == TensorClass::kNorm;
    double shard = replicated ? 1.0 : atp;
    g.flops_per_token = cls == TensorClass::kNorm ? 0.0 : 2 * params[cls] / shard / pp;
    g.weight_bytes = bytes[cls] / shard / pp;
    g.peak = peak(cls);
    k->dense.push_back(g);
  }
  {
    // A tied LM head multiplies by the embedding table; its bytes are the embedding's.
    TensorClass cls = m.tied_embeddings ? TensorClass::kEmbedding : TensorClass::kLmHead;
    double lm_params = static_cast<double>(m.vocab) * m.hidden;
    k->lm_head.flops_per_token = 2 * lm_params / atp / pp;
    k->lm_head.weight_bytes = bytes[cls] / atp / pp;
    k->lm_head.peak = peak(cls);
  }
  if (m.is_moe()) {
    k->moe = true;
    k->experts = m.moe->experts;
    k->top_k = m.moe->top_k;
    k->expert_share = std::ceil(static_cast<double>(m.moe->experts) / par.ep) / m.moe->experts;
    k->routed_flops_per_token =
        model::RoutedExpertFlopsPerToken(m) * k->expert_share / par.expert_tp() / pp;
    k->routed_peak = peak(TensorClass::kRoutedExperts);
    k->expert_bytes_per_gpu =
        model::ExpertBytes(m, deployment.weights) / par.expert_tp() * m.MoeLayers() / pp;
  }
  {
    std::optional<hw::ComputeDtype> act = deployment.activations;
    hw::ComputeDtype attn = hw::ComputeDtype::kBF16;
    bool fp8_act = !act ? GemmCompute(deployment.weights.For(TensorClass::kAttention), act, acc) ==
                              hw::ComputeDtype::kFP8
                        : *act == hw::ComputeDtype::kFP8;
    // FP8 attention kernels (TRT-LLM FP8 FMHA, FlashAttention-3) need FP8 Q, K and V.
    if (fp8_act && deployment.kv == model::Dtype::kFP8 && acc.Compute(hw::ComputeDtype::kFP8)) {
      attn = hw::ComputeDtype::kFP8;
    }
    k->attention_peak = acc.Compute(attn)->value;
  }

  // Collectives per micro-batch per stage.
  const double stage_layers = static_cast<double>(m.layers) / pp;
  const double stage_moe = static_cast<double>(m.MoeLayers()) / pp;
  const double stage_dense = stage_layers - stage_moe;
  bool all_to_all = k->moe && par.dp_attention > 1 && par.ep > 1;
  if (atp > 1) k->allreduces_per_stage += stage_layers + stage_dense;  // after attention, FFN
  if (k->moe && !all_to_all && tp > 1) {
    // Experts sharded over tp with replicated tokens: their outputs are summed by an
    // all-reduce over the whole stage (the attention group is the whole stage when dp = 1).
    k->allreduces_per_stage += stage_moe;
  }
  if (all_to_all) k->alltoalls_per_stage = stage_moe;
  bool narrow = GemmCompute(deployment.weights.For(TensorClass::kRoutedExperts),
                            deployment.activations, acc) != hw::ComputeDtype::kBF16;
  k->dispatch_bytes_per_value = narrow ? 1 : 2;  // FP8 dispatch when experts run narrow

  const hw::System& sys = deployment.system;
  int systems = deployment.systems();
  // Every all-reduce runs over an attention-TP group (for MoE without DP attention that is the
  // whole stage, CheckDeployment guarantees it).
  AIINFRA_TRY(k->allreduce,
              comm.Get(sys, systems, hw::CollectiveOp::kAllReduce, par.attention_tp()));
  if (all_to_all) {
    hw::MoeRouting routing{m.moe->experts, m.moe->top_k};
    AIINFRA_TRY(k->dispatch,
                comm.Get(sys, systems, hw::CollectiveOp::kMoeDispatch, par.ep, routing));
    AIINFRA_TRY(k->combine, comm.Get(sys, systems, hw::CollectiveOp::kMoeCombine, par.ep, routing));
  }
  if (par.pp > 1) {
    // Stage boundaries: each rank sends to its peer in the next stage, tp ranks on (across
    // nodes when a stage fills one).
    AIINFRA_TRY(k->sendrecv, comm.Get(sys, systems, hw::CollectiveOp::kSendRecv, 2, {}, par.tp));
  }

  PerfModel model;
  model.deployment_ = std::make_shared<const Deployment>(deployment);
  model.calibration_ = std::make_shared<const Calibration>(calibration);
  model.k_ = k;

  // Memory per GPU.
  MemoryPlan& mem = model.memory_;
  mem.usable_per_gpu = acc.memory_usable.value * deployment.engine.gpu_memory_utilization;
  double w = 0;
  for (int c = 0; c < model::kTensorClasses; ++c) {
    auto cls = static_cast<TensorClass>(c);
    double share = cls == TensorClass::kRoutedExperts ? k->expert_share / par.expert_tp()
                   : cls == TensorClass::kRouter || cls == TensorClass::kNorm ? 1.0
                                                                              : 1.0 / atp;
    w += bytes[cls] * share / pp;
  }
  mem.weights_per_gpu = w;
  // Activations and workspace: a fixed reserve (CUDA graphs, NCCL buffers, allocator slack) plus
  // the widest intermediate of one chunk of tokens, as vLLM's profiling run finds.
  double chunk = static_cast<double>(deployment.engine.max_num_batched_tokens) / par.dp_attention;
  double widest = std::max<double>({static_cast<double>(m.hidden), static_cast<double>(m.ffn) / atp,
                                    m.is_moe() ? m.moe->expert_ffn * 1.0 : 0.0});
  mem.activations_per_gpu = 1.0 * (1ull << 30) + chunk * (4.0 * m.hidden + 2.0 * widest) * 2;
  mem.kv_per_gpu = mem.usable_per_gpu - mem.weights_per_gpu - mem.activations_per_gpu;
  mem.kv_bytes_per_token_per_gpu = model::KvBytesPerToken(m, deployment.kv) / k->kv_split / pp;
  return model;
}

BatchShape PerfModel::Prefill(double tokens, double cached, double count) const {
  const model::Architecture& m = deployment_->model;
  BatchShape b;
  if (tokens <= 0 || count <= 0) return b;
  b.prefill_tokens = tokens * count;
  b.prefill_seqs = count;
  b.prefill_attention_flops = model::PrefillAttentionFlops(m, tokens, cached) * count;
  b.prefill_kv_bytes = model::KvBytesForContext(m, deployment_->kv, tokens + cached) * count;
  return b;
}

BatchShape PerfModel::Decode(double context, double count) const {
  const model::Architecture& m = deployment_->model;
  BatchShape b;
  if (count <= 0) return b;
  b.decode_seqs = count;
  b.decode_attention_flops = model::DecodeAttentionFlops(m, context) * count;
  b.decode_kv_bytes = model::KvBytesForContext(m, deployment_->kv, context) * count;
  return b;
}

double PerfModel::KvBytes(double context) const {
  return model::KvBytesForContext(deployment_->model, deployment_->kv, context);
}

double PerfModel::MaxSequences(double context) const {
  if (!memory_.fits()) return 0;
  double per_seq_per_gpu = KvBytes(context) / k_->kv_split / k_->pp;
  if (per_seq_per_gpu <= 0) return deployment_->engine.max_num_seqs;
  // Each attention group keeps its own sequences; its GPUs hold 1/kv_split of each.
  return std::floor(memory_.kv_per_gpu / per_seq_per_gpu) * k_->dp;
}

StepBreakdown PerfModel::Step(const BatchShape& batch) const {
  const Coefficients& k = *k_;
  StepBreakdown s;
  if (batch.tokens() <= 0) return s;
  const double pp = k.pp, dp = k.dp;
  const double bw = k.bandwidth * k.memory_eff;
  // One micro-batch (1/pp of the batch) through one stage.
  const double tokens = batch.tokens() / pp;
  const double group_tokens = tokens / dp;

  auto gemm = [&](double flops, double bytes, double peak, double eff) {
    double compute = flops / (peak * eff);
    double memory = bytes / bw;
    if (compute >= memory) {
      s.gemm_compute += compute;
    } else {
      s.weight_reads += memory;
    }
  };
  for (const auto& g : k.dense) {
    gemm(g.flops_per_token * group_tokens, g.weight_bytes, g.peak, k.gemm_eff);
  }
  double logits = (batch.prefill_seqs + batch.decode_seqs) / pp / dp;
  gemm(k.lm_head.flops_per_token * logits, k.lm_head.weight_bytes, k.lm_head.peak, k.gemm_eff);
  if (k.moe) {
    double touched = model::ExpectedDistinctExperts(k.experts, k.top_k, tokens);
    gemm(k.routed_flops_per_token * tokens, touched * k.expert_share * k.expert_bytes_per_gpu,
         k.routed_peak, k.moe_eff);
  }

  // Attention per GPU per stage: heads split over attention TP, sequences over DP groups.
  double attn_share = 1.0 / (pp * dp * k.attention_tp * pp);
  double kv_share = 1.0 / (pp * dp * k.kv_split * pp);
  double peak = k.attention_peak * k.attention_eff;
  {
    double compute = batch.prefill_attention_flops * attn_share / peak;
    double memory = batch.prefill_kv_bytes * kv_share / bw;
    (compute >= memory ? s.attention_compute : s.kv_reads) += std::max(compute, memory);
  }
  {
    double compute = batch.decode_attention_flops * attn_share / peak;
    double memory = batch.decode_kv_bytes * kv_share / bw;
    (compute >= memory ? s.attention_compute : s.kv_reads) += std::max(compute, memory);
  }

  double act_bytes = group_tokens * k.hidden * 2;  // BF16 activations
  double allreduce = k.allreduces_per_stage * k.allreduce.At(act_bytes);
  double alltoall = 0;
  if (k.alltoalls_per_stage > 0) {
    double per_rank = tokens / k.ep * k.hidden;
    double d = per_rank * k.dispatch_bytes_per_value, c = per_rank * 2;
    if (batch.prefill_tokens == 0) {
      alltoall = k.dispatch.At(d, hw::Algorithm::kDirect) + k.combine.At(c, hw::Algorithm::kDirect);
    } else {
      alltoall = k.dispatch.At(d) + k.combine.At(c);
    }
    alltoall *= k.alltoalls_per_stage;
  }
  double sendrecv = k.sendrecv.At(act_bytes);
  // Collectives add to the compute: no overlap is credited. SGLang's two-batch overlap was on
  // in the published DeepSeek runs, yet the H100 decode step measured there (92 ms at 256
  // sequences per rank) equals compute plus communication (src/perf/README.md).
  s.tp_allreduce = allreduce;
  s.ep_alltoall = alltoall;
  s.pp_sendrecv = sendrecv;

  // pp micro-batches each pass every stage: the step is pp stage-times long.
  for (double* part : {&s.gemm_compute, &s.attention_compute, &s.weight_reads, &s.kv_reads,
                       &s.tp_allreduce, &s.ep_alltoall, &s.pp_sendrecv}) {
    *part *= pp;
  }
  s.overhead = k.step_overhead;
  s.total = s.gemm_compute + s.attention_compute + s.weight_reads + s.kv_reads + s.tp_allreduce +
            s.ep_alltoall + s.pp_sendrecv + s.overhead;
  return s;
}

}  // namespace aiinfra::perf
