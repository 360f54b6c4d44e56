#include "dra/scheduler.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "dra/manifest_test_util.h"

namespace aiinfra::dra {
namespace {

using testing::Read;

constexpr const char* kClasses = R"(apiVersion: resource.k8s.io/v1
kind: DeviceClass
metadata: {name: class-a}
spec:
  selectors: [{cel: {expression: 'device.driver == "driver-a"'}}]
---
apiVersion: resource.k8s.io/v1
kind: DeviceClass
metadata: {name: class-b}
spec:
  selectors: [{cel: {expression: 'device.driver == "driver-b"'}}]
)";

std::string NodeYaml(const std::string& name) {
  return fmt::format("---\napiVersion: v1\nkind: Node\nmetadata: {{name: {}}}\n", name);
}

// A node-local slice of `driver` with devices dev-0..dev-(n-1).
std::string SliceYaml(const std::string& node, const std::string& driver, int n) {
  std::string s = fmt::format(
      "---\napiVersion: resource.k8s.io/v1\nkind: ResourceSlice\nmetadata: {{name: {0}-{1}}}\n"
      "spec:\n  driver: {1}\n  pool: {{name: {0}, generation: 1, resourceSliceCount: 1}}\n"
      "  nodeName: {0}\n  devices:\n",
      node, driver);
  for (int i = 0; i < n; ++i) s += fmt::format("  - name: dev-{}\n", i);
  return s;
}

std::string TemplateYaml(const std::string& name, const std::string& cls, int count) {
  return fmt::format(
      "---\napiVersion: resource.k8s.io/v1\nkind: ResourceClaimTemplate\nmetadata: {{name: {}}}\n"
      "spec:\n  spec:\n    devices:\n      requests:\n      - name: r\n        exactly: "
      "{{deviceClassName: {}, count: {}}}\n",
      name, cls, count);
}

std::string PodYaml(const std::string& name, const std::string& claim_field,
                    const std::string& ref) {
  return fmt::format(
      "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {}}}\nspec:\n  resourceClaims:\n"
      "  - {{name: c, {}: {}}}\n  containers:\n  - name: main\n    resources: {{claims: [{{name: "
      "c}}]}}\n",
      name, claim_field, ref);
}

Scheduler Make(const std::string& yaml, SchedulerOptions options = {}) {
  auto objects = Read(yaml);
  EXPECT_TRUE(objects.has_value()) << objects.error().ToString();
  auto s = Scheduler::Create(std::move(*objects), options);
  EXPECT_TRUE(s.has_value()) << s.error().ToString();
  return std::move(*s);
}

TEST(SchedulerTest, TemplateClaimsPackNodesThenReportFitError) {
  std::string y = kClasses;
  for (const char* n : {"node-1", "node-2"}) y += NodeYaml(n) + SliceYaml(n, "driver-a", 2);
  y += TemplateYaml("one", "class-a", 1);
  for (int i = 0; i < 5; ++i) {
    y += PodYaml(fmt::format("pod-{}", i), "resourceClaimTemplateName", "one");
  }
  Scheduler s = Make(y);
  std::vector<Placement> p = s.ScheduleAll();
  ASSERT_EQ(p.size(), 5u);
  // Packing: both devices of node-1 before node-2.
  EXPECT_EQ(p[0].node, "node-1");
  EXPECT_EQ(p[1].node, "node-1");
  EXPECT_EQ(p[2].node, "node-2");
  EXPECT_EQ(p[3].node, "node-2");
  EXPECT_EQ(p[4].node, "");
  EXPECT_EQ(p[4].message, "0/2 nodes are available: 2 cannot allocate all claims.");
  EXPECT_FALSE(p[4].error);
  // Generated claims carry the pod claim annotation, the allocation and the pod as consumer.
  ASSERT_EQ(s.ChangedClaims().size(), 4u);
  const ResourceClaim& c = *s.ChangedClaims()[0];
  EXPECT_EQ(c.metadata.name, GeneratedClaimName("default", "pod-0", "c"));
  EXPECT_EQ(c.metadata.annotations.at("resource.kubernetes.io/pod-claim-name"), "c");
  ASSERT_TRUE(c.status.allocation);
  EXPECT_EQ(c.status.allocation->devices.results.at(0).device, "dev-0");
  ASSERT_EQ(c.status.reserved_for.size(), 1u);
  EXPECT_EQ(c.status.reserved_for[0].name, "pod-0");
  EXPECT_EQ(s.ChangedClaims()[1]->status.allocation->devices.results.at(0).device, "dev-1");
  ASSERT_EQ(s.Bindings().size(), 4u);
  EXPECT_EQ(s.Bindings()[3].node, "node-2");
  // The unschedulable pod's generated claim exists but stays pending.
  EXPECT_EQ(s.Claims().size(), 5u);
  EXPECT_FALSE(s.Claims()[4]->status.allocation);
}

TEST(SchedulerTest, SharedClaimFollowsItsAllocation) {
  std::string y = kClasses;
  for (const char* n : {"node-1", "node-2"}) y += NodeYaml(n) + SliceYaml(n, "driver-a", 1);
  y += "---\napiVersion: resource.k8s.io/v1\nkind: ResourceClaim\nmetadata: {name: shared}\n"
       "spec:\n  devices:\n    requests:\n    - {name: r, exactly: {deviceClassName: class-a}}\n";
  // node-1's only device is taken by a claim allocated before: the shared one lands on node-2.
  y += "---\napiVersion: resource.k8s.io/v1\nkind: ResourceClaim\nmetadata: {name: held}\n"
       "spec:\n  devices:\n    requests:\n    - {name: r, exactly: {deviceClassName: class-a}}\n"
       "status:\n  allocation:\n    devices:\n      results:\n      - {request: r, driver: "
       "driver-a, pool: node-1, device: dev-0}\n    nodeSelector:\n      nodeSelectorTerms:\n"
       "      - matchFields: [{key: metadata.name, operator: In, values: [node-1]}]\n";
  y += PodYaml("a", "resourceClaimName", "shared") + PodYaml("b", "resourceClaimName", "shared");
  Scheduler s = Make(y);
  std::vector<Placement> p = s.ScheduleAll();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].node, "node-2");
  EXPECT_EQ(p[1].node, "node-2");  // only the allocation's node passes the filter
  EXPECT_EQ(p[1].nodes_feasible, 1);
  const ResourceClaim* shared = s.ChangedClaims().at(0);
  EXPECT_EQ(shared->metadata.name, "shared");
  ASSERT_EQ(shared->status.reserved_for.size(), 2u);
  EXPECT_EQ(shared->status.reserved_for[1].name, "b");
  EXPECT_EQ(s.ChangedClaims().size(), 1u);
}

