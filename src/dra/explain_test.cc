#include "dra/explain.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dra/manifest_test_util.h"
#include "dra/scheduler.h"

namespace aiinfra::dra {
namespace {

using ::testing::ElementsAre;
using testing::Read;

constexpr const char* kClasses = R"(apiVersion: resource.k8s.io/v1
kind: DeviceClass
metadata: {name: gpu}
spec:
  selectors: [{cel: {expression: 'device.driver == "gpu.example.com"'}}]
---
apiVersion: resource.k8s.io/v1
kind: DeviceClass
metadata: {name: nic}
spec:
  selectors: [{cel: {expression: 'device.driver == "nic.example.com"'}}]
)";

std::string NodeYaml(const std::string& name) {
  return fmt::format("---\napiVersion: v1\nkind: Node\nmetadata: {{name: {}}}\n", name);
}

// `n` devices <prefix>-0 ... with the same attributes (a flow mapping's body, or "").
std::string Devices(const std::string& prefix, int n, const std::string& attributes = "") {
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += fmt::format("  - name: {}-{}\n", prefix, i);
    if (!attributes.empty()) s += fmt::format("    attributes: {{{}}}\n", attributes);
  }
  return s;
}

// A slice of `driver` on `node` (pool named after the node) holding `devices`.
std::string SliceYaml(const std::string& node, const std::string& driver,
                      const std::string& devices, int slice_count = 1,
                      const std::string& name = "") {
  return fmt::format(
      "---\napiVersion: resource.k8s.io/v1\nkind: ResourceSlice\nmetadata: {{name: {}}}\n"
      "spec:\n  driver: {}\n  pool: {{name: {}, generation: 1, resourceSliceCount: {}}}\n"
      "  nodeName: {}\n  devices:\n{}",
      name.empty() ? node + "-" + driver : name, driver, node, slice_count, node, devices);
}

// A pending claim `name` with the given `spec.devices` body (indented by four spaces).
std::string ClaimYaml(const std::string& name, const std::string& devices) {
  return fmt::format(
      "---\napiVersion: resource.k8s.io/v1\nkind: ResourceClaim\nmetadata: {{name: {}}}\n"
      "spec:\n  devices:\n{}",
      name, devices);
}

// An allocated claim holding `devices` of gpu.example.com's pool `node`.
std::string HeldYaml(const std::string& node, const std::vector<std::string>& devices) {
  std::string results;
  for (const std::string& d : devices) {
    results += fmt::format(
        "      - {{request: r, driver: gpu.example.com, pool: {}, device: {}}}\n", node, d);
  }
  return fmt::format(
      "---\napiVersion: resource.k8s.io/v1\nkind: ResourceClaim\nmetadata: {{name: held}}\n"
      "spec:\n  devices:\n    requests:\n    - {{name: r, exactly: {{deviceClassName: gpu, "
      "count: {}}}}}\nstatus:\n  allocation:\n    devices:\n      results:\n{}",
      devices.size(), results);
}

std::vector<ClaimExplanation> Explain(const std::string& yaml,
                                      Features features = Features::Kubernetes135Defaults()) {
  auto objects = Read(yaml);
  EXPECT_TRUE(objects.has_value()) << objects.error().ToString();
  if (!objects) return {};
  std::vector<const Node*> nodes;
  for (const Node& n : objects->nodes) nodes.push_back(&n);
  return ExplainClaims(*objects, features, nodes);
}

// The only claim on the only node.
NodeExplanation One(const std::string& yaml,
                    Features features = Features::Kubernetes135Defaults()) {
  std::vector<ClaimExplanation> claims = Explain(yaml, features);
  EXPECT_EQ(claims.size(), 1u);
  if (claims.empty() || claims[0].nodes.empty()) return {};
  return claims[0].nodes[0];
}

const std::string kGpus4 =
    "    requests:\n    - {name: gpus, exactly: {deviceClassName: gpu, count: 4}}\n";

