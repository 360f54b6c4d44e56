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

TEST(ScenarioTest, AutoscalerPlannerClusterAndCompareFieldsParse) {
  std::string yaml = std::string(kSmall) + R"(cluster: {hgx-h100: 2}
label: h100
compare:
  - label: h200
    set: {deployment.system: hgx-h200, cluster: {hgx-h200: 1}}
)";
  yaml.replace(yaml.find("  replicas: 2\n"), 13, R"(  replicas: 2
  autoscaler:
    kind: keda
    min: 0
    max: 4
    metrics:
      - {metric: requests, target: 16, activation: 2}
      - {metric: ttft_p90, target: 800ms, window: 1min}
      - {metric: request_rate, target: 5, type: average}
    polling_interval: 10s
    cooldown: 2min
)");
  auto s = ParseScenario(yaml, "s.yaml");
  ASSERT_TRUE(s) << s.error().ToString();
  const ScaleSpec& a = *s->pool.autoscaler;
  EXPECT_TRUE(a.keda);
  EXPECT_EQ(a.min, 0);
  EXPECT_DOUBLE_EQ(a.keda_spec.polling_interval, 10);
  EXPECT_DOUBLE_EQ(a.keda_spec.cooldown, 120);
  ASSERT_EQ(a.metrics.size(), 3u);
  // KEDA's triggers are External metrics: totals against AverageValue targets by default;
  // latencies are Value targets.
  EXPECT_EQ(a.metrics[0].type, HpaMetricType::kTotal);
  EXPECT_DOUBLE_EQ(a.metrics[0].activation, 2);
  EXPECT_EQ(a.metrics[1].signal.signal, Signal::kTtft);
  EXPECT_DOUBLE_EQ(a.metrics[1].target, 0.8);
  EXPECT_DOUBLE_EQ(a.metrics[1].signal.window, 60);
  EXPECT_EQ(a.metrics[1].type, HpaMetricType::kValue);
  EXPECT_EQ(a.metrics[2].type, HpaMetricType::kAverage);
  EXPECT_EQ(s->cluster.at("hgx-h100"), 2);
  EXPECT_EQ(s->label, "h100");
  ASSERT_EQ(s->compare.size(), 1u);
  EXPECT_EQ(s->compare[0].label, "h200");
  ASSERT_EQ(s->compare[0].set.size(), 2u);
  EXPECT_EQ(s->compare[0].set[1].first, "cluster");
  EXPECT_EQ(s->compare[0].set[1].second, "{hgx-h200: 1}");  // flow YAML, as --set reads it

  std::string hpa = std::string(kSmall);
  hpa.replace(hpa.find("  replicas: 2\n"), 13,
              "  replicas: 2\n  autoscaler: {min: 1, max: 3, metric: requests, target: 8}\n");
  auto h = ParseScenario(hpa, "s.yaml");
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_FALSE(h->pool.autoscaler->keda);
  EXPECT_EQ(h->pool.autoscaler->metrics[0].type, HpaMetricType::kAverage);  // a Pods metric

  std::string planned = std::string(kSmall) +
                        "planner: {interval: 20s, predictor: moving_average, ttft: 1s, "
                        "itl: 40ms, replicas: {min: 1, max: 3}}\n";
  auto p = ParseScenario(planned, "s.yaml");
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_DOUBLE_EQ(p->planner->interval, 20);
  EXPECT_EQ(p->planner->predictor, Predictor::kMovingAverage);
  EXPECT_DOUBLE_EQ(p->planner->itl_target, 0.04);
  EXPECT_EQ(p->planner->max_prefill, 3);
  auto r = RunScenario(*p, The().catalogs());
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_FALSE(r->scales.empty());
  for (const ScaleEvent& e : r->scales) {
    EXPECT_EQ(e.cause, ScaleEvent::Cause::kPlanner);
    EXPECT_LE(e.to, 3);
  }
}