TEST(SchedulerTest, AllocatedElsewhereIsAFitReason) {
  std::string y = kClasses;
  for (const char* n : {"node-1", "node-2"}) y += NodeYaml(n) + SliceYaml(n, "driver-a", 1);
  y += "---\napiVersion: resource.k8s.io/v1\nkind: ResourceClaim\nmetadata: {name: pinned}\n"
       "spec:\n  devices:\n    requests:\n    - {name: r, exactly: {deviceClassName: class-a}}\n"
       "status:\n  allocation:\n    devices:\n      results:\n      - {request: r, driver: "
       "driver-a, pool: node-1, device: dev-0}\n    nodeSelector:\n      nodeSelectorTerms:\n"
       "      - matchFields: [{key: metadata.name, operator: In, values: [node-1]}]\n";
  y += TemplateYaml("two", "class-a", 1);
  // Needs the pinned claim (node-1) and a fresh device: node-1 has none left, node-2 is wrong.
  y += "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  resourceClaims:\n"
       "  - {name: x, resourceClaimName: pinned}\n  - {name: y, resourceClaimTemplateName: two}\n";
  Scheduler s = Make(y);
  Placement p = s.ScheduleAll().at(0);
  EXPECT_EQ(p.node, "");
  EXPECT_EQ(p.message,
            "0/2 nodes are available: 1 cannot allocate all claims, 1 resourceclaim not "
            "available on the node.");
}

