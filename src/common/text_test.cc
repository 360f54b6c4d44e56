#include "common/text.h"

#include <gtest/gtest.h>

namespace aiinfra {
namespace {

TEST(TextTest, SplitListTrimsAndDropsEmptyItems) {
  EXPECT_EQ(SplitList("a, b,,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(SplitList(""), std::vector<std::string>{});
  EXPECT_EQ(SplitList(",,"), std::vector<std::string>{});
  EXPECT_EQ(SplitList("x=1;y=2", ';'), (std::vector<std::string>{"x=1", "y=2"}));
  EXPECT_EQ(SplitList("one"), std::vector<std::string>{"one"});
}

TEST(TextTest, Fnv1a64MatchesThePublishedVectors) {
  // Test vectors of the FNV reference (http://www.isthe.com/chongo/src/fnv/test_fnv.c).
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(TextTest, ToLowerAsciiLeavesOtherBytesAlone) {
  EXPECT_EQ(ToLowerAscii("H200-SXM"), "h200-sxm");
  EXPECT_EQ(ToLowerAscii("Ünïcode ÄB"), "Ünïcode Äb");
  EXPECT_EQ(ToLowerAscii(""), "");
}

}  // namespace
}  // namespace aiinfra