TEST(ExplainTest, NotEnoughMatchingDevices) {
  std::vector<ClaimExplanation> claims =
      Explain(std::string(kClasses) + NodeYaml("node-1") +
              SliceYaml("node-1", "gpu.example.com", Devices("gpu", 2)) + ClaimYaml("c", kGpus4));
  ASSERT_EQ(claims.size(), 1u);
  const NodeExplanation& n = claims[0].nodes.at(0);
  EXPECT_EQ(n.verdict, Verdict::kUnsatisfiable);
  EXPECT_THAT(
      n.reasons,
      ElementsAre("request 'gpus' needs 4 devices of class gpu: 2 match the class, 2 usable"));
  EXPECT_EQ(n.offered, 2);
  EXPECT_EQ(n.needed, 4);
  EXPECT_EQ(claims[0].Summary(),
            "fits on none of 1 node; node-1 offers 2 of the 4 devices it needs");

  // A class nothing on the node matches.
  NodeExplanation none =
      One(std::string(kClasses) + NodeYaml("node-1") +
          SliceYaml("node-1", "gpu.example.com", Devices("gpu", 2)) +
          ClaimYaml("c", "    requests:\n    - {name: nic, exactly: {deviceClassName: nic}}\n"));
  EXPECT_THAT(none.reasons, ElementsAre("request 'nic' needs 1 device of class nic: no device on "
                                        "the node matches the class"));
}

TEST(ExplainTest, DevicesAlreadyAllocated) {
  NodeExplanation n =
      One(std::string(kClasses) + NodeYaml("node-1") +
          SliceYaml("node-1", "gpu.example.com", Devices("gpu", 8)) +
          HeldYaml("node-1", {"gpu-0", "gpu-1", "gpu-2", "gpu-3", "gpu-5", "gpu-7"}) +
          ClaimYaml("c", kGpus4));
  EXPECT_THAT(n.reasons, ElementsAre("request 'gpus' needs 4 devices of class gpu: 8 match the "
                                     "class, 6 already allocated, 2 usable"));
  ASSERT_EQ(n.requests.size(), 1u);
  EXPECT_EQ(n.requests[0].allocated, 6);
  EXPECT_EQ(n.requests[0].usable, 2);
}

TEST(ExplainTest, RequestSelectorRejects) {
  std::string devices =
      Devices("a100", 2, "model: {string: a100}") +
      fmt::format("  - name: h100-0\n    attributes: {{model: {{string: h100}}}}\n");
  NodeExplanation n = One(
      std::string(kClasses) + NodeYaml("node-1") + SliceYaml("node-1", "gpu.example.com", devices) +
      ClaimYaml("c",
                "    requests:\n    - name: gpus\n      exactly:\n        deviceClassName: gpu\n"
                "        count: 2\n        selectors:\n        - cel: {expression: "
                "'device.attributes[\"gpu.example.com\"].model == \"h100\"'}\n"));
  EXPECT_THAT(n.reasons, ElementsAre("request 'gpus' needs 2 devices of class gpu: 3 match the "
                                     "class, 2 rejected by the request's selectors, 1 usable"));
}

TEST(ExplainTest, MatchAttributeReportsTheBestGroup) {
  std::string gpus =
      "  - {name: gpu-0, attributes: {resource.kubernetes.io/pcieRoot: {string: root-a}}}\n"
      "  - {name: gpu-1, attributes: {resource.kubernetes.io/pcieRoot: {string: root-b}}}\n";
  std::string nics =
      "  - {name: nic-0, attributes: {resource.kubernetes.io/pcieRoot: {string: root-b}}}\n"
      "  - {name: nic-1, attributes: {resource.kubernetes.io/pcieRoot: {string: root-c}}}\n"
      "  - {name: nic-2}\n";
  std::string claim =
      "    requests:\n    - {name: gpu, exactly: {deviceClassName: gpu}}\n"
      "    - {name: nic, exactly: {deviceClassName: nic, count: 2}}\n"
      "    constraints:\n    - matchAttribute: resource.kubernetes.io/pcieRoot\n";
  std::vector<ClaimExplanation> claims = Explain(
      std::string(kClasses) + NodeYaml("node-1") + SliceYaml("node-1", "gpu.example.com", gpus) +
      SliceYaml("node-1", "nic.example.com", nics) + ClaimYaml("c", claim));
  ASSERT_EQ(claims.size(), 1u);
  const NodeExplanation& n = claims[0].nodes.at(0);
  EXPECT_THAT(
      n.reasons,
      ElementsAre("request 'nic' needs 2 sharing resource.kubernetes.io/pcieRoot with "
                  "request 'gpu'; the best pcieRoot (root-b) offers 1",
                  "1 usable device of request 'nic' lacks resource.kubernetes.io/pcieRoot"));
  EXPECT_EQ(n.offered, 2);
  EXPECT_EQ(n.needed, 3);
  EXPECT_EQ(claims[0].Summary(),
            "fits on none of 1 node; node-1 offers 2 of the 3 devices it needs");
}