TEST(SchedulerTest, PrioritizedListPrefersTheFirstSubrequestAcrossNodes) {
  std::string y = kClasses;
  y += NodeYaml("node-1") + SliceYaml("node-1", "driver-b", 1);
  y += NodeYaml("node-2") + SliceYaml("node-2", "driver-a", 1);
  y += "---\napiVersion: resource.k8s.io/v1\nkind: ResourceClaim\nmetadata: {name: fa}\n"
       "spec:\n  devices:\n    requests:\n    - name: r\n      firstAvailable:\n"
       "      - {name: want-a, deviceClassName: class-a}\n"
       "      - {name: else-b, deviceClassName: class-b}\n";
  y += PodYaml("p", "resourceClaimName", "fa");
  Scheduler s = Make(y);
  Placement p = s.ScheduleAll().at(0);
  EXPECT_EQ(p.node, "node-2");  // node-1 fits too, with the second choice
  EXPECT_EQ(p.nodes_feasible, 2);
  EXPECT_EQ(s.ChangedClaims().at(0)->status.allocation->devices.results.at(0).request, "r/want-a");
}

TEST(SchedulerTest, MissingClaimOrTemplateLeavesThePodPending) {
  std::string y = std::string(kClasses) + NodeYaml("node-1");
  y +=
      PodYaml("p", "resourceClaimName", "nope") + PodYaml("q", "resourceClaimTemplateName", "gone");
  Scheduler s = Make(y);
  std::vector<Placement> p = s.ScheduleAll();
  EXPECT_EQ(p[0].message, "resourceclaim default/nope (pod claim c) not found");
  EXPECT_EQ(p[1].message, "resourceclaimtemplate default/gone (pod claim c) not found");
  EXPECT_TRUE(s.Bindings().empty());
}

TEST(SchedulerTest, FatalAllocatorErrorIsReportedAsAnError) {
  std::string y = std::string(kClasses) + NodeYaml("node-1") + SliceYaml("node-1", "driver-a", 1);
  y += TemplateYaml("bad", "no-such-class", 1) + PodYaml("p", "resourceClaimTemplateName", "bad");
  Scheduler s = Make(y);
  Placement p = s.ScheduleAll().at(0);
  EXPECT_TRUE(p.error);
  EXPECT_NE(p.message.find("could not retrieve device class no-such-class"), std::string::npos)
      << p.message;
}

TEST(SchedulerTest, FeasibleNodesToFindFollowsKubeScheduler) {
  // Pods without claims fit everywhere, so the count of nodes evaluated is the search limit.
  auto evaluated = [](int nodes, int percentage) {
    std::string y;
    for (int i = 0; i < nodes; ++i) y += NodeYaml(fmt::format("n{}", i));
    y += "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: m}]}\n";
    SchedulerOptions o;
    o.percentage_of_nodes_to_score = percentage;
    Scheduler s = Make(y, o);
    return s.ScheduleAll().at(0).nodes_evaluated;
  };
  EXPECT_EQ(evaluated(50, 0), 50);     // under 100 nodes: all
  EXPECT_EQ(evaluated(300, 0), 144);   // 300 x (50 - 300/125 = 48)%
  EXPECT_EQ(evaluated(5000, 0), 500);  // 5000 x 10%
  EXPECT_EQ(evaluated(7000, 0), 350);  // 50 - 56 < 5: 5%
  EXPECT_EQ(evaluated(300, 10), 100);  // 30 < the minimum of 100
  EXPECT_EQ(evaluated(300, 100), 300);
}

TEST(SchedulerTest, GeneratedNamesAreCutLikeTheClaimController) {
  EXPECT_EQ(GeneratedClaimName("ns", "pod", "gpu").substr(0, 8), "pod-gpu-");
  EXPECT_EQ(GeneratedClaimName("ns", "pod", "gpu").size(), 13u);
  EXPECT_NE(GeneratedClaimName("ns", "pod", "gpu"), GeneratedClaimName("ns", "pod2", "gpu"));
  const std::string pod(60, 'p'), claim(20, 'c');
  const std::string name = GeneratedClaimName("ns", pod, claim);
  // 81 > 57: pod cut to 60*57/81 = 42, claim to 20*57/81 = 14.
  EXPECT_EQ(name.substr(0, 58), std::string(42, 'p') + "-" + std::string(14, 'c') + "-");
  EXPECT_EQ(name.size(), 63u);
}

TEST(SchedulerTest, NoNodesIsAnInputError) {
  auto objects = Read(PodYaml("p", "resourceClaimName", "x"));
  ASSERT_TRUE(objects);
  auto s = Scheduler::Create(std::move(*objects), {});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("no Node objects"), std::string::npos);
}

}  // namespace
}  // namespace aiinfra::dra
