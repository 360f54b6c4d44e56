#include "perf/perf_model.h"

#include <gtest/gtest.h>

#include "model/footprint.h"
#include "perf/test_support.h"

namespace aiinfra::perf {
namespace {

using model::Dtype;
using model::TensorClass;
using testing::Build;
using testing::Make;

TEST(PerfModelTest, DecodeAtBatchOneStreamsTheWeightsOnce) {
  // Llama-3.1-8B BF16 on one H100, ideal efficiencies: one decode step reads every weight but the
  // embedding table (a lookup) once, plus the sequence's KV cache, at the HBM bandwidth.
  Deployment d = Make("llama-3.1-8b", "hgx-h100", Dtype::kBF16);
  PerfModel m = Build(d);
  model::WeightBytes w = model::ComputeWeightBytes(d.model, d.weights);
  double read = w.total - w[TensorClass::kEmbedding];
  double kv = model::KvBytesForContext(d.model, Dtype::kBF16, 1000);
  double bw = d.system.accelerator.memory_bandwidth.value;
  StepBreakdown s = m.Step(m.Decode(1000, 1));
  EXPECT_NEAR(s.weight_reads, read / bw, 1e-9);
  EXPECT_NEAR(s.kv_reads, kv / bw, 1e-9);
  EXPECT_EQ(s.gemm_compute, 0);
  EXPECT_EQ(s.tp_allreduce, 0);
  EXPECT_NEAR(s.total, (read + kv) / bw, 1e-9);
}

TEST(PerfModelTest, LargePrefillIsComputeBound) {
  // 8192 prompt tokens: linear FLOPs 2 x params per token (LM head for the last token only) at
  // the FP8 peak, and causal attention at the BF16 peak.
  Deployment d = Make("llama-3.1-8b", "hgx-h100", Dtype::kFP8);
  PerfModel m = Build(d);
  StepBreakdown s = m.Step(m.Prefill(8192));
  const hw::Accelerator& acc = d.system.accelerator;
  double fp8 = acc.Compute(hw::ComputeDtype::kFP8)->value;
  double bf16 = acc.Compute(hw::ComputeDtype::kBF16)->value;
  // The LM head (BF16, WeightPlan::Default) runs for the last token only: one token's GEMV is
  // bound by reading its weights, as are the norms.
  double lm = 2.0 * d.model.vocab * d.model.hidden;
  double linear = (model::LinearFlopsPerToken(d.model) - lm) * 8192;
  double attention = model::PrefillAttentionFlops(d.model, 8192, 0);
  EXPECT_NEAR(s.gemm_compute, linear / fp8, linear / fp8 * 1e-9);
  EXPECT_NEAR(s.attention_compute, attention / bf16, attention / bf16 * 1e-9);
  model::WeightBytes w = model::ComputeWeightBytes(d.model, d.weights);
  double bw = acc.memory_bandwidth.value;
  double reads = (w[TensorClass::kLmHead] + w[TensorClass::kNorm]) / bw;
  EXPECT_NEAR(s.weight_reads, reads, reads * 1e-9);
}

TEST(PerfModelTest, TensorParallelismSplitsWeightsAndAddsAllReduces) {
  Deployment one = Make("llama-3.1-70b", "hgx-h100", Dtype::kFP8);
  Deployment two = Make("llama-3.1-70b", "hgx-h100", Dtype::kFP8, {.tp = 2});
  PerfModel m1 = Build(one);
  PerfModel m2 = Build(two);
  StepBreakdown s1 = m1.Step(m1.Decode(1000, 8));
  StepBreakdown s2 = m2.Step(m2.Decode(1000, 8));
  // Everything but the (replicated, tiny) norms is split in two.
  EXPECT_NEAR(s2.weight_reads, s1.weight_reads / 2, s1.weight_reads * 1e-4);
  EXPECT_GT(s2.tp_allreduce, 0);
  EXPECT_EQ(s1.tp_allreduce, 0);
  EXPECT_NEAR(m2.memory().weights_per_gpu * 2, m1.memory().weights_per_gpu,
              m1.memory().weights_per_gpu * 0.01);
}

TEST(PerfModelTest, MoeDecodeReadsOnlyTheExpertsItTouches) {
  // Mixtral (8 experts, top-2): one token touches 2 experts of each layer.
  Deployment d = Make("mixtral-8x7b", "hgx-h100", Dtype::kBF16);
  PerfModel m = Build(d);
  model::WeightBytes w = model::ComputeWeightBytes(d.model, d.weights);
  double bw = d.system.accelerator.memory_bandwidth.value;
  double routed_read = 2.0 / 8 * w[TensorClass::kRoutedExperts];
  double other = w.total - w[TensorClass::kEmbedding] - w[TensorClass::kRoutedExperts];
  StepBreakdown s = m.Step(m.Decode(1, 1));
  EXPECT_NEAR(s.weight_reads, (routed_read + other) / bw, (routed_read + other) / bw * 1e-6);
  // A large batch touches all 8.
  StepBreakdown big = m.Step(m.Decode(1, 64));
  EXPECT_GT(big.weight_reads + big.gemm_compute, s.weight_reads * 2);
}

TEST(PerfModelTest, DataParallelAttentionSplitsTheKvCache) {
  Parallelism tp8{.tp = 8, .ep = 8};
  Parallelism dp8{.tp = 8, .ep = 8, .dp_attention = 8};
  PerfModel plain = Build(Make("deepseek-v3", "hgx-h200", Dtype::kFP8, tp8));
  PerfModel dp = Build(Make("deepseek-v3", "hgx-h200", Dtype::kFP8, dp8));
  // MLA's latent is not split by attention TP, so plain TP8 replicates it on every GPU; DP
  // attention gives each GPU its own sequences.
  StepBreakdown a = plain.Step(plain.Decode(4000, 64));
  StepBreakdown b = dp.Step(dp.Decode(4000, 64));
  EXPECT_GT(a.kv_reads, 0);
  // Absorbed MLA decode does about 240 FLOPs per KV byte: near the H200's ridge, so with the
  // reads split 8 ways the FLOPs may bound it; either way it is far below a quarter.
  EXPECT_LT((b.kv_reads + b.attention_compute) * 4, a.kv_reads + a.attention_compute);
  EXPECT_GT(b.ep_alltoall, 0);
  EXPECT_EQ(a.ep_alltoall, 0);
  EXPECT_NEAR(dp.MaxSequences(4000), 8 * dp.memory().kv_per_gpu / dp.KvBytes(4000),
              dp.MaxSequences(4000) * 0.01 + 8);
}

TEST(PerfModelTest, PipelineRunsMicroBatchesThroughEveryStage) {
  PerfModel one = Build(Make("llama-3.1-70b", "hgx-h100", Dtype::kFP8));
  PerfModel pp2 = Build(Make("llama-3.1-70b", "hgx-h100", Dtype::kFP8, {.tp = 1, .pp = 2}));
  // Compute-bound prefill: each stage does half the layers on half the tokens, twice.
  StepBreakdown a = one.Step(one.Prefill(4096, 0, 4));
  StepBreakdown b = pp2.Step(pp2.Prefill(4096, 0, 4));
  EXPECT_NEAR(b.gemm_compute, a.gemm_compute / 2, a.gemm_compute * 0.01);
  EXPECT_GT(b.pp_sendrecv, 0);
  EXPECT_NEAR(pp2.memory().weights_per_gpu * 2, one.memory().weights_per_gpu,
              one.memory().weights_per_gpu * 0.01);
}

TEST(PerfModelTest, StageBoundariesAcrossNodesGoOverTheNics) {
  // TP8 x PP2 on 8-GPU nodes: the second stage is on the next node; TP4 x PP2 stays inside one.
  PerfModel across = Build(Make("llama-3.1-70b", "hgx-h100", Dtype::kBF16, {.tp = 8, .pp = 2}));
  PerfModel inside = Build(Make("llama-3.1-70b", "hgx-h100", Dtype::kBF16, {.tp = 4, .pp = 2}));
  BatchShape b = across.Decode(1000, 256);
  EXPECT_GT(across.Step(b).pp_sendrecv, 2 * inside.Step(inside.Decode(1000, 256)).pp_sendrecv);
}

TEST(PerfModelTest, StepGrowsWithTheBatchAndOverheadIsAdded) {
  Calibration c = testing::Ideal();
  c.step_overhead.value = 0.002;
  PerfModel m = Build(Make("qwen3-32b", "hgx-h200", Dtype::kFP8), c);
  double previous = 0;
  for (double batch : {1, 8, 64, 256, 1024}) {
    StepBreakdown s = m.Step(m.Decode(2000, batch));
    EXPECT_GT(s.total, previous) << batch;
    EXPECT_DOUBLE_EQ(s.overhead, 0.002);
    previous = s.total;
  }
  EXPECT_EQ(m.Step(BatchShape{}).total, 0);
}

TEST(PerfModelTest, NarrowWeightsNeedNativeTensorCores) {
  const hw::Accelerator& h100 = testing::Hardware().FindSystem("hgx-h100").value()->accelerator;
  const hw::Accelerator& b200 = testing::Hardware().FindSystem("hgx-b200").value()->accelerator;
  EXPECT_EQ(GemmCompute(Dtype::kFP8, std::nullopt, h100), hw::ComputeDtype::kFP8);
  EXPECT_EQ(GemmCompute(Dtype::kNVFP4, std::nullopt, h100), hw::ComputeDtype::kBF16);
  EXPECT_EQ(GemmCompute(Dtype::kNVFP4, std::nullopt, b200), hw::ComputeDtype::kFP4);
  EXPECT_EQ(GemmCompute(Dtype::kNVFP4, hw::ComputeDtype::kFP8, b200), hw::ComputeDtype::kFP8);
  EXPECT_EQ(GemmCompute(Dtype::kINT4, std::nullopt, b200), hw::ComputeDtype::kBF16);
  EXPECT_EQ(GemmCompute(Dtype::kFP8, hw::ComputeDtype::kBF16, h100), hw::ComputeDtype::kBF16);
}

TEST(PerfModelTest, MemoryPlanSaysWhenTheModelDoesNotFit) {
  PerfModel m = Build(Make("llama-3.1-405b", "hgx-h100", Dtype::kBF16));
  EXPECT_FALSE(m.memory().fits());
  EXPECT_EQ(m.MaxSequences(1000), 0);
  PerfModel ok = Build(Make("llama-3.1-8b", "hgx-h100", Dtype::kBF16));
  EXPECT_TRUE(ok.memory().fits());
  EXPECT_GT(ok.MaxSequences(2000), 100);
}

TEST(DeploymentTest, ChecksParallelismAgainstTheModel) {
  auto bad = [](Parallelism p, const std::string& model, const std::string& needle) {
    Deployment d = Make(model, "hgx-h100", Dtype::kFP8, p);
    Status s = CheckDeployment(d);
    ASSERT_FALSE(s.has_value()) << needle;
    EXPECT_EQ(s.error().code, ErrorCode::kUsage);
    EXPECT_NE(s.error().message.find(needle), std::string::npos) << s.error().message;
  };
  bad({.tp = 8, .dp_attention = 3}, "llama-3.1-70b", "--dp-attention 3 must divide --tp 8");
  bad({.tp = 8, .ep = 8}, "llama-3.1-70b", "has no experts");
  bad({.tp = 4, .ep = 8}, "mixtral-8x7b", "--ep 8 must divide --tp 4");
  bad({.tp = 3}, "llama-3.1-70b", "attention heads");
  bad({.tp = 1, .pp = 200}, "llama-3.1-8b", "exceeds the 32 layers");
  bad({.tp = 8, .dp_attention = 8}, "mixtral-8x7b", "needs --ep > 1");
  EXPECT_TRUE(CheckDeployment(
      Make("deepseek-v3", "hgx-h100", Dtype::kFP8, {.tp = 72, .ep = 72, .dp_attention = 72})));
}

TEST(CommCurveTest, InterpolatesTheCollectiveModel) {
  auto topo = hw::Topology::Build(**testing::Hardware().FindSystem("hgx-h100"));
  ASSERT_TRUE(topo);
  auto curve = CommCurve::Measure(*topo, hw::CollectiveOp::kAllReduce, 8, {}, testing::Tuning());
  ASSERT_TRUE(curve);
  // The lower envelope of the per-algorithm lines is the model's auto choice, at every size.
  hw::CollectiveSpec spec{.op = hw::CollectiveOp::kAllReduce, .ranks = {0, 1, 2, 3, 4, 5, 6, 7}};
  for (double bytes : {1024.0, 65536.0, 16.0 * 1024 * 1024, 3e9}) {
    spec.bytes = bytes;
    double model = hw::EstimateCollective(*topo, spec, testing::Tuning())->time;
    EXPECT_NEAR(curve->At(bytes), model, model * 1e-9) << bytes;
  }
  spec.algorithm = hw::Algorithm::kRing;
  spec.bytes = 5e6;
  EXPECT_NEAR(curve->At(5e6, hw::Algorithm::kRing),
              hw::EstimateCollective(*topo, spec, testing::Tuning())->time, 1e-12);
  double previous = 0;
  for (double bytes = 512; bytes < 1e11; bytes *= 3) {
    EXPECT_GE(curve->At(bytes), previous);
    previous = curve->At(bytes);
  }
  EXPECT_EQ(curve->At(0), 0);
  EXPECT_EQ(CommCurve().At(1e6), 0);
}

}  // namespace
}  // namespace aiinfra::perf
