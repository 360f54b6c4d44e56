#include "dra/objects.h"

#include <gtest/gtest.h>

#include "dra/manifest_test_util.h"
#include "dra/names.h"

namespace aiinfra::dra {
namespace {

Node MakeNode(std::string name, std::map<std::string, std::string> labels) {
  Node n;
  n.metadata.name = std::move(name);
  n.metadata.labels = std::move(labels);
  return n;
}

NodeSelector Selector(std::vector<NodeSelectorRequirement> expressions,
                      std::vector<NodeSelectorRequirement> fields = {}) {
  return NodeSelector{{NodeSelectorTerm{std::move(expressions), std::move(fields)}}};
}

TEST(NodeSelectorTest, OperatorsOnLabels) {
  const Node node = MakeNode("node-1", {{"region", "region-1"}, {"gpus", "8"}});
  EXPECT_TRUE(Selector({{"region", "In", {"region-0", "region-1"}}}).Matches(node));
  EXPECT_FALSE(Selector({{"region", "In", {"region-2"}}}).Matches(node));
  EXPECT_FALSE(Selector({{"zone", "In", {"a"}}}).Matches(node));
  EXPECT_TRUE(Selector({{"region", "NotIn", {"region-2"}}}).Matches(node));
  EXPECT_TRUE(Selector({{"zone", "NotIn", {"a"}}}).Matches(node));  // absent label
  EXPECT_FALSE(Selector({{"region", "NotIn", {"region-1"}}}).Matches(node));
  EXPECT_TRUE(Selector({{"region", "Exists", {}}}).Matches(node));
  EXPECT_FALSE(Selector({{"zone", "Exists", {}}}).Matches(node));
  EXPECT_TRUE(Selector({{"zone", "DoesNotExist", {}}}).Matches(node));
  EXPECT_FALSE(Selector({{"region", "DoesNotExist", {}}}).Matches(node));
  EXPECT_TRUE(Selector({{"gpus", "Gt", {"4"}}}).Matches(node));
  EXPECT_FALSE(Selector({{"gpus", "Gt", {"8"}}}).Matches(node));
  EXPECT_TRUE(Selector({{"gpus", "Lt", {"16"}}}).Matches(node));
  EXPECT_FALSE(Selector({{"region", "Gt", {"1"}}}).Matches(node));  // label not an integer
  EXPECT_FALSE(Selector({{"gpus", "Gt", {"x"}}}).Matches(node));
  EXPECT_FALSE(Selector({{"zone", "Lt", {"1"}}}).Matches(node));
  EXPECT_FALSE(Selector({{"region", "Like", {"region-1"}}}).Matches(node));
}

TEST(NodeSelectorTest, FieldsTermsAndEmptyTerm) {
  const Node node = MakeNode("node-1", {{"region", "region-1"}, {"planet", "earth"}});
  EXPECT_TRUE(Selector({}, {{"metadata.name", "In", {"node-1"}}}).Matches(node));
  EXPECT_FALSE(Selector({}, {{"metadata.name", "In", {"node-2"}}}).Matches(node));
  EXPECT_TRUE(Selector({}, {{"metadata.name", "NotIn", {"node-2"}}}).Matches(node));
  EXPECT_FALSE(Selector({}, {{"metadata.uid", "In", {"node-1"}}}).Matches(node));
  // Requirements of a term are ANDed.
  EXPECT_TRUE(Selector({{"region", "In", {"region-1"}}, {"planet", "In", {"earth"}}},
                       {{"metadata.name", "In", {"node-1"}}})
                  .Matches(node));
  EXPECT_FALSE(Selector({{"region", "In", {"region-1"}}}, {{"metadata.name", "In", {"node-2"}}})
                   .Matches(node));
  // Terms are ORed; a term without requirements matches nothing; no terms match nothing.
  NodeSelector two{{NodeSelectorTerm{{{"region", "In", {"x"}}}, {}},
                    NodeSelectorTerm{{{"planet", "In", {"earth"}}}, {}}}};
  EXPECT_TRUE(two.Matches(node));
  EXPECT_FALSE(NodeSelector{{NodeSelectorTerm{}}}.Matches(node));
  EXPECT_FALSE(NodeSelector{}.Matches(node));
}

TEST(NodeSelectorTest, ReadFromSliceManifestMatchesNodes) {
  auto objs = testing::Read(testing::ReadTestdata("partitionable.yaml"));
  ASSERT_TRUE(objs) << objs.error().ToString();
  const ResourceSlice& fabric = objs->resource_slices[2];
  ASSERT_TRUE(fabric.spec.node_selector);
  EXPECT_TRUE(fabric.spec.node_selector->Matches(
      MakeNode("n", {{"topology.kubernetes.io/zone", "us-central1-a"}})));
  EXPECT_FALSE(fabric.spec.node_selector->Matches(
      MakeNode("n", {{"topology.kubernetes.io/zone", "us-central1-b"}})));
}

TEST(ObjectsTest, NamespaceAdminAccessAndLookups) {
  auto objs = testing::Read(testing::ReadTestdata("workload.yaml") + "\n---\n" +
                            testing::ReadTestdata("nvidia-gpu.yaml"));
  ASSERT_TRUE(objs) << objs.error().ToString();
  ASSERT_NE(objs->FindNamespace("ml"), nullptr);
  EXPECT_TRUE(objs->FindNamespace("ml")->AllowsAdminAccess());
  Namespace plain;
  plain.metadata.labels[kAdminAccessLabel] = "yes";
  EXPECT_FALSE(plain.AllowsAdminAccess());
  EXPECT_NE(objs->FindDeviceClass("gpu.nvidia.com"), nullptr);
  EXPECT_EQ(objs->FindDeviceClass("nope"), nullptr);
  ASSERT_NE(objs->FindNode("node-1"), nullptr);
  EXPECT_EQ(objs->FindNode("node-1")->metadata.labels.at("nvidia.com/gpu.count"), "2");
  EXPECT_EQ(objs->FindResourceClaim("ml", "x"), nullptr);
}

TEST(ObjectsTest, NameRules) {
  EXPECT_FALSE(CheckDnsLabel("gpu-0"));
  EXPECT_TRUE(CheckDnsLabel("GPU-0"));
  EXPECT_TRUE(CheckDnsLabel("-a"));
  EXPECT_TRUE(CheckDnsLabel(std::string(64, 'a')));
  EXPECT_FALSE(CheckDnsSubdomain("gpu.nvidia.com"));
  EXPECT_TRUE(CheckDnsSubdomain("gpu..com"));
  EXPECT_FALSE(CheckDriverName(std::string(63, 'a')));
  EXPECT_TRUE(CheckDriverName(std::string(64, 'a')));
  EXPECT_FALSE(CheckPoolName("fabric/rack-1"));
  EXPECT_TRUE(CheckPoolName("fabric//rack-1"));
  EXPECT_FALSE(CheckLabelKey("resource.kubernetes.io/admin-access"));
  EXPECT_FALSE(CheckLabelKey("Gpu_Count.x"));
  EXPECT_TRUE(CheckLabelKey("a/b/c"));
  EXPECT_FALSE(CheckLabelValue(""));
  EXPECT_TRUE(CheckLabelValue("a b"));
  EXPECT_FALSE(CheckQualifiedName("productName"));
  EXPECT_FALSE(CheckQualifiedName("resource.kubernetes.io/pcieRoot"));
  EXPECT_TRUE(CheckQualifiedName("pcie-root"));
  EXPECT_TRUE(CheckQualifiedName("0abc"));
  EXPECT_TRUE(CheckQualifiedName(std::string(33, 'a')));
  EXPECT_TRUE(CheckFullyQualifiedName("numa"));
  EXPECT_FALSE(CheckFullyQualifiedName("dra.net/numaNode"));
  EXPECT_FALSE(CheckSemver("1.2.3"));
  EXPECT_FALSE(CheckSemver("1.0.0-rc.1+build.5"));
  EXPECT_TRUE(CheckSemver("v1.2.3"));
  EXPECT_TRUE(CheckSemver("1.2"));
  EXPECT_TRUE(CheckSemver("01.2.3"));
  EXPECT_TRUE(CheckSemver("1.2.3-01"));
}

}  // namespace
}  // namespace aiinfra::dra
