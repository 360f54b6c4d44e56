#include "sim/router.h"

#include <gtest/gtest.h>

namespace aiinfra::sim {
namespace {

std::vector<ReplicaLoad> Loads(std::vector<std::pair<int64_t, double>> q_kv) {
  std::vector<ReplicaLoad> out;
  for (auto [q, kv] : q_kv)
    out.push_back({.ready = true, .running = q, .waiting = 0, .kv_usage = kv});
  return out;
}

TEST(RouterTest, PolicyNamesRoundTrip) {
  for (RoutePolicy p :
       {RoutePolicy::kRoundRobin, RoutePolicy::kRandom, RoutePolicy::kLeastOutstanding,
        RoutePolicy::kLeastKvUsage, RoutePolicy::kSessionAffinity, RoutePolicy::kPrefixAffinity}) {
    EXPECT_EQ(*ParseRoutePolicy(RoutePolicyName(p)), p);
  }
  auto bad = ParseRoutePolicy("fastest");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("one of: round-robin"), std::string::npos);
}

TEST(RouterTest, RoundRobinSkipsReplicasThatAreNotReady) {
  Router r({.policy = RoutePolicy::kRoundRobin});
  auto loads = Loads({{0, 0}, {0, 0}, {0, 0}});
  loads[1].ready = false;
  std::vector<int> picks;
  for (int i = 0; i < 4; ++i) picks.push_back(r.Route(loads, {}));
  EXPECT_EQ(picks, (std::vector<int>{0, 2, 0, 2}));
  for (auto& l : loads) l.ready = false;
  EXPECT_EQ(r.Route(loads, {}), -1);
}

TEST(RouterTest, RandomIsSeededAndCoversTheReplicas) {
  Router a({.policy = RoutePolicy::kRandom, .seed = 3}),
      b({.policy = RoutePolicy::kRandom, .seed = 3});
  auto loads = Loads({{0, 0}, {0, 0}, {0, 0}, {0, 0}});
  std::vector<int> count(4);
  for (int i = 0; i < 4000; ++i) {
    const int x = a.Route(loads, {});
    EXPECT_EQ(x, b.Route(loads, {}));
    ++count[x];
  }
  for (int c : count) EXPECT_NEAR(c, 1000, 150);
}

TEST(RouterTest, LeastOutstandingAndLeastKv) {
  auto loads = Loads({{5, 0.1}, {2, 0.9}, {3, 0.5}});
  loads[0].waiting = 1;
  Router lo({.policy = RoutePolicy::kLeastOutstanding});
  EXPECT_EQ(lo.Route(loads, {}), 1);
  Router kv({.policy = RoutePolicy::kLeastKvUsage});
  EXPECT_EQ(kv.Route(loads, {}), 0);
}

TEST(RouterTest, SessionAffinityStaysUntilTheReplicaGoesAway) {
  Router r({.policy = RoutePolicy::kSessionAffinity});
  auto loads = Loads({{4, 0}, {1, 0}, {2, 0}});
  EXPECT_EQ(r.Route(loads, {.session = 7}), 1);
  loads[1].running = 10;  // busier now, but the session stays
  EXPECT_EQ(r.Route(loads, {.session = 7}), 1);
  EXPECT_EQ(r.Route(loads, {.session = 8}), 2);  // a new session: least outstanding
  loads[1].ready = false;
  EXPECT_EQ(r.Route(loads, {.session = 7}), 2);  // moved
  loads[1].ready = true;
  EXPECT_EQ(r.Route(loads, {.session = 7}), 2);  // and stays on the new one
}

TEST(RouterTest, PrefixAffinityWeighsPrefixAgainstLoad) {
  Router r({.policy = RoutePolicy::kPrefixAffinity});
  const std::vector<uint64_t> chat = {1, 2, 3, 4};
  auto loads = Loads({{0, 0}, {0, 0}});
  EXPECT_EQ(r.Route(loads, {.hashes = &chat}), 0);  // tie: the lowest index
  // Replica 0 is now a bit busier, but has the prefix: 1 (prefix) + 0 (queue) + 1 (kv) = 2
  // against 0 + 1 + 1 = 2 for replica 1; a tie again goes to 0.
  loads[0].running = 3;
  EXPECT_EQ(r.Route(loads, {.hashes = &chat}), 0);
  // Half the KV used on replica 0 tips it: 1 + 0 + 0.5 = 1.5 < 2.
  loads[0].kv_usage = 0.5;
  EXPECT_EQ(r.Route(loads, {.hashes = &chat}), 1);
  // Both replicas have now seen {1, 2, 3, 4}. A prompt sent only to replica 1 ({7, 8}, while
  // replica 0 is busy) makes replica 1 the better home for a later {7, 8, 9} on idle replicas.
  const std::vector<uint64_t> other = {7, 8};
  EXPECT_EQ(r.Route(loads, {.hashes = &other}), 1);
  loads[0] = loads[1] = {.ready = true};
  const std::vector<uint64_t> longer = {7, 8, 9};
  EXPECT_EQ(r.Route(loads, {.hashes = &longer}), 1);
}

TEST(RouterTest, PrefixEstimateIsBoundedAndForgotten) {
  Router r(
      {.policy = RoutePolicy::kPrefixAffinity, .prefix_weight = 2, .prefix_blocks_per_replica = 2});
  auto loads = Loads({{0, 0}, {0, 0}});
  const std::vector<uint64_t> a = {1, 2, 3};
  EXPECT_EQ(r.Route(loads, {.hashes = &a}), 0);
  // Only two blocks kept, the leading ones: replica 0 scores 0 + 1 + 2 x 2/3 = 2.33 against
  // replica 1's 1 + 1 + 0 = 2.
  loads[0].running = 1;
  EXPECT_EQ(r.Route(loads, {.hashes = &a}), 0);
  r.Forget(0);
  EXPECT_EQ(r.Route(loads, {.hashes = &a}), 1);
}

}  // namespace
}  // namespace aiinfra::sim