TEST(ExplainTest, UntoleratedTaint) {
  std::string devices =
      "  - name: gpu-0\n"
      "  - name: gpu-1\n    taints: [{key: example.com/unhealthy, value: 'true', effect: "
      "NoSchedule}]\n";
  std::string yaml = std::string(kClasses) + NodeYaml("node-1") +
                     SliceYaml("node-1", "gpu.example.com", devices) +
                     ClaimYaml("c",
                               "    requests:\n    - {name: gpus, exactly: "
                               "{deviceClassName: gpu, count: 2}}\n");
  Features features = Features::Kubernetes135Defaults();
  features.device_taints = true;
  NodeExplanation n = One(yaml, features);
  EXPECT_THAT(n.reasons, ElementsAre("request 'gpus' needs 2 devices of class gpu: 2 match the "
                                     "class, 1 with an untolerated taint "
                                     "(example.com/unhealthy=true:NoSchedule), 1 usable"));
  // Taints only count with DeviceTaints on.
  EXPECT_EQ(One(yaml).verdict, Verdict::kFits);
}

TEST(ExplainTest, IncompleteAndInvalidPools) {
  NodeExplanation incomplete =
      One(std::string(kClasses) + NodeYaml("node-1") +
          SliceYaml("node-1", "gpu.example.com", Devices("gpu", 2), 2) +
          ClaimYaml("c", "    requests:\n    - {name: gpus, exactly: {deviceClassName: gpu}}\n"));
  EXPECT_THAT(incomplete.reasons,
              ElementsAre("pool gpu.example.com/node-1 is being updated: 1 of 2 slices published",
                          "request 'gpus' needs 1 device of class gpu: no device on the node "
                          "matches the class"));

  NodeExplanation invalid =
      One(std::string(kClasses) + NodeYaml("node-1") +
          SliceYaml("node-1", "gpu.example.com", Devices("gpu", 1), 2, "s1") +
          SliceYaml("node-1", "gpu.example.com", Devices("gpu", 1), 2, "s2") +
          ClaimYaml("c", "    requests:\n    - {name: gpus, exactly: {deviceClassName: gpu}}\n"));
  EXPECT_THAT(invalid.reasons,
              ElementsAre("pool gpu.example.com/node-1 is invalid: duplicate device name gpu-0",
                          "request 'gpus' needs 1 device of class gpu: no device on the node "
                          "matches the class"));

  // A pool of another driver that the claim's classes do not match is not mentioned.
  NodeExplanation other =
      One(std::string(kClasses) + NodeYaml("node-1") +
          SliceYaml("node-1", "nic.example.com", Devices("nic", 1), 2) +
          SliceYaml("node-1", "gpu.example.com", Devices("gpu", 1)) +
          ClaimYaml("c",
                    "    requests:\n    - {name: gpus, exactly: {deviceClassName: gpu, "
                    "count: 2}}\n"));
  EXPECT_THAT(other.reasons, ElementsAre("request 'gpus' needs 2 devices of class gpu: 1 matches "
                                         "the class, 1 usable"));
}

