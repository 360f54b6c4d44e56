#include "loadgen/run_log.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <sstream>

#include "workload/trace.h"

namespace aiinfra::loadgen {
namespace {

// A completed request sent at `send` with its first token `ttft` later and `n` more tokens
// `gap` apart, prompt `n_in` tokens by the endpoint's usage.
metrics::RequestRecord Done(double send, double ttft, int n, double gap, uint32_t n_in) {
  metrics::RequestRecord r(send, /*keep_chunks=*/true);
  double t = send + ttft;
  r.AddChunk(t, 1);
  for (int i = 0; i < n; ++i) r.AddChunk(t += gap, 1);
  r.n_in = n_in;
  r.SetOutputTokens(static_cast<uint32_t>(n + 1));
  r.Finish(metrics::Outcome::kOk, t);
  return r;
}

struct Fixture {
  RunLog log{/*detailed=*/true};
  metrics::MetricsCollector collector{
      metrics::CollectorOptions{.slos = metrics::ParseSloSet("ttft<=150ms").value()}};
  uint64_t next = 0;
  void Add(const metrics::RequestRecord& r, int64_t planned_in, std::string text = "",
           std::string error = "", int group = -1, uint64_t session = 0, int turn = 0) {
    collector.Add(r);
    log.Add(SentRequest{.record = r,
                        .id = next++,
                        .session = session,
                        .turn = turn,
                        .scheduled = r.t_send,
                        .planned_input = planned_in,
                        .planned_output = 4,
                        .prefix_group = group,
                        .text = text,
                        .error = error});
  }
};

TEST(RunLogTest, VllmFieldsFollowVllmsDefinitions) {
  Fixture f;
  // Completed in reverse id order: the lists must come out by id.
  f.Add(Done(0.0, 0.1, 3, 0.02, 10), 9, "a b c d");
  f.Add(Done(1.2, 0.2, 3, 0.04, 20), 19, "e f g h");  // in the next second
  metrics::RequestRecord refused(0.7, true);
  refused.FinishError(0.71, 503, "server_error");
  f.Add(refused, 30, "", "HTTP 503: overloaded");
  const metrics::RunSummary s = f.collector.Summarize();
  VllmContext c{.backend = "openai-chat",
                .model_id = "m",
                .num_prompts = 3,
                .request_rate = 2.0,
                .burstiness = 1.0,
                .duration = 2.0,
                .has_goodput = true,
                .detailed = true};
  const auto j = f.log.VllmJson(c, s);
  EXPECT_EQ(j["completed"], 2);
  EXPECT_EQ(j["failed"], 1);
  EXPECT_EQ(j["total_input_tokens"], 30);  // the endpoint's counts, completed requests only
  EXPECT_EQ(j["total_output_tokens"], 8);
  EXPECT_DOUBLE_EQ(j["request_throughput"].get<double>(), 1.0);  // over the wall duration
  EXPECT_DOUBLE_EQ(j["output_throughput"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(j["total_token_throughput"].get<double>(), 19.0);
  EXPECT_DOUBLE_EQ(j["request_goodput"].get<double>(), 0.5);  // one of two within 150 ms
  EXPECT_NEAR(j["mean_ttft_ms"].get<double>(), 150, 1e-9);
  EXPECT_NEAR(j["std_ttft_ms"].get<double>(), 50, 1e-9);  // population std, as np.std
  EXPECT_NEAR(j["median_ttft_ms"].get<double>(), 150, 1e-9);
  EXPECT_NEAR(j["mean_itl_ms"].get<double>(), 30, 1e-9);  // chunk gaps 20 and 40 ms, 3 each
  EXPECT_NEAR(j["std_itl_ms"].get<double>(), 10, 1e-9);
  EXPECT_NEAR(j["mean_tpot_ms"].get<double>(), 30, 1e-9);
  EXPECT_NEAR(j["mean_e2el_ms"].get<double>(), (160 + 320) / 2.0, 1e-9);
  EXPECT_NEAR(j["p99_ttft_ms"].get<double>(), 199, 1e-6);  // linear, as np.percentile
  EXPECT_EQ(j["max_concurrent_requests"], 1);              // they did not overlap
  EXPECT_DOUBLE_EQ(j["max_output_tokens_per_s"].get<double>(), 4);
  EXPECT_EQ(j["request_rate"], 2.0);
  EXPECT_EQ(j["max_concurrency"], nullptr);
  EXPECT_EQ(j["input_lens"], nlohmann::json({10, 20, 30}));  // planned for the failed one
  EXPECT_EQ(j["output_lens"], nlohmann::json({4, 4, 0}));
  EXPECT_EQ(j["errors"], nlohmann::json({"", "", "HTTP 503: overloaded"}));
  EXPECT_EQ(j["generated_texts"][1], "e f g h");
  ASSERT_EQ(j["itls"][1].size(), 3u);
  EXPECT_NEAR(j["itls"][1][0].get<double>(), 0.04, 1e-12);
  EXPECT_EQ(f.log.errors().at("503 server_error"), 1u);

  c.detailed = false;
  c.has_goodput = false;
  c.request_rate.reset();
  const auto brief = f.log.VllmJson(c, s);
  EXPECT_FALSE(brief.contains("ttfts"));
  EXPECT_EQ(brief["request_goodput"], nullptr);
  EXPECT_EQ(brief["request_rate"], "inf");
}

TEST(RunLogTest, PeakConcurrencyCountsOverlappingRequests) {
  Fixture f;
  f.Add(Done(0.0, 0.1, 5, 0.1, 5), 5);  // [0, 0.6)
  f.Add(Done(0.2, 0.1, 5, 0.1, 5), 5);  // [0.2, 0.8)
  f.Add(Done(0.6, 0.1, 1, 0.1, 5), 5);  // [0.6, 0.8): starts as the first ends
  f.Add(Done(0.3, 0.1, 1, 0.1, 5), 5);  // [0.3, 0.5)
  EXPECT_EQ(f.log.PeakConcurrency(), 3u);
}

TEST(RunLogTest, TraceRowsReadBackInTheSimulatorsFormats) {
  Fixture f;
  f.Add(Done(0.30, 0.1, 3, 0.02, 40), 38, "", "", 0, 0, 0);
  f.Add(Done(0.10, 0.1, 3, 0.02, 600), 590, "", "", 1, 1, 0);
  f.Add(Done(0.20, 0.1, 3, 0.02, 600), 590, "", "", 1, 2, 0);
  metrics::RequestRecord failed(0.25, true);
  failed.FinishError(0.3, 0, "connection");
  f.Add(failed, 700, "", "cannot connect", 0, 3, 0);
  const auto rows = f.log.TraceRequests(5.0);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_DOUBLE_EQ(rows[0].arrival, 5.10);  // in send order, offset
  EXPECT_EQ(rows[0].input_tokens, 600);     // the endpoint's count
  EXPECT_EQ(rows[0].output_tokens, 4);      // generated
  EXPECT_EQ(rows[2].input_tokens, 700);     // failed: as planned
  EXPECT_EQ(rows[2].output_tokens, 4);      // and as asked
  for (workload::TraceFormat format :
       {workload::TraceFormat::kSplitwise, workload::TraceFormat::kMooncake}) {
    const std::string text = workload::FormatTrace(format, rows).value();
    auto reader = workload::TraceReader::FromStream(std::make_unique<std::istringstream>(text),
                                                    "sent", format)
                      .value();
    EXPECT_EQ(reader->rows(), 4);
    auto first = reader->Next().value();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->input_tokens, 600);
    EXPECT_DOUBLE_EQ(first->arrival, 0);  // the reader starts the trace at its first row
  }
  // With prefix identity: rows of prefix group 1 share their first block (a 512-token prefix).
  const auto hashed =
      f.log.TraceRequests(0, PrefixIdentity{.seed = 3, .prefix_tokens = 512, .block_tokens = 512});
  ASSERT_EQ(hashed[0].prefix_hashes.size(), 1u);  // 600 tokens: one whole block
  EXPECT_EQ(hashed[0].prefix_hashes, hashed[1].prefix_hashes);
  EXPECT_TRUE(hashed[3].prefix_hashes.empty());  // 40 tokens
  EXPECT_EQ(hashed[0].hash_block_tokens, 512);
}

TEST(RunLogTest, RequestLinesCarryTheRecordAndWhoSentIt) {
  Fixture f;
  const metrics::RequestRecord r = Done(1.0, 0.1, 2, 0.05, 12);
  const auto j = RequestLine(SentRequest{.record = r,
                                         .id = 7,
                                         .session = 3,
                                         .turn = 1,
                                         .scheduled = 0.99,
                                         .planned_input = 11,
                                         .planned_output = 3,
                                         .prefix_group = 2,
                                         .error = ""},
                             4);
  EXPECT_EQ(j["id"], 7);
  EXPECT_EQ(j["session"], 3);
  EXPECT_EQ(j["turn"], 1);
  EXPECT_EQ(j["step"], 4);
  EXPECT_NEAR(j["send_lag"].get<double>(), 0.01, 1e-12);
  EXPECT_EQ(j["n_in"], 12);
  EXPECT_EQ(j["chunk_times"].size(), 3u);
  EXPECT_NEAR(j["ttft"].get<double>(), 0.1, 1e-12);
  EXPECT_EQ(j["error"], nullptr);
  EXPECT_EQ(j["prefix_group"], 2);
}

}  // namespace
}  // namespace aiinfra::loadgen
