#include "plan/planner.h"

#include <gtest/gtest.h>

#include <cmath>

#include "model/catalog.h"
#include "model/footprint.h"

namespace aiinfra::plan {
namespace {

const hw::Catalog& Hardware() {
  static const hw::Catalog c = *hw::Catalog::Load(DataSource());
  return c;
}
const model::ModelCatalog& Models() {
  static const model::ModelCatalog c = *model::ModelCatalog::Load(DataSource());
  return c;
}
const perf::CalibrationSet& Calibration() {
  static const perf::CalibrationSet c = *perf::CalibrationSet::Load(DataSource());
  return c;
}
const hw::CollectiveTuning& Tuning() {
  static const hw::CollectiveTuning t = *hw::CollectiveTuning::Load(DataSource());
  return t;
}

PlanRequest Request(const std::string& model, const std::vector<std::string>& hw, double rate,
                    const std::string& slos) {
  PlanRequest r;
  r.model = **Models().Find(model);
  for (const std::string& h : hw) r.systems.push_back(*ResolveHardware(h, Hardware()));
  r.workload = {.isl = 2000, .osl = 500};
  r.rate = rate;
  r.slos = *ParseSlos(slos);
  return r;
}

Result<PlanResult> SearchPlans(const PlanRequest& r) {
  perf::CommCache comm(Tuning());
  return Search(r, Hardware(), Calibration(), comm);
}

TEST(PlannerTest, ParsesSlosAndPrices) {
  auto slos = ParseSlos("ttft_p90=500ms,tpot_p99=50ms");
  ASSERT_TRUE(slos);
  ASSERT_EQ(slos->size(), 2u);
  EXPECT_EQ((*slos)[0].Name(), "ttft_p90");
  EXPECT_DOUBLE_EQ((*slos)[0].limit, 0.5);
  EXPECT_DOUBLE_EQ((*slos)[1].percentile, 99);
  for (const char* bad : {"ttft=1s", "ttft_p90", "e2e_p90=1s", "ttft_p100=1s", "ttft_p90=-1s",
                          "ttft_p90=1s,ttft_p99=2s", "tpot_pxx=1s"}) {
    auto r = ParseSlos(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kUsage);
  }
  auto prices = ParsePrices("H200=3.5/h,b200=$6");
  ASSERT_TRUE(prices);
  EXPECT_DOUBLE_EQ(prices->at("h200"), 3.5);
  EXPECT_DOUBLE_EQ(prices->at("b200"), 6);
  EXPECT_FALSE(ParsePrices("H200"));
  EXPECT_FALSE(ParsePrices("H200=cheap"));
}

TEST(PlannerTest, ResolvesHardwareNames) {
  EXPECT_EQ((*ResolveHardware("hgx-h100", Hardware()))->id, "hgx-h100");
  EXPECT_EQ((*ResolveHardware("H200", Hardware()))->id, "hgx-h200");
  EXPECT_EQ((*ResolveHardware("gb200", Hardware()))->id, "gb200-nvl72");
  auto bad = ResolveHardware("h300", Hardware());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("did you mean"), std::string::npos) << bad.error().message;
}

TEST(PlannerTest, PlansMeetTheirSlosAndAreRankedByGpus) {
  PlanRequest r = Request("llama-3.1-8b", {"h100"}, 10, "ttft_p90=500ms,tpot_p90=30ms");
  auto result = SearchPlans(r);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_FALSE(result->plans.empty());
  EXPECT_GT(result->configurations, 3);
  int previous = 0;
  for (const Plan& p : result->plans) {
    EXPECT_TRUE(p.misses.empty()) << p.Label();
    EXPECT_LE(p.ttft, 0.5) << p.Label();
    EXPECT_LE(p.tpot, 0.030) << p.Label();
    EXPECT_LE(p.utilization, 1.0) << p.Label();
    EXPECT_GE(p.gpus, previous) << p.Label();
    previous = p.gpus;
    EXPECT_NEAR(p.tokens_per_s_per_gpu, 10.0 * 500 / p.gpus, 1e-9);
    EXPECT_FALSE(p.dollars_per_hour) << "no prices given";
  }
  // Twice the rate never needs fewer GPUs.
  r.rate = 20;
  auto more = SearchPlans(r);
  ASSERT_TRUE(more && !more->plans.empty());
  EXPECT_GE(more->plans.front().gpus, result->plans.front().gpus);
  // The frontier is a non-empty subset of the points.
  ASSERT_FALSE(result->frontier.empty());
  for (int i : result->frontier) EXPECT_LT(i, static_cast<int>(result->points.size()));
}

TEST(PlannerTest, PricesRankAcrossHardware) {
  PlanRequest r = Request("llama-3.1-70b", {"h200", "b200"}, 20, "ttft_p90=1s,tpot_p90=50ms");
  r.prices = {{"h200-sxm", 3.5}, {"b200", 6.0}};
  auto result = SearchPlans(r);
  ASSERT_TRUE(result && !result->plans.empty());
  double previous = 0;
  for (const Plan& p : result->plans) {
    ASSERT_TRUE(p.dollars_per_hour);
    double price = p.accelerator == "b200" ? 6.0 : 3.5;
    EXPECT_DOUBLE_EQ(*p.dollars_per_hour, price * p.gpus);
    EXPECT_NEAR(*p.dollars_per_million_tokens, *p.dollars_per_hour / (20.0 * 500 * 3600 / 1e6),
                1e-9);
    EXPECT_GE(*p.dollars_per_hour, previous);
    previous = *p.dollars_per_hour;
  }
}

TEST(PlannerTest, DisaggregatedPlansSizeBothPools) {
  PlanRequest r = Request("qwen3-32b", {"h200"}, 2, "ttft_p90=2s,tpot_p90=50ms");
  r.workload = {.isl = 8000, .osl = 200};
  r.aggregated = false;
  auto result = SearchPlans(r);
  ASSERT_TRUE(result && !result->plans.empty());
  for (const Plan& p : result->plans) {
    EXPECT_TRUE(p.disaggregated);
    EXPECT_GE(p.prefill_replicas, 1);
    EXPECT_GE(p.replicas, 1);
    EXPECT_EQ(p.gpus, (p.prefill_replicas + p.replicas) * p.gpus_per_replica);
  }
}

TEST(PlannerTest, UnmeetableSlosGiveTheNearestPlans) {
  PlanRequest r = Request("llama-3.1-70b", {"h100"}, 50, "ttft_p90=10ms,tpot_p90=2ms");
  r.max_gpus = 16;
  auto result = SearchPlans(r);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->plans.empty());
  ASSERT_EQ(result->nearest.size(), 3u);
  for (const Plan& p : result->nearest) {
    EXPECT_FALSE(p.misses.empty());
    EXPECT_LE(p.gpus, 16);
  }
  EXPECT_LE(result->nearest[0].violation, result->nearest[1].violation);
}