TEST(ExplainTest, PrioritizedListWhereEverySubrequestFails) {
  std::vector<ClaimExplanation> claims =
      Explain(std::string(kClasses) + NodeYaml("node-1") +
              SliceYaml("node-1", "gpu.example.com", Devices("gpu", 1)) +
              ClaimYaml("c",
                        "    requests:\n    - name: gpu\n      firstAvailable:\n"
                        "      - {name: big, deviceClassName: gpu, count: 4}\n"
                        "      - {name: small, deviceClassName: gpu, count: 2}\n"));
  ASSERT_EQ(claims.size(), 1u);
  const NodeExplanation& n = claims[0].nodes.at(0);
  EXPECT_THAT(n.reasons,
              ElementsAre("request 'gpu': none of its 2 subrequests fits",
                          "request 'gpu/big' needs 4 devices of class gpu: 1 matches the class, "
                          "1 usable",
                          "request 'gpu/small' needs 2 devices of class gpu: 1 matches the "
                          "class, 1 usable"));
  // The closest subrequest is the measure.
  EXPECT_EQ(claims[0].Summary(),
            "fits on none of 1 node; node-1 offers 1 of the 2 devices it needs");
}

TEST(ExplainTest, ClaimThatFits) {
  std::vector<ClaimExplanation> claims =
      Explain(std::string(kClasses) + NodeYaml("node-1") + NodeYaml("node-2") +
              SliceYaml("node-2", "gpu.example.com", Devices("gpu", 2)) +
              ClaimYaml("c",
                        "    requests:\n    - {name: gpus, exactly: {deviceClassName: gpu, "
                        "count: 2}}\n"));
  ASSERT_EQ(claims.size(), 1u);
  const ClaimExplanation& c = claims[0];
  EXPECT_EQ(c.FitCount(), 1);
  EXPECT_EQ(c.nodes[1].verdict, Verdict::kFits);
  ASSERT_EQ(c.nodes[1].devices.size(), 2u);
  EXPECT_EQ(c.nodes[1].devices[0].request, "gpus");
  EXPECT_EQ(c.nodes[1].devices[0].device, "gpu.example.com/node-2/gpu-0");
  EXPECT_TRUE(c.nodes[1].reasons.empty());
  EXPECT_EQ(c.Summary(), "fits on 1 of 2 nodes (first: node-2)");
  EXPECT_EQ(FormatExplanations(claims),
            "claim default/c: fits on 1 of 2 nodes (first: node-2)\n"
            "  node-1: request 'gpus' needs 2 devices of class gpu: no device on the node matches "
            "the class\n"
            "  node-2: fits\n");
}

TEST(ExplainTest, NodesWithTheSameReasonsAreGrouped) {
  std::string yaml = kClasses;
  for (int i = 1; i <= 5; ++i) {
    const std::string node = fmt::format("node-{}", i);
    yaml += NodeYaml(node) + SliceYaml(node, "gpu.example.com", Devices("gpu", 1));
  }
  yaml += NodeYaml("node-6") + SliceYaml("node-6", "gpu.example.com", Devices("gpu", 2), 3);
  yaml += ClaimYaml("c",
                    "    requests:\n    - {name: gpus, exactly: {deviceClassName: gpu, "
                    "count: 2}}\n");
  EXPECT_EQ(FormatExplanations(Explain(yaml)),
            "claim default/c: fits on none of 6 nodes; the best node, node-1, offers 1 of the 2 "
            "devices it needs\n"
            "  node-1, node-2 and 3 more: request 'gpus' needs 2 devices of class gpu: 1 matches "
            "the class, 1 usable\n"
            "  node-6:\n"
            "    pool gpu.example.com/node-6 is being updated: 1 of 3 slices published\n"
            "    request 'gpus' needs 2 devices of class gpu: no device on the node matches the "
            "class\n");
  EXPECT_EQ(NodeList({"a"}), "a");
  EXPECT_EQ(NodeList({"a", "b"}), "a and b");
  EXPECT_EQ(NodeList({"a", "b", "c"}), "a, b and c");
  EXPECT_EQ(NodeList({"a", "b", "c", "d"}), "a, b and 2 more");
}

TEST(ExplainTest, RequestsThatFitAloneButNotTogether) {
  NodeExplanation n =
      One(std::string(kClasses) + NodeYaml("node-1") +
          SliceYaml("node-1", "gpu.example.com", Devices("gpu", 3)) +
          ClaimYaml("c",
                    "    requests:\n    - {name: a, exactly: {deviceClassName: gpu, count: 2}}\n"
                    "    - {name: b, exactly: {deviceClassName: gpu, count: 2}}\n"));
  EXPECT_THAT(n.reasons, ElementsAre("each request fits alone but not together: requests 'a' and "
                                     "'b' need 4 devices and only 3 usable devices serve them"));
  EXPECT_EQ(n.offered, 3);
  EXPECT_EQ(n.needed, 4);
}

