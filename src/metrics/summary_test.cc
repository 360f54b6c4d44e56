#include "metrics/summary.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

namespace aiinfra::metrics {
namespace {

// A completed request: first token after `ttft`, then one token every `gap` seconds.
RequestRecord Done(double t_send, double ttft, int n_out, double gap, std::uint32_t cls = 0) {
  RequestRecord r(t_send);
  r.n_in = 10;
  r.n_cached = 4;
  r.class_index = cls;
  r.t_sched = t_send + 0.125;
  for (int i = 0; i < n_out; ++i) r.AddChunk(t_send + ttft + i * gap, 1);
  r.Finish(Outcome::kOk, r.t_last());
  return r;
}

RequestRecord Failed(double t_send, double t_end, Outcome outcome, std::uint32_t cls = 0) {
  RequestRecord r(t_send);
  r.n_in = 10;
  r.class_index = cls;
  r.AddChunk(t_send + 0.1, 1);  // a token arrived before it failed: it must not count
  r.Finish(outcome, t_end);
  return r;
}

const MetricStats& Stat(const GroupSummary& g, MetricId id) {
  return g.metrics[static_cast<std::size_t>(id)];
}

std::vector<RequestRecord> SmallRun() {
  return {Done(0, 0.5, 3, 0.1), Done(1, 1.5, 3, 0.1), Done(2, 0.5, 3, 0.1), Done(3, 0.5, 3, 0.1),
          Failed(1.5, 2.0, Outcome::kError)};
}

TEST(SummaryTest, ThroughputGoodputAndFailures) {
  CollectorOptions options;
  options.gpus = 2;
  options.slos = *ParseSloSet("ttft<=1s,p50(ttft)<=1s,p90(ttft)<=1s");
  MetricsCollector c(options);
  for (const auto& r : SmallRun()) c.Add(r);
  RequestRecord late(3.5);  // still running at the end: counted, but ends nothing
  late.AddChunk(4.5, 1);
  c.Add(late);

  const RunSummary s = c.Summarize();
  const GroupSummary& g = s.overall;
  EXPECT_DOUBLE_EQ(s.t_start, 0);
  EXPECT_DOUBLE_EQ(s.duration, 3.7);  // last completion 3 + 0.5 + 2 * 0.1
  EXPECT_EQ(g.requests, 6u);
  EXPECT_EQ(g.completed, 4u);
  EXPECT_EQ(g.failed, 1u);
  EXPECT_EQ(g.unfinished, 1u);
  EXPECT_EQ(g.by_outcome[static_cast<int>(Outcome::kError)], 1u);
  EXPECT_EQ(g.output_tokens, 12u);
  EXPECT_EQ(g.input_tokens, 40u);
  EXPECT_EQ(g.cached_tokens, 16u);
  EXPECT_DOUBLE_EQ(g.request_throughput, 4 / 3.7);
  EXPECT_DOUBLE_EQ(g.output_throughput, 12 / 3.7);
  EXPECT_DOUBLE_EQ(g.input_throughput, 40 / 3.7);
  EXPECT_DOUBLE_EQ(g.throughput_per_gpu, 12 / 3.7 / 2);
  // Three of four completed requests meet ttft <= 1 s; the failed one counts against attainment.
  EXPECT_EQ(g.good, 3u);
  EXPECT_DOUBLE_EQ(g.goodput, 3 / 3.7);
  EXPECT_DOUBLE_EQ(g.token_goodput, 9 / 3.7);
  EXPECT_DOUBLE_EQ(g.slo_attainment, 3.0 / 5);
  // Run checks: ttft {0.5, 0.5, 0.5, 1.5}: p50 0.5 (met), p90 at rank 2.7 = 1.2 (missed).
  ASSERT_EQ(g.slo_checks.size(), 2u);
  EXPECT_DOUBLE_EQ(g.slo_checks[0].value, 0.5);
  EXPECT_TRUE(g.slo_checks[0].met);
  EXPECT_DOUBLE_EQ(g.slo_checks[1].value, 1.2);
  EXPECT_FALSE(g.slo_checks[1].met);

  // Failed and unfinished requests never enter latency statistics.
  const MetricStats& ttft = Stat(g, MetricId::kTtft);
  EXPECT_EQ(ttft.count, 4u);
  EXPECT_DOUBLE_EQ(ttft.min, 0.5);
  EXPECT_DOUBLE_EQ(ttft.max, 1.5);
  EXPECT_DOUBLE_EQ(ttft.mean, 0.75);
  EXPECT_DOUBLE_EQ(ttft.percentiles[0], 0.5);
  EXPECT_DOUBLE_EQ(ttft.percentiles[1], 1.2);
  EXPECT_TRUE(ttft.exact);
  EXPECT_EQ(Stat(g, MetricId::kItl).count, 8u);  // 4 requests x 2 gaps
  EXPECT_EQ(Stat(g, MetricId::kIcl).count, 8u);
  EXPECT_NEAR(Stat(g, MetricId::kItl).mean, 0.1, 1e-12);
  EXPECT_NEAR(Stat(g, MetricId::kTpot).max, 0.1, 1e-12);
  EXPECT_NEAR(Stat(g, MetricId::kQueue).mean, 0.125, 1e-12);
  EXPECT_NEAR(Stat(g, MetricId::kTpsUser).mean, 10, 1e-9);
}

TEST(SummaryTest, JsonUsesTheSpecNames) {
  CollectorOptions options;
  options.slos = *ParseSloSet("ttft<=1s");
  MetricsCollector c(options);
  for (const auto& r : SmallRun()) c.Add(r);
  const auto j = ToJson(c.Summarize());
  for (const char* key : {"duration", "request_throughput", "output_throughput", "input_throughput",
                          "throughput_per_gpu", "goodput", "token_goodput", "slo_attainment",
                          "requests", "metrics", "classes", "slos"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_TRUE(j["throughput_per_gpu"].is_null());  // no GPU count given
  EXPECT_EQ(j["requests"]["by_outcome"]["error"], 1);
  EXPECT_EQ(j["slos"][0], "ttft<=1s");
  std::set<std::string> names;
  for (const auto& [name, m] : j["metrics"].items()) {
    names.insert(name);
    for (const char* key : {"kind", "unit", "count", "mean", "min", "max", "p50", "p90", "p95",
                            "p99", "p99.9", "exact"}) {
      EXPECT_TRUE(m.contains(key)) << name << "." << key;
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"ttft", "e2e", "tpot", "ntpot", "itl", "icl", "queue",
                                          "tps_user"}));
  EXPECT_EQ(j["metrics"]["itl"]["kind"], "pooled");
  EXPECT_EQ(j["metrics"]["icl"]["kind"], "pooled");
  EXPECT_EQ(j["metrics"]["ttft"]["kind"], "per_request");
  EXPECT_EQ(j["metrics"]["tps_user"]["unit"], "tokens/s");
}

TEST(SummaryTest, NoSloMeansNoGoodput) {
  MetricsCollector c;
  for (const auto& r : SmallRun()) c.Add(r);
  const RunSummary s = c.Summarize();
  EXPECT_TRUE(std::isnan(s.overall.goodput));
  EXPECT_TRUE(ToJson(s)["goodput"].is_null());
  EXPECT_TRUE(ToJson(s)["slo_attainment"].is_null());

  MetricsCollector empty;
  const auto j = ToJson(empty.Summarize());
  EXPECT_TRUE(j["duration"].is_null());
  EXPECT_EQ(j["metrics"]["ttft"]["count"], 0);
  EXPECT_TRUE(j["metrics"]["ttft"]["p50"].is_null());
}

TEST(SummaryTest, PerClassSplitWithOwnSlos) {
  CollectorOptions options;
  options.class_names = {"chat", "batch"};
  options.slos = *ParseSloSet("ttft<=1s");
  options.class_slos = {std::nullopt, *ParseSloSet("e2e<=100s")};
  MetricsCollector c(options);
  c.Add(Done(0, 0.5, 3, 0.1, 0));
  c.Add(Done(0, 2.0, 3, 0.1, 0));  // chat, misses ttft
  c.Add(Done(1, 5.0, 5, 0.5, 1));  // batch, slow first token but within e2e
  c.Add(Failed(1, 2, Outcome::kTimeout, 1));
  c.Add(Done(1, 0.5, 2, 0.1, 2));  // a class without a name
  const RunSummary s = c.Summarize();
  ASSERT_EQ(s.classes.size(), 3u);
  EXPECT_EQ(s.classes[0].name, "chat");
  EXPECT_EQ(s.classes[1].name, "batch");
  EXPECT_EQ(s.classes[2].name, "class2");
  EXPECT_EQ(s.classes[0].good, 1u);
  EXPECT_EQ(s.classes[1].good, 1u);
  EXPECT_EQ(s.classes[1].failed, 1u);
  EXPECT_DOUBLE_EQ(s.classes[1].slo_attainment, 0.5);
  EXPECT_EQ(s.overall.good, 3u);  // each request judged by its own class's SLOs
  EXPECT_EQ(Stat(s.classes[1], MetricId::kTtft).count, 1u);
  EXPECT_DOUBLE_EQ(Stat(s.classes[1], MetricId::kTtft).max, 5.0);
  // Classes share the run's duration, so their throughputs add up.
  double sum = 0;
  for (const auto& g : s.classes) sum += g.output_throughput;
  EXPECT_DOUBLE_EQ(sum, s.overall.output_throughput);
  const auto j = ToJson(s);
  EXPECT_EQ(j["classes"][1]["name"], "batch");
  EXPECT_EQ(j["classes"][1]["slos"][0], "e2e<=100s");
  EXPECT_NE(RenderTable(s).find("batch"), std::string::npos);
}

std::vector<RequestRecord> ManyRequests(unsigned seed, int n) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> ttft(-1, 0.8), gap(-3.5, 0.4);
  std::uniform_int_distribution<int> len(1, 40), cls(0, 2);
  std::vector<RequestRecord> out;
  for (int i = 0; i < n; ++i) {
    RequestRecord r(i * 0.01);
    r.t_sched = r.t_send + 0.001 * (i % 7);
    r.class_index = static_cast<std::uint32_t>(cls(rng));
    double t = r.t_send + ttft(rng);
    const int tokens = len(rng);
    for (int k = 0; k < tokens; ++k, t += gap(rng)) r.AddChunk(t, 1);
    r.Finish(i % 17 == 0 ? Outcome::kCancelled : Outcome::kOk, t);
    out.push_back(std::move(r));
  }
  return out;
}

TEST(SummaryTest, Deterministic) {
  const auto records = ManyRequests(1, 2000);
  CollectorOptions options;
  options.slos = *ParseSloSet("ttft<=500ms,itl.p90<=40ms");
  MetricsCollector a(options), b(options), shuffled(options);
  for (const auto& r : records) a.Add(r), b.Add(r);
  EXPECT_EQ(ToJson(a.Summarize()).dump(), ToJson(b.Summarize()).dump());

  std::vector<const RequestRecord*> order;
  for (const auto& r : records) order.push_back(&r);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(2));
  for (const auto* r : order) shuffled.Add(*r);
  const RunSummary x = a.Summarize();
  const RunSummary y = shuffled.Summarize();
  EXPECT_EQ(x.overall.good, y.overall.good);
  for (int m = 0; m < kMetricCount; ++m) {
    EXPECT_EQ(x.overall.metrics[m].count, y.overall.metrics[m].count);
    EXPECT_EQ(x.overall.metrics[m].percentiles, y.overall.metrics[m].percentiles);
    EXPECT_NEAR(x.overall.metrics[m].mean, y.overall.metrics[m].mean,
                1e-12 * std::fabs(x.overall.metrics[m].mean));
  }
}

TEST(SummaryTest, MergedShardsEqualOneCollector) {
  const auto records = ManyRequests(3, 3000);
  CollectorOptions options;
  options.exact_limit = 1000;  // force bucketed mode for the pooled metrics
  MetricsCollector all(options), left(options), right(options);
  for (std::size_t i = 0; i < records.size(); ++i) {
    all.Add(records[i]);
    (i % 2 ? left : right).Add(records[i]);
  }
  left.Merge(right);
  const RunSummary x = all.Summarize();
  const RunSummary y = left.Summarize();
  EXPECT_DOUBLE_EQ(x.duration, y.duration);
  EXPECT_EQ(x.overall.by_outcome, y.overall.by_outcome);
  ASSERT_EQ(x.classes.size(), y.classes.size());
  for (int m = 0; m < kMetricCount; ++m) {
    EXPECT_EQ(x.overall.metrics[m].count, y.overall.metrics[m].count);
    EXPECT_EQ(x.overall.metrics[m].exact, y.overall.metrics[m].exact);
    if (!x.overall.metrics[m].exact) {
      EXPECT_EQ(x.overall.metrics[m].percentiles, y.overall.metrics[m].percentiles);
    }
  }
  EXPECT_FALSE(Stat(x.overall, MetricId::kItl).exact);
}

TEST(SummaryTest, TableRendering) {
  CollectorOptions options;
  options.gpus = 8;
  options.slos = *ParseSloSet("ttft<=1s,p90(ttft)<=1s");
  MetricsCollector c(options);
  for (const auto& r : SmallRun()) c.Add(r);
  const std::string table = RenderTable(c.Summarize());
  for (const char* text :
       {"duration", "3.7s", "requests", "5 (completed 4, error 1)", "request_throughput", "goodput",
        "slo_attainment", "60.00%", "p90(ttft)<=1s", "missed", "METRIC", "P99.9", "per-request",
        "pooled", "tps_user", "500ms", "1.5s"}) {
    EXPECT_NE(table.find(text), std::string::npos) << text << "\n" << table;
  }
}

}  // namespace
}  // namespace aiinfra::metrics