TEST(PlannerTest, ModelThatFitsNowhereNamesTheShortfallAndASystemThatFits) {
  PlanRequest r = Request("llama-3.1-405b", {"h100"}, 1, "ttft_p90=2s,tpot_p90=100ms");
  r.weights = {model::Dtype::kBF16};
  r.max_gpus = 4;
  auto result = SearchPlans(r);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kNoResult);
  const std::string& m = result.error().message;
  EXPECT_NE(m.find("does not fit"), std::string::npos) << m;
  EXPECT_NE(m.find("short by"), std::string::npos) << m;
  EXPECT_NE(m.find("smallest catalog system that holds it"), std::string::npos) << m;

  std::string smallest = SmallestFittingSystem(r.model, model::Dtype::kBF16, Hardware());
  ASSERT_FALSE(smallest.empty());
  const hw::System& s = **Hardware().FindSystem(smallest);
  double weights =
      model::ComputeWeightBytes(r.model, model::WeightPlan::Default(model::Dtype::kBF16)).total;
  EXPECT_GT(s.accelerator.memory_usable.value * s.accelerator_count(), weights);
  // Nothing smaller holds it.
  for (const hw::System& other : Hardware().systems()) {
    if (other.accelerator_count() < s.accelerator_count()) {
      EXPECT_LT(other.accelerator.memory_usable.value * other.accelerator_count() * 0.9,
                weights + 2.0 * (1ull << 30) * other.accelerator_count())
          << other.id;
    }
  }
}

TEST(PlannerTest, BadRequests) {
  PlanRequest r = Request("llama-3.1-8b", {"h100"}, 1, "ttft_p90=1s");
  r.rate = 0;
  EXPECT_EQ(SearchPlans(r).error().code, ErrorCode::kUsage);
  r.rate = 1;
  r.systems.clear();
  EXPECT_EQ(SearchPlans(r).error().code, ErrorCode::kUsage);
}

}  // namespace
}  // namespace aiinfra::plan
