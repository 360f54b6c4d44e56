#include "sim/scenario.h"

#include <gtest/gtest.h>

namespace aiinfra::sim {
namespace {

struct Loaded {
  hw::Catalog hardware = hw::Catalog::Load(DataSource()).value();
  model::ModelCatalog models = model::ModelCatalog::Load(DataSource()).value();
  perf::CalibrationSet calibration = perf::CalibrationSet::Load(DataSource()).value();
  hw::CollectiveTuning tuning = hw::CollectiveTuning::Load(DataSource()).value();
  Catalogs catalogs() const { return {&hardware, &models, &calibration, &tuning, nullptr}; }
};
const Loaded& The() {
  static const Loaded l;
  return l;
}

constexpr const char* kSmall = R"(name: small
seed: 3
duration: 60s
model: llama-3.1-8b
deployment:
  system: hgx-h100
  tp: 1
  replicas: 2
workload:
  arrivals: {kind: poisson, rate: 5/s}
  classes:
    - name: chat
      input: 500
      output: 50
)";

std::string ErrorOf(const std::string& yaml) {
  auto s = ParseScenario(yaml, "s.yaml");
  if (s) {
    auto r = RunScenario(*s, The().catalogs());
    if (r) return "ok";
    Error e = r.error();
    e.where.column = 0;
    return e.ToString();
  }
  Error e = s.error();
  e.where.column = 0;
  return e.ToString();
}

TEST(ScenarioTest, ParsesAndRunsASmallScenario) {
  auto s = ParseScenario(kSmall, "s.yaml");
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->name, "small");
  EXPECT_EQ(s->pool.replicas, 2);
  EXPECT_EQ(*s->workload.seed, 3u);  // the scenario's seed and duration flow into the workload
  EXPECT_DOUBLE_EQ(*s->workload.duration, 60);
  auto r = RunScenario(*s, The().catalogs());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_NEAR(static_cast<double>(r->sim.arrivals), 300, 60);
  EXPECT_EQ(r->sim.finished, r->sim.arrivals);
  EXPECT_EQ(r->summary.overall.requests, r->sim.arrivals);
  EXPECT_GT(r->kv_blocks_per_replica, 0);
  // Same seed, same run.
  auto again = RunScenario(*s, The().catalogs());
  EXPECT_EQ(metrics::ToJson(again->summary).dump(), metrics::ToJson(r->summary).dump());
}

TEST(ScenarioTest, ALoneRequestsTtftIsThePerfModelsPrefill) {
  // One request of 2,000 tokens on an idle replica: TTFT = the step that prefills it.
  std::string yaml = R"(seed: 1
model: llama-3.1-8b
deployment: {system: hgx-h100, tp: 1, replicas: 1}
workload:
  duration: 1500ms
  arrivals: {kind: constant, rate: 1/s}
  classes: [{name: one, input: 2000, output: 2}]
)";
  auto s = ParseScenario(yaml, "s.yaml");
  ASSERT_TRUE(s) << s.error().ToString();
  auto r = RunScenario(*s, The().catalogs());
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->summary.overall.requests, 1u);
  perf::Deployment d;
  d.model = *The().models.Find("llama-3.1-8b").value();
  d.system = *The().hardware.FindSystem("hgx-h100").value();
  perf::CommCache comm(The().tuning);
  auto m = perf::PerfModel::Create(d, The().calibration.For(d.system.accelerator.id), comm);
  ASSERT_TRUE(m);
  const double prefill = m->Step(m->Prefill(2000)).total;
  const auto& ttft = r->summary.overall.metrics[static_cast<size_t>(metrics::MetricId::kTtft)];
  EXPECT_NEAR(ttft.mean, prefill, 1e-9);
}

TEST(ScenarioTest, DisaggregatedScenarioTransfersKv) {
  std::string yaml = R"(seed: 2
duration: 30s
model: llama-3.1-8b
prefill: {system: hgx-h100, tp: 1, replicas: 1}
decode: {system: hgx-h100, tp: 1, replicas: 1}
kv_transfer: {network: scale-out}
workload:
  arrivals: {kind: poisson, rate: 2/s}
  classes: [{name: chat, input: 1000, output: 20}]
)";
  auto s = ParseScenario(yaml, "s.yaml");
  ASSERT_TRUE(s) << s.error().ToString();
  auto r = RunScenario(*s, The().catalogs());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->sim.transfers, r->sim.finished);
  EXPECT_GT(r->sim.finished, 30u);
}

TEST(ScenarioTest, ErrorsNameTheFieldAndTheFix) {
  EXPECT_EQ(ErrorOf("model: x\nworkload: {}\n"),
            "s.yaml:1: give either deployment: (aggregated serving) or prefill: and decode: "
            "(disaggregated)");
  std::string bad_system = kSmall;
  bad_system.replace(bad_system.find("hgx-h100"), 8, "hgx-h999");
  EXPECT_NE(ErrorOf(bad_system).find("s.yaml:6:"), std::string::npos) << ErrorOf(bad_system);
  std::string bad_model = kSmall;
  bad_model.replace(bad_model.find("llama-3.1-8b"), 12, "llama-9");
  EXPECT_NE(ErrorOf(bad_model).find("s.yaml:4:"), std::string::npos) << ErrorOf(bad_model);
  // 405B in BF16 on one H100 does not fit.
  std::string big = kSmall;
  big.replace(big.find("llama-3.1-8b"), 12, "llama-3.1-405b");
  EXPECT_NE(ErrorOf(big).find("does not fit"), std::string::npos) << ErrorOf(big);
  std::string typo = std::string(kSmall) + "routr: {policy: random}\n";
  EXPECT_NE(ErrorOf(typo).find("routr"), std::string::npos) << ErrorOf(typo);
  std::string policy = std::string(kSmall) + "router: {policy: fastest}\n";
  EXPECT_NE(ErrorOf(policy).find("unknown router policy 'fastest'"), std::string::npos);
}

TEST(ScenarioTest, TheDefaultScenarioParses) {
  auto files = DataSource().List("scenarios");
  ASSERT_TRUE(files);
  bool found = false;
  for (const DataFile& f : *files) {
    auto s = ParseScenario(f.contents, f.display);
    EXPECT_TRUE(s) << f.display << ": " << s.error().ToString();
    found |= f.relative == "scenarios/default.yaml";
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace aiinfra::sim
