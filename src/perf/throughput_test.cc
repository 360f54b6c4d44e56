#include "perf/throughput.h"

#include <gtest/gtest.h>

#include "perf/test_support.h"

namespace aiinfra::perf {
namespace {

using model::Dtype;
using testing::Build;
using testing::Make;

TEST(ThroughputTest, OfflineFillsTheMemoryAndMatchesTheStepItDescribes) {
  PerfModel m = Build(Make("llama-3.1-8b", "hgx-h100", Dtype::kFP8, {}, Dtype::kFP8));
  Workload w{.isl = 1000, .osl = 1000};
  auto p = PredictReplica(m, Mode::kOffline, w);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->batch, p->max_batch);
  EXPECT_EQ(p->limited_by, "memory");
  // The steady state: B decodes at the mean context, B x isl/osl prompt tokens.
  BatchShape b = m.Decode(1500, p->batch);
  b += m.Prefill(1000, 0, p->batch / 1000);
  double step = m.Step(b).total;
  EXPECT_DOUBLE_EQ(p->step_time, step);
  EXPECT_DOUBLE_EQ(p->tpot, step);
  EXPECT_NEAR(p->output_tokens_per_s_per_gpu, p->batch / step, 1e-6);
  EXPECT_NEAR(p->input_tokens_per_s_per_gpu, p->output_tokens_per_s_per_gpu, 1e-6);
  EXPECT_GT(p->ttft, step);
  // Every sequence's KV fits.
  EXPECT_LE(p->batch * m.KvBytes(1500), m.memory().kv_per_gpu * 1.0001);
}

TEST(ThroughputTest, LimitsTradeThroughputForLatency) {
  PerfModel m = Build(Make("llama-3.1-70b", "hgx-h200", Dtype::kFP8, {.tp = 2}, Dtype::kFP8),
                      testing::Calibrations().For("h200-sxm"));
  Workload w{.isl = 2000, .osl = 500};
  auto free = PredictReplica(m, Mode::kOffline, w);
  ASSERT_TRUE(free);
  Limits limits{.ttft_max = std::nullopt, .tpot_max = free->tpot / 2};
  auto bounded = PredictReplica(m, Mode::kOffline, w, limits);
  ASSERT_TRUE(bounded) << bounded.error().message;
  EXPECT_LE(bounded->tpot, *limits.tpot_max);
  EXPECT_LT(bounded->batch, free->batch);
  EXPECT_LT(bounded->output_tokens_per_s_per_gpu, free->output_tokens_per_s_per_gpu);
  EXPECT_EQ(bounded->limited_by, "tpot");

  Limits impossible{.ttft_max = 1e-6};
  auto none = PredictReplica(m, Mode::kOffline, w, impossible);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNoResult);
  EXPECT_NE(none.error().message.find("even batch 1 has TTFT"), std::string::npos)
      << none.error().message;
}

TEST(ThroughputTest, PhasesAlone) {
  PerfModel m = Build(Make("qwen3-32b", "hgx-h100", Dtype::kFP8, {.tp = 2}, Dtype::kFP8));
  Workload w{.isl = 2000, .osl = 200};
  auto prefill = PredictReplica(m, Mode::kPrefill, w);
  ASSERT_TRUE(prefill);
  EXPECT_EQ(prefill->output_tokens_per_s_per_gpu, 0);
  EXPECT_GT(prefill->input_tokens_per_s_per_gpu, 0);
  // The token budget (8192) allows 4 prompts of 2000 per step.
  EXPECT_EQ(prefill->max_batch, 4);
  EXPECT_DOUBLE_EQ(prefill->ttft, prefill->step_time);

  auto decode = PredictReplica(m, Mode::kDecode, w, {}, 64.0);
  ASSERT_TRUE(decode);
  EXPECT_EQ(decode->batch, 64);
  EXPECT_EQ(decode->limited_by, "fixed");
  EXPECT_DOUBLE_EQ(decode->step_time, m.Step(m.Decode(2100, 64)).total);
  EXPECT_NEAR(decode->output_tokens_per_s_per_gpu, 64 / decode->step_time / 2, 1e-6);
}

TEST(ThroughputTest, ModelThatDoesNotFitSaysByHowMuch) {
  PerfModel m = Build(Make("llama-3.1-405b", "hgx-h100", Dtype::kBF16, {.tp = 2}));
  auto p = PredictReplica(m, Mode::kOffline, Workload{});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kNoResult);
  EXPECT_NE(p.error().message.find("does not fit"), std::string::npos) << p.error().message;
}

TEST(ThroughputTest, DisaggregatedPoolsBalanceTheirRates) {
  PerfModel m = Build(Make("llama-3.1-70b", "hgx-h200", Dtype::kFP8, {.tp = 2}, Dtype::kFP8),
                      testing::Calibrations().For("h200-sxm"));
  Workload w{.isl = 4000, .osl = 500};
  auto fixed = PredictDisaggregated(m, m, w, {}, 1, 1);
  ASSERT_TRUE(fixed) << fixed.error().message;
  EXPECT_DOUBLE_EQ(fixed->requests_per_s,
                   std::min(fixed->prefill.requests_per_s, fixed->decode.requests_per_s));
  EXPECT_EQ(fixed->gpus, 4);
  EXPECT_GT(fixed->kv_transfer_time, 0);
  EXPECT_DOUBLE_EQ(fixed->ttft, fixed->prefill.ttft + fixed->kv_transfer_time);
  auto best = PredictDisaggregated(m, m, w, {});
  ASSERT_TRUE(best);
  EXPECT_GE(best->output_tokens_per_s_per_gpu, fixed->output_tokens_per_s_per_gpu);
  // The best ratio leaves neither pool far idle.
  double p = best->prefill_replicas * best->prefill.requests_per_s;
  double d = best->decode_replicas * best->decode.requests_per_s;
  EXPECT_LT(std::max(p, d) / std::min(p, d), 2.0);
}

TEST(ThroughputTest, BadWorkloadsAreUsageErrors) {
  PerfModel m = Build(Make("llama-3.1-8b", "hgx-h100", Dtype::kFP8));
  EXPECT_EQ(PredictReplica(m, Mode::kOffline, Workload{.isl = 0}).error().code, ErrorCode::kUsage);
  EXPECT_EQ(PredictReplica(m, Mode::kOffline, Workload{}, {}, 0.0).error().code, ErrorCode::kUsage);
  EXPECT_EQ(ParseMode("online").error().code, ErrorCode::kUsage);
  EXPECT_EQ(*ParseMode("decode"), Mode::kDecode);
}

}  // namespace
}  // namespace aiinfra::perf
