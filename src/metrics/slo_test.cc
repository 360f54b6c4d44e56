#include "metrics/slo.h"

#include <gtest/gtest.h>

namespace aiinfra::metrics {
namespace {

RequestRecord Example() {
  RequestRecord r(0.2);
  r.AddChunk(1.0, 1);
  r.AddChunk(1.5, 2);
  r.AddChunk(2.5, 1);
  r.Finish(Outcome::kOk, 2.5);
  return r;  // ttft 0.8, e2e 2.3, tpot 0.5, itl {0.25, 0.25, 1.0}
}

TEST(SloTest, ParsesTheTextForms) {
  auto ttft = ParseSlo("ttft<=200ms");
  ASSERT_TRUE(ttft) << ttft.error().ToString();
  EXPECT_EQ(ttft->metric, SloMetric::kTtft);
  EXPECT_EQ(ttft->scope, SloScope::kPerRequest);
  EXPECT_DOUBLE_EQ(ttft->bound, 0.2);

  auto itl = ParseSlo(" itl.p99 <= 60ms ");
  ASSERT_TRUE(itl);
  EXPECT_EQ(itl->metric, SloMetric::kItl);
  EXPECT_EQ(itl->scope, SloScope::kPerRequest);
  EXPECT_DOUBLE_EQ(itl->percentile, 0.99);

  auto run = ParseSlo("p99.9(e2e)<=10s");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->metric, SloMetric::kE2e);
  EXPECT_EQ(run->scope, SloScope::kRun);
  EXPECT_DOUBLE_EQ(run->percentile, 0.999);
  EXPECT_DOUBLE_EQ(run->bound, 10);

  auto set = ParseSloSet("ttft<=1s, tpot<=50ms,p90(itl)<=80ms");
  ASSERT_TRUE(set);
  ASSERT_EQ(set->size(), 3u);
  EXPECT_EQ(FormatSlo((*set)[0]), "ttft<=1s");
  EXPECT_EQ(FormatSlo((*set)[1]), "tpot<=50ms");
  EXPECT_EQ(FormatSlo((*set)[2]), "p90(itl)<=80ms");
  EXPECT_EQ(FormatSlo(*itl), "itl.p99<=60ms");
  EXPECT_EQ(FormatSlo(*run), "p99.9(e2e)<=10s");
  EXPECT_TRUE(ParseSloSet("")->empty());
}

TEST(SloTest, RefusesWithAReason) {
  for (const char* bad : {"ttft", "ttft<=200", "speed<=1s", "ttft.p99<=1s", "p0(ttft)<=1s",
                          "p101(ttft)<=1s", "p90(ttft<=1s", "q90(ttft)<=1s", "itl.x<=1s"}) {
    auto slo = ParseSlo(bad);
    ASSERT_FALSE(slo) << bad;
    EXPECT_EQ(slo.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(slo.error().message.find(bad), std::string::npos) << slo.error().message;
  }
  EXPECT_FALSE(ParseSloSet("ttft<=1s,nope"));
}

TEST(SloTest, JudgesARequest) {
  const RequestRecord r = Example();
  auto meets = [&](const char* text) { return MeetsSlo(*ParseSlo(text), r); };
  EXPECT_TRUE(meets("ttft<=801ms"));
  EXPECT_FALSE(meets("ttft<=799ms"));
  EXPECT_TRUE(meets("e2e<=2.31s"));
  EXPECT_FALSE(meets("e2e<=2s"));
  EXPECT_TRUE(meets("tpot<=501ms"));
  EXPECT_FALSE(meets("tpot<=499ms"));
  // itl judges the request's own token gaps {0.25, 0.25, 1.0}: the largest by default.
  EXPECT_FALSE(meets("itl<=500ms"));
  EXPECT_TRUE(meets("itl<=1s"));
  EXPECT_TRUE(meets("itl.p50<=250ms"));
  EXPECT_FALSE(meets("itl.p90<=500ms"));  // rank 1.8: 0.25 + 0.8 * 0.75 = 0.85

  EXPECT_TRUE(MeetsSlos(*ParseSloSet("ttft<=1s,tpot<=1s,p50(ttft)<=1ms"), r));  // run SLO skipped
  EXPECT_FALSE(MeetsSlos(*ParseSloSet("ttft<=1s,itl<=0.5s"), r));
  EXPECT_TRUE(HasPerRequestSlo(*ParseSloSet("ttft<=1s")));
  EXPECT_FALSE(HasPerRequestSlo(*ParseSloSet("p90(ttft)<=1s")));
}

TEST(SloTest, UndefinedMetrics) {
  RequestRecord single(0);
  single.AddChunk(0.5, 1);
  single.Finish(Outcome::kOk, 0.5);
  EXPECT_TRUE(MeetsSlo(*ParseSlo("tpot<=1ms"), single));  // no tpot: nothing to miss
  EXPECT_TRUE(MeetsSlo(*ParseSlo("itl<=1ms"), single));
  RequestRecord empty(0);
  empty.Finish(Outcome::kOk, 0.5);
  EXPECT_FALSE(MeetsSlo(*ParseSlo("ttft<=1s"), empty));  // no first token: not met
}

}  // namespace
}  // namespace aiinfra::metrics
