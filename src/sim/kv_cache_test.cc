#include "sim/kv_cache.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace aiinfra::sim {
namespace {

TEST(KvCacheTest, AllocatesAndFreesBlocks) {
  KvCache kv(4, 16, true);
  std::vector<int32_t> a, b;
  EXPECT_TRUE(kv.Allocate(3, a));
  EXPECT_EQ(kv.free_blocks(), 1);
  EXPECT_DOUBLE_EQ(kv.usage(), 0.75);
  EXPECT_FALSE(kv.Allocate(2, b));  // all or nothing
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(kv.free_blocks(), 1);
  kv.Free(a);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(kv.free_blocks(), 4);
}

TEST(KvCacheTest, FreedBlocksStayFindableUntilEvictedLeastRecentlyFreedFirst) {
  KvCache kv(3, 16, true);
  std::vector<int32_t> a;
  ASSERT_TRUE(kv.Allocate(2, a));
  kv.Register(a[0], 100);
  kv.Register(a[1], 101);
  kv.Free(a);  // freed in reverse: 101's block first, so it is evicted first
  EXPECT_EQ(kv.CachedPrefix({100, 101, 102}, 10), 2);
  std::vector<int32_t> b;
  ASSERT_TRUE(kv.Allocate(2, b));  // the never-used block, then 101's
  EXPECT_EQ(kv.CachedPrefix({100, 101}, 10), 1);
  ASSERT_TRUE(kv.Allocate(1, b));  // now 100's
  EXPECT_EQ(kv.CachedPrefix({100}, 10), 0);
}

TEST(KvCacheTest, CachedBlocksAreSharedWithReferenceCounts) {
  KvCache kv(4, 16, true);
  std::vector<int32_t> a, b, c;
  ASSERT_TRUE(kv.Allocate(2, a));
  kv.Register(a[0], 7);
  kv.Register(a[1], 8);
  EXPECT_EQ(kv.CachedPrefix({7, 8, 9}, 10), 2);
  EXPECT_EQ(kv.CachedPrefix({7, 8, 9}, 1), 1);  // capped
  EXPECT_EQ(kv.FreeAmongCached({7, 8}, 2), 0);  // held by a: not in the free queue
  kv.TakeCached({7, 8}, 2, b);
  EXPECT_EQ(b, a);
  kv.Free(a);
  EXPECT_EQ(kv.free_blocks(), 2);  // b still holds them
  kv.Free(b);
  EXPECT_EQ(kv.free_blocks(), 4);
  EXPECT_EQ(kv.FreeAmongCached({7, 8}, 2), 2);
  kv.TakeCached({7}, 1, c);  // a hit on a free block takes it out of the free queue
  EXPECT_EQ(kv.free_blocks(), 3);
}

TEST(KvCacheTest, FirstRegistrationOfAHashWins) {
  KvCache kv(2, 16, true);
  std::vector<int32_t> a;
  ASSERT_TRUE(kv.Allocate(2, a));
  kv.Register(a[0], 5);
  kv.Register(a[1], 5);
  std::vector<int32_t> b;
  kv.TakeCached({5}, 1, b);
  EXPECT_EQ(b[0], a[0]);
}

TEST(KvCacheTest, WithoutPrefixCachingNothingIsFound) {
  KvCache kv(2, 16, false);
  std::vector<int32_t> a;
  ASSERT_TRUE(kv.Allocate(1, a));
  kv.Register(a[0], 5);
  EXPECT_EQ(kv.CachedPrefix({5}, 10), 0);
}

// The hash index against a reference map, through many allocate / register / free cycles that
// make it evict, reuse tombstones and rebuild.
TEST(KvCacheTest, HashIndexAgreesWithAReferenceMap) {
  KvCache kv(64, 16, true);
  std::mt19937_64 rng(3);
  std::unordered_map<uint64_t, int32_t> ref;    // hash -> block
  std::unordered_map<int32_t, uint64_t> owner;  // block -> its registered hash
  for (int round = 0; round < 20000; ++round) {
    std::vector<int32_t> held;
    const int64_t n = 1 + static_cast<int64_t>(rng() % 8);
    ASSERT_TRUE(kv.Allocate(n, held));
    for (int32_t b : held) {  // handed out again: whatever it held is gone
      if (auto it = owner.find(b); it != owner.end()) {
        if (ref[it->second] == b) ref.erase(it->second);
        owner.erase(it);
      }
    }
    for (int32_t b : held) {
      const uint64_t h = rng() % 300;
      kv.Register(b, h);
      if (ref.emplace(h, b).second) owner[b] = h;
    }
    kv.Free(held);
    for (int probe = 0; probe < 4; ++probe) {
      const uint64_t h = rng() % 300;
      ASSERT_EQ(kv.CachedPrefix({h}, 1), ref.contains(h) ? 1 : 0) << "round " << round;
    }
  }
}

}  // namespace
}  // namespace aiinfra::sim
