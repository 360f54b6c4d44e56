#include "workload/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "workload/test_util.h"

namespace aiinfra::workload {
namespace {

using testing_util::MustParse;
using testing_util::Pull;
using testing_util::ReadmeExamples;

TEST(GeneratorTest, SyntheticRequestsComeInArrivalOrderWithinTheHorizon) {
  auto spec = ParseWorkloadYaml(ReadmeExamples().at(0), "README.md");
  ASSERT_TRUE(spec.has_value());
  auto g = WorkloadGenerator::Create(*spec);
  ASSERT_TRUE(g.has_value()) << g.error().ToString();
  EXPECT_EQ(g->ClosedLoopUsers(3), 16);
  EXPECT_EQ(g->ClosedLoopUsers(0), 0);
  const std::vector<RequestSpec> requests = Pull(*g);
  ASSERT_GT(requests.size(), 10000u);
  std::map<int, int> first_turns;
  std::map<uint64_t, const RequestSpec*> last_of_session;
  for (size_t i = 0; i < requests.size(); ++i) {
    const RequestSpec& r = requests[i];
    ASSERT_EQ(r.id, i);
    ASSERT_LT(r.arrival, 600);
    if (i > 0) {
      ASSERT_GE(r.arrival, requests[i - 1].arrival);
    }
    ASSERT_NE(r.class_index, 3) << "closed-loop classes are not yielded by Next";
    ASSERT_GE(r.input_tokens, 1);
    ASSERT_GE(r.output_tokens, 1);
    ASSERT_EQ(r.prefix_hashes.size(), static_cast<size_t>(r.input_tokens / 16));
    if (r.turn == 0) ++first_turns[r.class_index];
    if (r.class_index == 2) {
      ASSERT_LT(std::fmod(r.arrival, 300.0), 30.0);  // on/off
    }
    auto it = last_of_session.find(r.session_id);
    if (it != last_of_session.end()) {
      const RequestSpec& prev = *it->second;
      ASSERT_EQ(r.turn, prev.turn + 1);
      ASSERT_GT(r.input_tokens, prev.input_tokens + prev.output_tokens);
      ASSERT_TRUE(std::equal(prev.prefix_hashes.begin(), prev.prefix_hashes.end(),
                             r.prefix_hashes.begin()));
    } else {
      ASSERT_EQ(r.turn, 0);
    }
    last_of_session[r.session_id] = &r;
  }
  // The shared gamma process (20/s for 600 s) is dealt 3:1; its CV of 2 makes counts noisy, so
  // only the split is checked tightly.
  const double chat = first_turns[0], code = first_turns[1];
  EXPECT_NEAR(chat + code, 12000, 12000 * 0.1);
  EXPECT_NEAR(chat / (chat + code), 0.75, 0.02);
  // on/off: 2 on-periods of 30 s at 40/s.
  EXPECT_NEAR(first_turns[2], 2400, 250);
}

TEST(GeneratorTest, SameSeedSameRequestsOtherSeedOthers) {
  const std::string yaml = ReadmeExamples().at(0);
  auto a = WorkloadGenerator::Create(*ParseWorkloadYaml(yaml, "a.yaml"));
  auto b = WorkloadGenerator::Create(*ParseWorkloadYaml(yaml, "b.yaml"));
  WorkloadSpec other_spec = *ParseWorkloadYaml(yaml, "c.yaml");
  other_spec.seed = 8;
  auto c = WorkloadGenerator::Create(other_spec);
  ASSERT_TRUE(a && b && c);
  const auto ra = Pull(*a, 3000), rb = Pull(*b, 3000), rc = Pull(*c, 3000);
  EXPECT_EQ(ra, rb);
  EXPECT_NE(ra, rc);
  // Closed-loop draws are deterministic too.
  EXPECT_EQ(a->NextClosedLoopRequest(3, 0, 1.0), b->NextClosedLoopRequest(3, 0, 1.0));
  EXPECT_EQ(a->NextThinkTime(3, 0), b->NextThinkTime(3, 0));
}

TEST(GeneratorTest, AddingAClassLeavesTheOthersArrivalsAlone) {
  const std::string one =
      "duration: 100s\nclasses:\n"
      "  - {name: a, arrivals: {kind: poisson, rate: 10}, input: 100, output: 10}\n";
  const std::string two = one +
                          "  - {name: b, arrivals: {kind: poisson, rate: 50}, input: {kind: "
                          "uniform, min: 1, max: 9}, output: 10}\n";
  auto g1 = WorkloadGenerator::Create(MustParse(one));
  auto g2 = WorkloadGenerator::Create(MustParse(two));
  ASSERT_TRUE(g1 && g2);
  std::vector<double> a1, a2;
  for (const RequestSpec& r : Pull(*g1)) a1.push_back(r.arrival);
  for (const RequestSpec& r : Pull(*g2)) {
    if (r.class_index == 0) a2.push_back(r.arrival);
  }
  EXPECT_EQ(a1, a2);
}

TEST(GeneratorTest, ClosedLoopUsersRunSessionsBackToBack) {
  const WorkloadSpec spec = MustParse(
      "seed: 1\nclasses:\n"
      "  - name: agent\n"
      "    closed_loop: {users: 2, think_time: 3s}\n"
      "    input: 100\n    output: 20\n"
      "    session: {turns: 2, think_time: 500ms}\n");
  auto g = WorkloadGenerator::Create(spec);  // closed loop only: no duration needed
  ASSERT_TRUE(g.has_value()) << g.error().ToString();
  EXPECT_FALSE(g->Next()->has_value());
  const RequestSpec t0 = g->NextClosedLoopRequest(0, 1, 0.0);
  EXPECT_DOUBLE_EQ(g->NextThinkTime(0, 1), 0.5);  // between turns
  const RequestSpec t1 = g->NextClosedLoopRequest(0, 1, 2.0);
  EXPECT_DOUBLE_EQ(g->NextThinkTime(0, 1), 3.0);  // between sessions
  const RequestSpec t2 = g->NextClosedLoopRequest(0, 1, 6.0);
  EXPECT_EQ(t0.session_id, t1.session_id);
  EXPECT_EQ(t1.turn, 1);
  EXPECT_EQ(t1.input_tokens, 100 + 20 + 100);
  EXPECT_DOUBLE_EQ(t1.arrival, 2.0);
  EXPECT_NE(t2.session_id, t1.session_id);
  EXPECT_EQ(t2.turn, 0);
  EXPECT_NE(t0.id, t1.id);
}

TEST(GeneratorTest, ReplaysATraceFile) {
  std::vector<RequestSpec> written;
  for (int i = 0; i < 100; ++i) {
    RequestSpec r;
    r.id = r.session_id = i;
    r.arrival = i * 0.5;
    r.input_tokens = 100 + i;
    r.output_tokens = 10;
    written.push_back(r);
  }
  const std::string dir = testing::TempDir();
  std::ofstream(dir + "/replay.csv") << FormatTrace(TraceFormat::kSplitwise, written).value();
  const WorkloadSpec spec =
      MustParse("duration: 20s\ntrace: {format: splitwise, path: replay.csv, speedup: 2}\n", dir);
  auto g = WorkloadGenerator::Create(spec);
  ASSERT_TRUE(g.has_value()) << g.error().ToString();
  const auto requests = Pull(*g);
  ASSERT_EQ(requests.size(), 80u);  // arrivals i * 0.25 < 20
  EXPECT_DOUBLE_EQ(requests[79].arrival, 19.75);
  EXPECT_EQ(requests[79].input_tokens, 179);
  EXPECT_EQ(g->class_names(), std::vector<std::string>{"trace"});
}

TEST(GeneratorTest, ReplaysTheRealTraceAtARescaledRate) {
  const auto path = std::filesystem::path(AIINFRA_SOURCE_DIR) / ".." / "shared" / "data" /
                    "traces" / "splitwise_conv.csv";
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "no " << path.string() << " (../shared/data/traces is absent)";
  }
  // As if the scenario file sat at the repository's root.
  auto spec = ParseWorkloadYaml(ReadmeExamples().at(1), "README.md", AIINFRA_SOURCE_DIR);
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  auto g = WorkloadGenerator::Create(*spec);
  ASSERT_TRUE(g.has_value()) << g.error().ToString();
  const auto requests = Pull(*g);
  // The window holds more than 10000 rows; 10000 rescaled to 12/s span 833 s, inside the 30 min
  // horizon. Times count from the window's start (600 s of the trace).
  ASSERT_EQ(requests.size(), 10000u);
  EXPECT_NEAR((requests.size() - 1) / (requests.back().arrival - requests.front().arrival), 12,
              1e-6);
  EXPECT_GE(requests.front().arrival, 0);
  EXPECT_LT(requests.front().arrival, 1);
}

TEST(GeneratorTest, OpenLoopIsLazy) {
  // Three years at 1000/s would be 10^11 requests: only what is pulled is made.
  auto g = WorkloadGenerator::Create(
      MustParse("duration: 26280h\narrivals: {kind: poisson, rate: 1000}\n"
                "classes: [{name: a, input: 10, output: 10}]\n"));
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(Pull(*g, 1000).size(), 1000u);
}

}  // namespace
}  // namespace aiinfra::workload
