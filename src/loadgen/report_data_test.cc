#include "loadgen/report_data.h"

#include <gtest/gtest.h>

namespace aiinfra::loadgen {
namespace {

void Add(RunLog& log, double send, double ttft, int tokens, bool ok = true) {
  metrics::RequestRecord r(send, /*keep_chunks=*/true);
  if (ok) {
    for (int i = 0; i < tokens; ++i) r.AddChunk(send + ttft + 0.1 * i, 1);
    r.Finish(metrics::Outcome::kOk, send + ttft + 0.1 * (tokens - 1));
  } else {
    r.FinishError(send + 0.01, 500, "server_error");
  }
  log.Add(SentRequest{.record = r, .planned_input = 10, .planned_output = tokens});
}

TEST(ReportDataTest, SeriesAndCdfsComeFromTheRequests) {
  RunLog a, b;
  Add(a, 0.2, 0.3, 5);  // in flight 0.2 .. 0.9
  Add(a, 0.5, 0.1, 5);  // 0.5 .. 1.0
  Add(a, 1.5, 0.2, 1, false);
  Add(b, 0.1, 0.4, 3);  // a second step, 10 s later
  const auto d = ReportData({{"1 req/s", 0, &a, 1}, {"2 req/s", 10, &b, 2}}, "t", "s", "text");
  EXPECT_EQ(d["time_label"], "time since the start (s)");
  const auto& cols = d["series"]["columns"];
  ASSERT_TRUE(cols.contains("arrivals"));
  EXPECT_EQ(cols["arrivals"][0], 2);
  EXPECT_EQ(cols["arrivals"][1], 1);
  EXPECT_EQ(cols["arrivals"][10], 1);  // the second part starts at its offset
  EXPECT_EQ(cols["completions"][0], 1);
  EXPECT_EQ(cols["completions"][1], 1);
  EXPECT_EQ(cols["failures"][1], 1);
  // Tokens in the second they streamed: 5 + 4 in second 0, the last one at 1.0.
  EXPECT_EQ(cols["output_tokens_per_s"][0], 9);
  EXPECT_EQ(cols["output_tokens_per_s"][1], 1);
  // In flight: the time-weighted mean over second 0 is 0.7 + 0.5 = 1.2.
  EXPECT_NEAR(cols["running"][0].get<double>(), 1.2, 1e-9);
  EXPECT_FALSE(cols.contains("replicas_ready"));  // a client cannot see them
  EXPECT_FALSE(cols.contains("kv_usage"));
  ASSERT_EQ(d["cdfs"]["ttft"]["1 req/s"].size(), 2u);  // sorted
  EXPECT_NEAR(d["cdfs"]["ttft"]["1 req/s"][0].get<double>(), 0.1, 1e-12);
  EXPECT_NEAR(d["cdfs"]["ttft"]["1 req/s"][1].get<double>(), 0.3, 1e-12);
  EXPECT_EQ(d["cdfs"]["ttft"]["2 req/s"].size(), 1u);
  EXPECT_TRUE(d["replicas"].empty());
}

}  // namespace
}  // namespace aiinfra::loadgen
