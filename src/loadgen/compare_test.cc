#include "loadgen/compare.h"

#include <gtest/gtest.h>

#include "loadgen/result.h"
#include "metrics/summary.h"

namespace aiinfra::loadgen {
namespace {

// A saved result as `bench --save-result` writes it, with `n` requests of TTFT `ttft`.
nlohmann::json Saved(int n, double ttft, double duration) {
  metrics::MetricsCollector c;
  for (int i = 0; i < n; ++i) {
    metrics::RequestRecord r(i * 0.1);
    r.AddChunk(r.t_send + ttft, 1);
    r.AddChunk(r.t_send + ttft + 0.05, 1);
    r.Finish(metrics::Outcome::kOk, r.t_send + duration);
    c.Add(r);
  }
  nlohmann::ordered_json j{{kResultMarker, kResultVersion},
                           {"run", LoadJson(LoadResult{.sent = static_cast<uint64_t>(n)}, true)},
                           {"summary", metrics::ToJson(c.Summarize())}};
  return nlohmann::json::parse(j.dump());
}

TEST(CompareTest, RowsSideBySideWithRatiosAndWhichWayIsBetter) {
  const auto a = Saved(10, 0.2, 0.5), b = Saved(10, 0.1, 0.5);
  ASSERT_TRUE(CheckBenchResult(a, "a.json"));
  const auto rows = CompareResults(a, b);
  const auto row = [&](const std::string& metric) {
    for (const CompareRow& r : rows) {
      if (r.metric == metric) return r;
    }
    ADD_FAILURE() << metric;
    return CompareRow{};
  };
  EXPECT_NEAR(row("ttft p50").a, 200, 1e-9);  // ms
  EXPECT_NEAR(row("ttft p50").b, 100, 1e-9);
  EXPECT_EQ(row("completed requests").a, 10);
  EXPECT_TRUE(std::isnan(row("goodput").a));  // no SLOs
  const auto j = CompareJson(rows, "a.json", "b.json");
  bool seen = false;
  for (const auto& r : j["rows"]) {
    if (r["metric"] == "ttft p50") {
      seen = true;
      EXPECT_NEAR(r["ratio"].get<double>(), 0.5, 1e-9);
      EXPECT_NEAR(r["delta"].get<double>(), -100, 1e-9);
      EXPECT_EQ(r["change"], "better");
    }
    if (r["metric"] == "completed requests") {
      EXPECT_EQ(r["change"], "same");
    }
    if (r["metric"] == "goodput") {
      EXPECT_EQ(r["ratio"], nullptr);
    }
  }
  EXPECT_TRUE(seen);
  const std::string table = CompareTable(rows, "a.json", "b.json");
  EXPECT_NE(table.find("A: a.json"), std::string::npos);
  EXPECT_NE(table.find("0.500"), std::string::npos) << table;
}

TEST(CompareTest, FilesThatAreNotBenchResultsNameTheFileAndField) {
  const auto not_json = ParseBenchResult("{oops", "x.json");
  ASSERT_FALSE(not_json);
  EXPECT_NE(not_json.error().message.find("x.json: not JSON"), std::string::npos);
  const auto other = ParseBenchResult(R"({"scenario": "s"})", "sim.json");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(other.error().message.find("sim.json: not an aiinfra bench result (no field "
                                       "'aiinfra_bench')"),
            std::string::npos)
      << other.error().message;
  auto j = Saved(3, 0.1, 0.2);
  j["aiinfra_bench"] = 2;
  EXPECT_NE(CheckBenchResult(j, "new.json").error().message.find("reads version 1"),
            std::string::npos);
  j["aiinfra_bench"] = 1;
  j["summary"]["metrics"]["tpot"].erase("p90");
  const auto missing = CheckBenchResult(j, "cut.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cut.json: field summary.metrics.tpot.p90 is missing"),
            std::string::npos)
      << missing.error().message;
}

}  // namespace
}  // namespace aiinfra::loadgen