TEST(ExplainTest, DistinctAttribute) {
  std::string devices =
      Devices("gpu", 2, "numa: {int: 0}") + "  - {name: gpu-9, attributes: {numa: {int: 1}}}\n";
  Features features = Features::Kubernetes135Defaults();
  features.consumable_capacity = true;
  NodeExplanation n = One(
      std::string(kClasses) + NodeYaml("node-1") + SliceYaml("node-1", "gpu.example.com", devices) +
          ClaimYaml("c",
                    "    requests:\n    - {name: gpus, exactly: {deviceClassName: gpu, "
                    "count: 3}}\n    constraints:\n"
                    "    - distinctAttribute: gpu.example.com/numa\n"),
      features);
  EXPECT_THAT(n.reasons, ElementsAre("request 'gpus' needs 3 with distinct gpu.example.com/numa; "
                                     "the usable devices have 2 distinct values"));
}

// A pool with a counter set of 8 (PartitionableDevices): part-0 (4) is allocated, so 4 are left.
std::string CounterPool(const std::string& devices) {
  return "---\napiVersion: resource.k8s.io/v1\nkind: ResourceSlice\nmetadata: {name: counters}\n"
         "spec:\n  driver: gpu.example.com\n  nodeName: node-1\n"
         "  pool: {name: node-1, generation: 1, resourceSliceCount: 2}\n"
         "  sharedCounters:\n  - {name: set, counters: {memory: {value: '8'}}}\n" +
         SliceYaml("node-1", "gpu.example.com", devices, 2) + HeldYaml("node-1", {"part-0"});
}

std::string Consumes(const std::string& name, int memory) {
  return fmt::format(
      "  - name: {}\n    consumesCounters: [{{counterSet: set, counters: {{memory: {{value: "
      "'{}'}}}}}}]\n",
      name, memory);
}

TEST(ExplainTest, Counters) {
  Features features = Features::Kubernetes135Defaults();
  features.partitionable_devices = true;
  const std::string claim2 =
      "    requests:\n    - {name: gpus, exactly: {deviceClassName: gpu, count: 2}}\n";
  NodeExplanation n =
      One(std::string(kClasses) + NodeYaml("node-1") +
              CounterPool(Consumes("part-0", 4) + Consumes("part-1", 4) + Consumes("whole", 8)) +
              ClaimYaml("c", claim2),
          features);
  EXPECT_THAT(n.reasons, ElementsAre("request 'gpus' needs 2 devices of class gpu: 3 match the "
                                     "class, 1 already allocated, 1 without enough counters left "
                                     "in its pool, 1 usable"));
  // Two partitions that each fit what is left, but not both.
  NodeExplanation both =
      One(std::string(kClasses) + NodeYaml("node-1") +
              CounterPool(Consumes("part-0", 4) + Consumes("part-1", 4) + Consumes("part-2", 4)) +
              ClaimYaml("c", claim2),
          features);
  EXPECT_THAT(both.reasons, ElementsAre("the usable devices fit one by one but not together; they "
                                        "consume the same counters of their pool"));
  // Without the feature, devices that consume counters are not usable.
  NodeExplanation off =
      One(std::string(kClasses) + NodeYaml("node-1") +
          SliceYaml("node-1", "gpu.example.com", Consumes("part-1", 4)) + ClaimYaml("c", claim2));
  EXPECT_THAT(off.reasons, ElementsAre("request 'gpus' needs 2 devices of class gpu: 1 matches "
                                       "the class, 1 consumes counters (PartitionableDevices is "
                                       "off), none usable"));
}