TEST(ScenarioTest, AutoscalingErrorsNameTheFieldAndTheFix) {
  const auto with_autoscaler = [](const std::string& autoscaler) {
    std::string yaml = kSmall;
    yaml.replace(yaml.find("  replicas: 2\n"), 13,
                 "  replicas: 2\n  autoscaler: " + autoscaler + "\n");
    return ErrorOf(yaml);
  };
  EXPECT_EQ(with_autoscaler("{min: 1, max: 3, metric: requests, target: 8, activation: 1}"),
            "s.yaml:9: deployment.autoscaler.activation: activation is a KEDA setting: add "
            "kind: keda");
  EXPECT_NE(with_autoscaler("{min: 1, max: 3, metric: ttfb_p90, target: 1}")
                .find("unknown signal 'ttfb_p90'"),
            std::string::npos);
  EXPECT_NE(with_autoscaler("{min: 1, max: 3, metric: ttft, target: 1}").find("ttft_p90"),
            std::string::npos);
  EXPECT_NE(with_autoscaler("{min: 0, max: 3, metric: requests, target: 8}")
                .find("expected a whole number from 1"),
            std::string::npos);
  EXPECT_NE(with_autoscaler("{min: 1, max: 3, metric: requests, target: 8, metrics: []}")
                .find("give either metric: and target: or a metrics: list"),
            std::string::npos);
  EXPECT_NE(with_autoscaler("{kind: knative, min: 1, max: 3, metric: requests, target: 8}")
                .find("kind must be hpa or keda"),
            std::string::npos);
  std::string both = std::string(kSmall) + "planner: {ttft: 1s, itl: 50ms}\n";
  both.replace(both.find("  replicas: 2\n"), 13,
               "  replicas: 2\n  autoscaler: {min: 1, max: 3, metric: requests, target: 8}\n");
  EXPECT_NE(ErrorOf(both).find("the planner sizes the pools itself"), std::string::npos);
  EXPECT_NE(ErrorOf(std::string(kSmall) + "planner: {ttft: 1s, itl: 50ms, prefill: {max: 2}}\n")
                .find("an aggregated planner takes replicas: {min, max}"),
            std::string::npos);
  EXPECT_NE(ErrorOf(std::string(kSmall) + "planner: {ttft: 1s, itl: 50ms, predictor: arima}\n")
                .find("unknown predictor 'arima'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(std::string(kSmall) + "cluster: {hgx-h200: 1}\n")
                .find("system hgx-h100 is not in the cluster"),
            std::string::npos);
  EXPECT_EQ(ErrorOf(std::string(kSmall) + "cluster: {hgx-h100: 1}\n"), "ok");  // 2 of 8 GPUs
  std::string nine = std::string(kSmall) + "cluster: {hgx-h100: 1}\n";
  nine.replace(nine.find("replicas: 2"), 11, "replicas: 9");
  EXPECT_EQ(ErrorOf(nine),
            "s.yaml:6: deployment.system: the initial replicas need 9 GPUs of hgx-h100; the "
            "cluster has 8 (1 x 8): lower replicas or raise the count");
  EXPECT_NE(ErrorOf(std::string(kSmall) +
                    "compare: [{label: a, set: {seed: 4}}, {label: a, set: {seed: 5}}]\n")
                .find("labels must differ"),
            std::string::npos);
}

TEST(ScenarioTest, ScaleUpKvTransferNeedsOneNvlinkDomain) {
  const std::string pd = R"(seed: 2
duration: 10s
model: llama-3.1-70b
weights: fp8
prefill: {system: SYSTEM, tp: 8, replicas: 1}
decode: {system: SYSTEM, tp: 8, replicas: 1}
kv_transfer: {network: scale-up}
workload:
  arrivals: {kind: poisson, rate: 2/s}
  classes: [{name: chat, input: 1000, output: 20}]
)";
  const auto on = [&](const std::string& system) {
    std::string text = pd;
    for (size_t at; (at = text.find("SYSTEM")) != std::string::npos;) text.replace(at, 6, system);
    return text;
  };
  const std::string hgx = on("hgx-h200"), nvl = on("gb200-nvl72");
  EXPECT_EQ(ErrorOf(hgx),
            "s.yaml:7: kv_transfer: kv_transfer over scale-up needs a prefill and a decode "
            "replica in one NVLink domain: hgx-h200 has 8 GPUs in a domain, the two replicas "
            "take 16; use network: scale-out");
  EXPECT_EQ(ErrorOf(nvl), "ok");
}

TEST(ScenarioTest, ClosedLoopUsersKeepTheirRequestsInFlight) {
  std::string yaml = R"(seed: 5
duration: 60s
model: llama-3.1-8b
deployment: {system: hgx-h100, tp: 1, replicas: 1}
workload:
  classes:
    - name: agents
      closed_loop: {users: 3, think_time: 500ms}
      input: 800
      output: 60
)";
  auto s = ParseScenario(yaml, "s.yaml");
  ASSERT_TRUE(s) << s.error().ToString();
  auto r = RunScenario(*s, The().catalogs());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->sim.finished, r->sim.arrivals);
  // Each user: a request of ~0.4 s, then half a second of thinking: some 60 a minute.
  EXPECT_GT(r->sim.arrivals, 3u * 40);
  EXPECT_LT(r->sim.arrivals, 3u * 121);
  const auto json = r->series.ToJson();
  for (const auto& field : {"running", "waiting"}) ASSERT_TRUE(json["columns"].contains(field));
  const auto& running = json["columns"]["running"];
  const auto& waiting = json["columns"]["waiting"];
  int sampled = 0;
  for (size_t i = 0; i < running.size(); ++i) {
    if (running[i].is_null()) continue;  // a second without a sample
    ++sampled;
    EXPECT_LE(running[i].get<double>() + waiting[i].get<double>(), 3) << i;
  }
  EXPECT_GT(sampled, 50);
}

}  // namespace
}  // namespace aiinfra::sim
