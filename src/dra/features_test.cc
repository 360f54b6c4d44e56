#include "dra/features.h"

#include <gtest/gtest.h>

namespace aiinfra::dra {
namespace {

TEST(FeaturesTest, Kubernetes135EnablesTheBetaFeatures) {
  Features f = Features::Kubernetes135Defaults();
  EXPECT_EQ(f.Names(), (std::vector<std::string>{"AdminAccess", "PrioritizedList"}));
  EXPECT_TRUE(Features::None().Names().empty());
  EXPECT_EQ(Features::All().Names(), FeatureNames());
}

TEST(FeaturesTest, ParsesExactSetsAndNone) {
  auto f = ParseFeatures("DeviceTaints, ConsumableCapacity");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->Names(), (std::vector<std::string>{"DeviceTaints", "ConsumableCapacity"}));
  EXPECT_EQ(*ParseFeatures("none"), Features::None());
  auto bad = ParseFeatures("AdminAccess,Taints");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kUsage);
  EXPECT_NE(bad.error().message.find("'Taints'"), std::string::npos);
  EXPECT_FALSE(ParseFeatures(""));
  EXPECT_FALSE(ParseFeatures("adminaccess"));  // upstream's names are case-sensitive
}

}  // namespace
}  // namespace aiinfra::dra
