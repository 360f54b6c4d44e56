#include "dra/device_rules.h"

#include <gtest/gtest.h>

#include <regex>

namespace aiinfra::dra {
namespace {

Quantity Q(const char* text) { return *Quantity::Parse(text); }

Device WithMemory(std::optional<CapacityRequestPolicy> policy) {
  Device d;
  d.name = "gpu-0";
  d.capacity["memory"] = DeviceCapacity{Q("40Gi"), std::move(policy)};
  d.attributes["model"] = AttributeValue{AttributeValue::Kind::kString, 0, false, "H100"};
  d.attributes["other.example.com/numa"] = AttributeValue{AttributeValue::Kind::kInt, 1, false, ""};
  return d;
}

DeviceRequestSlot Asking(const char* memory) {
  DeviceRequestSlot slot;
  if (memory) slot.capacity = CapacityRequirements{{{"memory", Q(memory)}}};
  return slot;
}

TEST(DeviceRulesTest, AttributesResolveThroughTheDriverDomain) {
  Device d = WithMemory(std::nullopt);
  EXPECT_EQ(LookupAttribute(d, "gpu.nvidia.com", "gpu.nvidia.com/model")->string_value, "H100");
  EXPECT_EQ(LookupAttribute(d, "gpu.nvidia.com", "other.example.com/numa")->int_value, 1);
  EXPECT_EQ(LookupAttribute(d, "gpu.nvidia.com", "other.example.com/model"), nullptr);
}

TEST(DeviceRulesTest, TolerationsMatchKeyValueAndEffect) {
  DeviceTaint taint{"maintenance", "soon", "NoSchedule", {}};
  EXPECT_TRUE(Tolerated(taint, {{"maintenance", "Equal", "soon", "", {}}}));
  EXPECT_TRUE(Tolerated(taint, {{"maintenance", "Exists", "", "NoSchedule", {}}}));
  EXPECT_TRUE(Tolerated(taint, {{"", "Exists", "", "", {}}}));
  EXPECT_FALSE(Tolerated(taint, {{"maintenance", "Equal", "later", "", {}}}));
  EXPECT_FALSE(Tolerated(taint, {{"maintenance", "Exists", "", "NoExecute", {}}}));
  EXPECT_FALSE(Tolerated(taint, {}));
}

TEST(DeviceRulesTest, CapacityWithoutPolicyTakesWhatIsAskedOrEverything) {
  Device d = WithMemory(std::nullopt);
  EXPECT_EQ(CapacityConsumption(d, "drv", Asking("10Gi"))->at("memory"), Q("10Gi"));
  EXPECT_EQ(CapacityConsumption(d, "drv", Asking(nullptr))->at("memory"), Q("40Gi"));
  DeviceRequestSlot other;
  other.capacity = CapacityRequirements{{{"cores", Q("4")}}};
  EXPECT_FALSE(CapacityConsumption(d, "drv", other)) << "asks for a capacity the device lacks";
}

TEST(DeviceRulesTest, CapacityRangeRoundsUpToTheStep) {
  CapacityRequestPolicy policy;
  policy.default_value = Q("1Gi");
  policy.valid_range = CapacityRequestPolicyRange{Q("1Gi"), Q("8Gi"), Q("1Gi")};
  Device d = WithMemory(policy);
  EXPECT_EQ(CapacityConsumption(d, "drv", Asking("2500Mi"))->at("memory"), Q("3Gi"));
  EXPECT_EQ(CapacityConsumption(d, "drv", Asking("100Mi"))->at("memory"), Q("1Gi"));  // min
  EXPECT_EQ(CapacityConsumption(d, "drv", Asking(nullptr))->at("memory"), Q("1Gi"));  // default
  EXPECT_FALSE(CapacityConsumption(d, "drv", Asking("9Gi"))) << "above the range's max";
}

TEST(DeviceRulesTest, CapacityValidValuesTakeTheSmallestThatFits) {
  CapacityRequestPolicy policy;
  policy.valid_values = {Q("1Gi"), Q("2Gi"), Q("4Gi")};
  Device d = WithMemory(policy);
  EXPECT_EQ(CapacityConsumption(d, "drv", Asking("3Gi"))->at("memory"), Q("4Gi"));
  EXPECT_FALSE(CapacityConsumption(d, "drv", Asking("5Gi"))) << "no valid value fits";
}

TEST(DeviceRulesTest, ShareIdsAreUuidShapedDistinctAndReproducible) {
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(ShareId(7, 0), uuid)) << ShareId(7, 0);
  EXPECT_NE(ShareId(7, 0), ShareId(7, 1));
  EXPECT_NE(ShareId(7, 0), ShareId(8, 0));
  EXPECT_EQ(ShareId(7, 3), ShareId(7, 3));
}

}  // namespace
}  // namespace aiinfra::dra
