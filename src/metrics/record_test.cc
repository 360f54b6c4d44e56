#include "metrics/record.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace aiinfra::metrics {
namespace {

// The spec's worked example: sent at 0.2, chunks [t=1.0 k=1, t=1.5 k=2, t=2.5 k=1].
RequestRecord Example(bool keep_chunks = false) {
  RequestRecord r(0.2, keep_chunks);
  r.t_sched = 0.5;
  r.n_in = 100;
  r.n_cached = 40;
  r.AddChunk(1.0, 1);
  r.AddChunk(1.5, 2);
  r.AddChunk(2.5, 1);
  r.Finish(Outcome::kOk, 2.5);
  return r;
}

std::vector<std::pair<double, std::uint64_t>> Itl(const RequestRecord& r) {
  std::vector<std::pair<double, std::uint64_t>> out;
  r.ForEachItl([&](double v, std::uint64_t w) { out.emplace_back(v, w); });
  return out;
}

std::vector<double> Icl(const RequestRecord& r) {
  std::vector<double> out;
  r.ForEachIcl([&](double v) { out.push_back(v); });
  return out;
}

TEST(RecordTest, SpecExampleByHand) {
  const RequestRecord r = Example();
  EXPECT_EQ(r.n_out(), 4u);
  EXPECT_EQ(r.token_chunks(), 3u);
  EXPECT_EQ(r.token_source(), TokenSource::kChunks);
  EXPECT_DOUBLE_EQ(*r.Ttft(), 0.8);              // 1.0 - 0.2
  EXPECT_DOUBLE_EQ(*r.E2e(), 2.3);               // 2.5 - 0.2
  EXPECT_DOUBLE_EQ(*r.Tpot(), (2.3 - 0.8) / 3);  // 0.5
  EXPECT_DOUBLE_EQ(*r.Ntpot(), 2.3 / 4);         // 0.575
  EXPECT_DOUBLE_EQ(*r.Queue(), 0.3);             // 0.5 - 0.2
  EXPECT_DOUBLE_EQ(*r.TpsUser(), 3 / 1.5);       // 2 tokens/s
  // itl: the 2-token chunk spreads its 0.5 s gap over its tokens; the last chunk gives 1.0.
  const auto itl = Itl(r);
  ASSERT_EQ(itl.size(), 2u);
  EXPECT_DOUBLE_EQ(itl[0].first, 0.25);
  EXPECT_EQ(itl[0].second, 2u);
  EXPECT_DOUBLE_EQ(itl[1].first, 1.0);
  EXPECT_EQ(itl[1].second, 1u);
  EXPECT_EQ(r.itl_count(), 3u);
  EXPECT_EQ(Icl(r), (std::vector<double>{0.5, 1.0}));
  // The request's own itl distribution is {0.25, 0.25, 1.0}.
  EXPECT_DOUBLE_EQ(*r.ItlQuantile(1.0), 1.0);
  EXPECT_DOUBLE_EQ(*r.ItlQuantile(0.0), 0.25);
  EXPECT_DOUBLE_EQ(*r.ItlQuantile(0.5), 0.25);
  EXPECT_DOUBLE_EQ(*r.ItlQuantile(0.75), 0.625);  // rank 1.5: halfway from 0.25 to 1.0
  // Mean itl equals tpot when the first chunk carries one token.
  EXPECT_DOUBLE_EQ((0.25 * 2 + 1.0) / 3, *r.Tpot());
}

TEST(RecordTest, SingleTokenHasNoTpot) {
  RequestRecord r(1.0);
  r.AddChunk(1.25, 1);
  r.Finish(Outcome::kOk, 1.25);
  EXPECT_DOUBLE_EQ(*r.Ttft(), 0.25);
  EXPECT_DOUBLE_EQ(*r.E2e(), 0.25);
  EXPECT_FALSE(r.Tpot());
  EXPECT_FALSE(r.TpsUser());
  EXPECT_DOUBLE_EQ(*r.Ntpot(), 0.25);
  EXPECT_FALSE(r.Queue());
  EXPECT_EQ(r.itl_count(), 0u);
  EXPECT_FALSE(r.ItlQuantile(0.5));
}

TEST(RecordTest, ChunksWithoutTokensEndE2eButAreNotChunks) {
  RequestRecord r(0.0);
  r.AddChunk(0.1, 0);  // role-only delta
  r.AddChunk(0.5, 1);
  r.AddChunk(0.7, 1);
  r.AddChunk(0.8, 0);  // usage chunk
  r.Finish(Outcome::kOk, 0.8);
  EXPECT_DOUBLE_EQ(*r.Ttft(), 0.5);
  EXPECT_DOUBLE_EQ(*r.E2e(), 0.8);
  EXPECT_EQ(r.token_chunks(), 2u);
  EXPECT_EQ(r.n_out(), 2u);
  ASSERT_EQ(Icl(r).size(), 1u);
  EXPECT_DOUBLE_EQ(Icl(r)[0], 0.2);
  EXPECT_DOUBLE_EQ(*r.Tpot(), 0.3);  // (0.8 - 0.5) / 1
}

TEST(RecordTest, FirstChunkExtraTokensGiveNoItl) {
  RequestRecord r(0.0);
  r.AddChunk(1.0, 3);
  r.AddChunk(2.0, 1);
  EXPECT_EQ(r.n_out(), 4u);
  EXPECT_EQ(r.itl_count(), 1u);  // n_out - k_1
  EXPECT_DOUBLE_EQ(Itl(r)[0].first, 1.0);
  EXPECT_DOUBLE_EQ(*r.Tpot(), 1.0 / 3);
}

TEST(RecordTest, UsageOverridesChunkCount) {
  RequestRecord r(0.0);
  r.AddChunk(1.0, 1);
  r.AddChunk(2.0, 1);
  r.SetOutputTokens(5);  // the deltas held more tokens than the client counted
  r.Finish(Outcome::kOk, 2.0);
  EXPECT_EQ(r.token_source(), TokenSource::kUsage);
  EXPECT_EQ(r.n_out(), 5u);
  EXPECT_EQ(r.chunk_tokens(), 2u);
  EXPECT_DOUBLE_EQ(*r.Tpot(), 0.25);  // (2 - 1) / 4
  EXPECT_DOUBLE_EQ(*r.Ntpot(), 0.4);
}

TEST(RecordTest, NoChunksUsesFinishTime) {
  RequestRecord r(1.0);
  r.Finish(Outcome::kOk, 3.0);
  EXPECT_FALSE(r.Ttft());
  EXPECT_DOUBLE_EQ(*r.E2e(), 2.0);
  EXPECT_FALSE(r.Ntpot());  // n_out = 0

  RequestRecord unfinished(1.0);
  EXPECT_EQ(unfinished.outcome(), Outcome::kUnfinished);
  EXPECT_FALSE(unfinished.E2e());
}

TEST(RecordTest, KeepsChunksOnlyWhenAsked) {
  EXPECT_TRUE(Example(false).chunks().empty());
  const RequestRecord r = Example(true);
  ASSERT_EQ(r.chunks().size(), 3u);
  EXPECT_DOUBLE_EQ(r.chunks()[1].t, 1.5);
  EXPECT_EQ(r.chunks()[1].tokens, 2u);
}

TEST(RecordTest, ErrorsAndOutcomeNames) {
  RequestRecord r(0.0);
  r.FinishError(0.5, 503, "server_error");
  EXPECT_EQ(r.outcome(), Outcome::kError);
  EXPECT_EQ(r.http_status, 503);
  EXPECT_EQ(r.error_type, "server_error");
  for (int i = 0; i < kOutcomeCount; ++i) {
    const auto o = static_cast<Outcome>(i);
    EXPECT_EQ(*ParseOutcome(OutcomeName(o)), o);
  }
  EXPECT_FALSE(ParseOutcome("lost"));
  EXPECT_FALSE(IsFailure(Outcome::kOk));
  EXPECT_FALSE(IsFailure(Outcome::kUnfinished));
  EXPECT_TRUE(IsFailure(Outcome::kDropped));
  EXPECT_TRUE(IsFailure(Outcome::kCancelled));
}

TEST(RecordTest, CsvAndJson) {
  RequestRecord r = Example(true);
  r.replica = 3;
  EXPECT_EQ(RecordCsvHeader(),
            "class,replica,outcome,http_status,error_type,token_source,t_send,t_sched,t_first,"
            "t_last,n_in,n_cached,n_out,chunks,ttft,e2e,tpot,ntpot,queue,tps_user\n");
  const std::string row = RecordCsvRow(r, "chat, eu");
  EXPECT_EQ(row.rfind("\"chat, eu\",3,ok,0,,chunks,0.2,0.5,1,2.5,100,40,4,3,", 0), 0u) << row;
  EXPECT_EQ(row.back(), '\n');

  const auto j = RecordToJson(r);
  EXPECT_EQ(j["class"], "0");
  EXPECT_EQ(j["outcome"], "ok");
  EXPECT_EQ(j["n_out"], 4);
  EXPECT_DOUBLE_EQ(j["ttft"].get<double>(), 0.8);
  EXPECT_EQ(j["chunk_tokens"], nlohmann::ordered_json::parse("[1,2,1]"));

  RequestRecord single(0.0);
  single.AddChunk(1.0, 1);
  single.Finish(Outcome::kOk, 1.0);
  EXPECT_TRUE(RecordToJson(single)["tpot"].is_null());
  EXPECT_FALSE(RecordToJson(single).contains("chunk_times"));
  EXPECT_EQ(RecordCsvRow(single), "0,-1,ok,0,,chunks,0,,1,1,0,0,1,1,1,1,,1,,\n");
}

}  // namespace
}  // namespace aiinfra::metrics