TEST(ExplainTest, SelectorErrorOnADeviceTheAllocatorNeverReaches) {
  // gpu-0 is allocated, so the allocator skips it before its class's selector would fail on it;
  // the explanation evaluates every device, counts the failure and names it, without making
  // it fatal.
  std::string picky =
      "---\napiVersion: resource.k8s.io/v1\nkind: DeviceClass\nmetadata: {name: picky}\nspec:\n"
      "  selectors: [{cel: {expression: 'device.attributes[\"gpu.example.com\"].model == "
      "\"x\"'}}]\n";
  std::string devices = "  - name: gpu-0\n" + Devices("ok", 1, "model: {string: x}");
  NodeExplanation n =
      One(std::string(kClasses) + picky + NodeYaml("node-1") +
          SliceYaml("node-1", "gpu.example.com", devices) + HeldYaml("node-1", {"gpu-0"}) +
          ClaimYaml("c",
                    "    requests:\n    - {name: gpus, exactly: {deviceClassName: picky, "
                    "count: 2}}\n"));
  EXPECT_EQ(n.verdict, Verdict::kUnsatisfiable);
  EXPECT_THAT(n.reasons,
              ElementsAre("request 'gpus' needs 2 devices of class picky: 1 matches the class, 1 "
                          "makes a selector fail (class picky: selector #0: CEL runtime error: no "
                          "such key: model), 1 usable"));
}

TEST(ExplainTest, CelErrorsAreTheAllocatorsError) {
  std::vector<ClaimExplanation> claims =
      Explain(std::string(kClasses) + NodeYaml("node-1") +
              SliceYaml("node-1", "gpu.example.com", Devices("gpu", 1)) +
              ClaimYaml("c",
                        "    requests:\n    - name: gpus\n      exactly:\n        deviceClassName: "
                        "gpu\n        selectors:\n        - cel: {expression: "
                        "'device.attributes[\"gpu.example.com\"].model == \"x\"'}\n"));
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].nodes.at(0).verdict, Verdict::kError);
  EXPECT_THAT(claims[0].nodes[0].reasons,
              ElementsAre("request gpus: selector #0: CEL runtime error: no such key: model"));
  EXPECT_TRUE(claims[0].HasError());
  EXPECT_EQ(claims[0].Summary(),
            "the allocator fails with an error: request gpus: selector #0: CEL runtime error: no "
            "such key: model");
}

TEST(ExplainTest, PendingPodsBringTheirClaims) {
  std::string pods =
      "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  resourceClaims:\n"
      "  - {name: g, resourceClaimTemplateName: one-gpu}\n  - {name: n, resourceClaimName: c}\n"
      "  - {name: x, resourceClaimName: missing}\n"
      "---\napiVersion: v1\nkind: Pod\nmetadata: {name: bound}\nspec:\n  nodeName: node-1\n"
      "  resourceClaims:\n  - {name: y, resourceClaimName: missing-too}\n";
  std::string tmpl =
      "---\napiVersion: resource.k8s.io/v1\nkind: ResourceClaimTemplate\nmetadata: {name: "
      "one-gpu}\nspec:\n  spec:\n    devices:\n      requests:\n      - {name: gpu, exactly: "
      "{deviceClassName: gpu}}\n";
  std::vector<ClaimExplanation> claims = Explain(
      std::string(kClasses) + NodeYaml("node-1") +
      SliceYaml("node-1", "gpu.example.com", Devices("gpu", 1)) + tmpl +
      ClaimYaml("c", "    requests:\n    - {name: gpu, exactly: {deviceClassName: gpu}}\n") + pods);
  ASSERT_EQ(claims.size(), 3u);
  EXPECT_EQ(claims[0].name, "c");  // the input's pending claim, used by the pod too
  EXPECT_EQ(claims[0].pod, "default/p");
  EXPECT_EQ(claims[0].pod_claim, "n");
  EXPECT_EQ(claims[1].name, GeneratedClaimName("default", "p", "g"));
  EXPECT_EQ(claims[1].FitCount(), 1);  // alone: the other pending claim takes nothing
  EXPECT_EQ(claims[2].name, "missing");
  EXPECT_EQ(claims[2].Summary(), "resourceclaim default/missing (pod claim x) not found");
  EXPECT_TRUE(claims[2].nodes.empty());
}

}  // namespace
}  // namespace aiinfra::dra
