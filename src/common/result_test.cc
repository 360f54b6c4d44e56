#include "common/result.h"

#include <gtest/gtest.h>

namespace aiinfra {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Fail(ErrorCode::kInvalidInput, "odd", Location{"f.yaml", 3, 5, "n"});
  return x / 2;
}

Result<int> Quarter(int x) {
  AIINFRA_TRY(int h, Half(x));
  AIINFRA_TRY(int q, Half(h));
  return q;
}

Status CheckEven(int x) {
  AIINFRA_CHECK_OK(Half(x));
  return {};
}

TEST(ResultTest, TryPropagatesTheFirstError) {
  EXPECT_EQ(Quarter(8).value(), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "odd");
  EXPECT_TRUE(CheckEven(4));
  EXPECT_FALSE(CheckEven(3));
}

TEST(ResultTest, ToStringShowsTheKnownPartsOfTheLocation) {
  EXPECT_EQ(Half(3).error().ToString(), "f.yaml:3:5: n: odd");
  EXPECT_EQ((Error{ErrorCode::kUsage, "bad", {}}).ToString(), "bad");
  EXPECT_EQ((Error{ErrorCode::kUsage, "bad", {"", 7, 0, ""}}).ToString(), "line 7: bad");
  EXPECT_EQ((Error{ErrorCode::kUsage, "bad", {"a.yaml", 0, 0, "x.y"}}).ToString(),
            "a.yaml: x.y: bad");
  EXPECT_STREQ(ErrorCodeName(ErrorCode::kNoResult), "no result");
}

}  // namespace
}  // namespace aiinfra
