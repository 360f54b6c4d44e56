#include "workload/sessions.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace aiinfra::workload {
namespace {

// How many leading hashes two lists share.
size_t Common(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

TEST(SessionsTest, PromptGrowsByAnswerAndNewTokens) {
  const PrefixHasher hasher(ClassTag(1, 0), 100, 16);
  SessionState s = StartSession(7, SessionTag(1, 7), 0, 3, hasher);
  auto t0 = NextTurn(s, 0, 0.0, 50, 30, hasher);
  auto t1 = NextTurn(s, 1, 5.0, 20, 40, hasher);
  auto t2 = NextTurn(s, 2, 9.0, 10, 10, hasher);
  ASSERT_TRUE(t0 && t1 && t2);
  EXPECT_EQ(t0->input_tokens, 150);            // system + user
  EXPECT_EQ(t1->input_tokens, 150 + 30 + 20);  // + answer + new user tokens
  EXPECT_EQ(t2->input_tokens, 200 + 40 + 10);
  EXPECT_EQ(t2->turn, 2);
  EXPECT_EQ(t2->session_id, 7u);
  EXPECT_TRUE(s.Done());
  // Hashes cover the full blocks only.
  EXPECT_EQ(t0->prefix_hashes.size(), 150u / 16);
  EXPECT_EQ(t2->prefix_hashes.size(), 250u / 16);
  EXPECT_EQ(t2->hash_block_tokens, 16);
  // Each turn's prompt starts with the previous turn's: its hashes are a prefix.
  EXPECT_EQ(Common(t0->prefix_hashes, t1->prefix_hashes), t0->prefix_hashes.size());
  EXPECT_EQ(Common(t1->prefix_hashes, t2->prefix_hashes), t1->prefix_hashes.size());
}

TEST(SessionsTest, SessionsOfAClassShareExactlyTheSystemBlocks) {
  const PrefixHasher hasher(ClassTag(1, 0), 100, 16);  // 6 full system blocks, the 7th straddles
  const auto a = hasher.Hashes(SessionTag(1, 1), 400);
  const auto b = hasher.Hashes(SessionTag(1, 2), 400);
  EXPECT_EQ(Common(a, b), 6u);
  // Another class: nothing shared.
  const PrefixHasher other(ClassTag(1, 1), 100, 16);
  EXPECT_EQ(Common(a, other.Hashes(SessionTag(1, 1), 400)), 0u);
  // Another run seed: nothing shared.
  const PrefixHasher other_run(ClassTag(2, 0), 100, 16);
  EXPECT_EQ(Common(a, other_run.Hashes(SessionTag(2, 1), 400)), 0u);
  // All hashes of one prompt are distinct (the chain does not cycle).
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
}

TEST(SessionsTest, NoSystemPromptSharesNothingAcrossSessions) {
  const PrefixHasher hasher(ClassTag(3, 0), 0, 16);
  EXPECT_EQ(Common(hasher.Hashes(SessionTag(3, 1), 64), hasher.Hashes(SessionTag(3, 2), 64)), 0u);
  EXPECT_TRUE(hasher.Hashes(SessionTag(3, 1), 15).empty());
}

TEST(SessionsTest, MaxContextEndsASessionButNotItsFirstTurn) {
  const PrefixHasher hasher(ClassTag(1, 0), 0, 16);
  SessionState s = StartSession(1, SessionTag(1, 1), 0, 10, hasher);
  ASSERT_TRUE(NextTurn(s, 0, 0, 900, 200, hasher, 1000));  // first turn always goes
  EXPECT_FALSE(NextTurn(s, 1, 1, 10, 10, hasher, 1000));   // 1110 + 10 > 1000
  EXPECT_TRUE(s.Done());
}

TEST(SessionsTest, ParsesTheYaml) {
  auto node = ParseYaml(
      "turns: {kind: uniform, min: 2, max: 6}\nthink_time: {kind: exponential, mean: 20s}\n"
      "new_tokens: {kind: lognormal, median: 100, sigma: 0.5}\nmax_context: 32768\n",
      "s.yaml");
  ASSERT_TRUE(node.has_value());
  auto spec = ParseSessionSpec(*node, "");
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  EXPECT_EQ(spec->max_context, 32768);
  EXPECT_TRUE(spec->new_tokens.has_value());
  auto missing = ParseYaml("turns: 3\n", "s.yaml");
  auto error = ParseSessionSpec(*missing, "");
  ASSERT_FALSE(error.has_value());
  EXPECT_NE(error.error().message.find("think_time"), std::string::npos);
}

// Without max_context a session grew its prompt (and the prompt's hashes) for as many turns as
// it had: 2^20 turns of 1e9 tokens asked for 1e15-token prompts.
TEST(SessionsTest, WithoutMaxContextSessionsStopAtTheTokenLimit) {
  const PrefixHasher hasher(ClassTag(1, 0), 0, 1 << 30);  // big blocks: few hashes
  SessionState s = StartSession(1, SessionTag(1, 1), 0, 100, hasher);
  auto first =
      NextTurn(s, 0, 0.0, 600'000'000, 100'000'000, hasher);  // the first turn is always sent
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->input_tokens, 600000000);
  EXPECT_FALSE(NextTurn(s, 1, 1.0, 300'000'000, 1, hasher).has_value());  // 1e9 + 1 would pass it
  EXPECT_TRUE(s.Done());

  SessionState t = StartSession(2, SessionTag(1, 2), 0, 100, hasher);
  ASSERT_TRUE(NextTurn(t, 0, 0.0, 600'000'000, 100'000'000, hasher).has_value());
  auto second = NextTurn(t, 1, 1.0, 299'999'999, 1, hasher);  // exactly 1e9: sent
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->input_tokens + second->output_tokens, kMaxTokens);
}

TEST(SessionsTest, MaxContextAboveTheTokenLimitIsAnError) {
  auto node = ParseYaml("turns: 3\nthink_time: 1s\nmax_context: 1e12\n", "s.yaml");
  ASSERT_TRUE(node.has_value());
  auto spec = ParseSessionSpec(*node, "");
  ASSERT_FALSE(spec.has_value());
  EXPECT_EQ(spec.error().where.line, 3);
  EXPECT_EQ(spec.error().where.field, "max_context");
  EXPECT_NE(spec.error().message.find("above the limit of 1000000000 tokens"), std::string::npos);
  node = ParseYaml("turns: {kind: uniform, min: 1, max: 2e9}\nthink_time: 1s\n", "s.yaml");
  ASSERT_TRUE(node.has_value());
  EXPECT_FALSE(ParseSessionSpec(*node, "").has_value());
}

}  // namespace
}  // namespace aiinfra::workload
