#include "sim/capacity.h"

#include <gtest/gtest.h>

namespace aiinfra::sim {
namespace {

TEST(ClusterCapacityTest, SmallReplicasShareASystemFirstFit) {
  ClusterCapacity c({{.count = 2, .gpus_per_system = 8}});
  Placement a, b, d, e;
  ASSERT_TRUE(c.Place(0, 4, a));
  ASSERT_TRUE(c.Place(0, 2, b));
  ASSERT_TRUE(c.Place(0, 4, d));  // 2 left on system 0: goes to system 1
  EXPECT_EQ(a, (Placement{{0, 4}}));
  EXPECT_EQ(b, (Placement{{0, 2}}));
  EXPECT_EQ(d, (Placement{{1, 4}}));
  EXPECT_EQ(c.free_gpus(0), 6);
  EXPECT_FALSE(c.Place(0, 8, e));  // 2 + 4 free, never 8 on one system
  EXPECT_TRUE(e.empty());
  c.Release(0, a);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(c.free_gpus(0), 10);
}

TEST(ClusterCapacityTest, LargeReplicasTakeWholeSystems) {
  ClusterCapacity c({{.count = 3, .gpus_per_system = 8}});
  Placement small, big, other;
  ASSERT_TRUE(c.Place(0, 1, small));
  ASSERT_TRUE(c.Place(0, 16, big));  // systems 1 and 2
  EXPECT_EQ(big, (Placement{{1, 8}, {2, 8}}));
  c.Release(0, big);
  EXPECT_FALSE(c.Place(0, 24, other));  // system 0 is not whole
  EXPECT_EQ(c.free_gpus(0), 23);
}

TEST(ClusterCapacityTest, KindsAreSeparateAndUnknownKindsUnlimited) {
  ClusterCapacity c({{.count = 1, .gpus_per_system = 72}, {.count = 1, .gpus_per_system = 8}});
  Placement a, b, u;
  ASSERT_TRUE(c.Place(1, 8, a));
  EXPECT_FALSE(c.Place(1, 8, b));
  EXPECT_TRUE(c.Place(0, 8, b));
  EXPECT_TRUE(c.Place(-1, 1000, u));
  EXPECT_TRUE(u.empty());
  EXPECT_EQ(c.free_gpus(0), 64);
}

}  // namespace
}  // namespace aiinfra::sim
