// The API server's validation as ReadManifests applies it: every rule, with its location.
#include <gtest/gtest.h>

#include "dra/manifest.h"
#include "dra/manifest_test_util.h"

namespace aiinfra::dra {
namespace {

using testing::ErrorOf;

// A claim whose spec.devices is `devices` (indented by 4), starting at line 5.
std::string Claim(const std::string& devices) {
  return "apiVersion: resource.k8s.io/v1\nkind: ResourceClaim\nmetadata: {name: claim-0}\n"
         "spec:\n  devices:\n" +
         devices;
}

// A slice whose spec continues with `rest` (indented by 2) after driver and pool, at line 7.
std::string Slice(const std::string& rest) {
  return "apiVersion: resource.k8s.io/v1\nkind: ResourceSlice\nmetadata: {name: s}\nspec:\n"
         "  driver: gpu.example.com\n  pool: {name: node-1, generation: 1, "
         "resourceSliceCount: 1}\n" +
         rest;
}

std::string Devices(int n, const std::string& extra = "") {
  std::string out = "  nodeName: node-1\n  devices:\n";
  for (int i = 0; i < n; ++i) out += "  - {name: d-" + std::to_string(i) + extra + "}\n";
  return out;
}

TEST(ManifestValidationTest, RequestRules) {
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: gpu\n      exactly:\n"
                          "        deviceClassName: gpu\n        count: -1\n")),
            "claim.yaml:10: spec.devices.requests[0].exactly.count: must be greater than 0");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: gpu\n      exactly:\n"
                          "        deviceClassName: gpu\n        allocationMode: All\n"
                          "        count: 2\n")),
            "claim.yaml:11: spec.devices.requests[0].exactly.count: must not be set when "
            "allocationMode is All");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: gpu\n")),
            "claim.yaml:7: spec.devices.requests[0]: exactly one of exactly and firstAvailable "
            "is required");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: gpu\n      exactly: {deviceClassName: a}\n"
                          "      firstAvailable: [{name: x, deviceClassName: a}]\n")),
            "claim.yaml:7: spec.devices.requests[0]: exactly one of exactly and firstAvailable "
            "is required");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: nic\n      firstAvailable: []\n")),
            "claim.yaml:8: spec.devices.requests[0].firstAvailable: must have at least one "
            "subrequest");
  std::string nine = "    requests:\n    - name: nic\n      firstAvailable:\n";
  for (int i = 0; i < 9; ++i)
    nine += "      - {name: s" + std::to_string(i) + ", deviceClassName: a}\n";
  EXPECT_EQ(ErrorOf(Claim(nine)),
            "claim.yaml:9: spec.devices.requests[0].firstAvailable: must have at most 8 items "
            "(has 9)");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: nic\n      firstAvailable:\n"
                          "      - {name: a, deviceClassName: a}\n"
                          "      - {name: a, deviceClassName: b}\n")),
            "claim.yaml:10: spec.devices.requests[0].firstAvailable[1].name: duplicate "
            "subrequest name \"a\"");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: nic\n      firstAvailable:\n"
                          "      - {name: a, deviceClassName: a, adminAccess: true}\n")),
            "claim.yaml:9: spec.devices.requests[0].firstAvailable[0].adminAccess: unknown field "
            "\"adminAccess\" (accepted here: allocationMode, capacity, count, deviceClassName, "
            "name, selectors, tolerations)");
  std::string many = "    requests:\n";
  for (int i = 0; i < 33; ++i) {
    many += "    - {name: r" + std::to_string(i) + ", exactly: {deviceClassName: a}}\n";
  }
  EXPECT_EQ(ErrorOf(Claim(many)),
            "claim.yaml:7: spec.devices.requests: must have at most 32 items (has 33)");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - {name: GPU, exactly: {deviceClassName: a}}\n")),
            "claim.yaml:7: spec.devices.requests[0].name: must be a DNS label (lower case "
            "alphanumeric characters or '-', starting and ending with an alphanumeric "
            "character): \"GPU\"");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - {name: a, exactly: {deviceClassName: a}}\n"
                          "    - {name: a, exactly: {deviceClassName: b}}\n")),
            "claim.yaml:8: spec.devices.requests[1].name: duplicate request name \"a\"");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: a\n      exactly: {}\n")),
            "claim.yaml:8: spec.devices.requests[0].exactly.deviceClassName: missing required "
            "field \"deviceClassName\"");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: a\n      exactly: {deviceClassName: A_b}\n")),
            "claim.yaml:8: spec.devices.requests[0].exactly.deviceClassName: must be a DNS "
            "subdomain (DNS labels of lower case alphanumeric characters or '-', starting and "
            "ending with an alphanumeric character, separated by '.'): \"A_b\"");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: a\n      exactly:\n"
                          "        deviceClassName: a\n        count: two\n")),
            "claim.yaml:10: spec.devices.requests[0].exactly.count: expected an integer, got "
            "\"two\"");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: a\n      exactly:\n"
                          "        deviceClassName: a\n        adminAccess: maybe\n")),
            "claim.yaml:10: spec.devices.requests[0].exactly.adminAccess: expected true or "
            "false, got \"maybe\"");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: a\n      exactly:\n"
                          "        deviceClassName: a\n"
                          "        capacity: {requests: {memory: 10Gx}}\n")),
            "claim.yaml:10: spec.devices.requests[0].exactly.capacity.requests.memory: "
            "quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
}

TEST(ManifestValidationTest, SelectorRules) {
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: a\n      exactly:\n"
                          "        deviceClassName: a\n        selectors: [{}]\n")),
            "claim.yaml:10: spec.devices.requests[0].exactly.selectors[0]: exactly one of cel "
            "is required");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: a\n      exactly:\n"
                          "        deviceClassName: a\n"
                          "        selectors: [{cel: {expression: \"\"}}]\n")),
            "claim.yaml:10: spec.devices.requests[0].exactly.selectors[0].cel.expression: must "
            "not be empty");
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: a\n      exactly:\n"
                          "        deviceClassName: a\n"
                          "        selectors: [{cel: {expr: x}}]\n")),
            "claim.yaml:10: spec.devices.requests[0].exactly.selectors[0].cel.expression: "
            "missing required field \"expression\"");
  std::string many =
      "    requests:\n    - name: a\n      exactly:\n        deviceClassName: a\n"
      "        selectors:\n";
  for (int i = 0; i < 33; ++i) many += "        - cel: {expression: 'true'}\n";
  EXPECT_EQ(ErrorOf(Claim(many)),
            "claim.yaml:11: spec.devices.requests[0].exactly.selectors: must have at most 32 "
            "items (has 33)");
}

TEST(ManifestValidationTest, TolerationRules) {
  const std::string head =
      "    requests:\n    - name: a\n      exactly:\n        deviceClassName: a\n"
      "        tolerations:\n";
  EXPECT_EQ(ErrorOf(Claim(head + "        - {key: k, operator: Like}\n")),
            "claim.yaml:11: spec.devices.requests[0].exactly.tolerations[0].operator: "
            "unsupported toleration operator \"Like\" (Equal, Exists)");
  EXPECT_EQ(ErrorOf(Claim(head + "        - {key: k, operator: Exists, value: v}\n")),
            "claim.yaml:11: spec.devices.requests[0].exactly.tolerations[0].value: must be "
            "empty when operator is Exists");
  EXPECT_EQ(ErrorOf(Claim(head + "        - {value: v}\n")),
            "claim.yaml:11: spec.devices.requests[0].exactly.tolerations[0]: must be Exists "
            "when key is empty");
  EXPECT_EQ(ErrorOf(Claim(head + "        - {key: k, effect: None}\n")),
            "claim.yaml:11: spec.devices.requests[0].exactly.tolerations[0].effect: "
            "unsupported toleration effect \"None\" (NoSchedule, NoExecute or empty)");
  EXPECT_EQ(ErrorOf(Claim(head + "        - {operator: Exists, tolerationSeconds: 1.5}\n")),
            "claim.yaml:11: spec.devices.requests[0].exactly.tolerations[0].tolerationSeconds: "
            "expected an integer, got \"1.5\"");
}

TEST(ManifestValidationTest, ConstraintAndConfigRules) {
  const std::string req = "    requests:\n    - {name: gpu, exactly: {deviceClassName: a}}\n";
  EXPECT_EQ(ErrorOf(Claim(req + "    constraints:\n    - {requests: [gpu]}\n")),
            "claim.yaml:9: spec.devices.constraints[0]: exactly one of matchAttribute and "
            "distinctAttribute is required");
  EXPECT_EQ(ErrorOf(Claim(req + "    constraints:\n    - {matchAttribute: numa}\n")),
            "claim.yaml:9: spec.devices.constraints[0].matchAttribute: must be a fully "
            "qualified name (domain/identifier): \"numa\"");
  EXPECT_EQ(ErrorOf(Claim(req + "    constraints:\n"
                                "    - {matchAttribute: a.com/x, distinctAttribute: a.com/y}\n")),
            "claim.yaml:9: spec.devices.constraints[0]: exactly one of matchAttribute and "
            "distinctAttribute is required");
  EXPECT_EQ(ErrorOf(Claim(req + "    constraints:\n"
                                "    - {requests: [gpu, nic], matchAttribute: a.com/x}\n")),
            "claim.yaml:9: spec.devices.constraints[0].requests[1]: must be the name of a "
            "request in the claim or of one of its subrequests (\"request/subrequest\"): "
            "\"nic\"");
  EXPECT_EQ(ErrorOf(Claim(req + "    constraints:\n"
                                "    - {requests: [gpu/x], matchAttribute: a.com/x}\n")),
            "claim.yaml:9: spec.devices.constraints[0].requests[0]: must be the name of a "
            "request in the claim or of one of its subrequests (\"request/subrequest\"): "
            "\"gpu/x\"");
  EXPECT_EQ(ErrorOf(Claim(req + "    config:\n    - requests: [gpu]\n")),
            "claim.yaml:9: spec.devices.config[0]: exactly one of opaque is required");
  EXPECT_EQ(ErrorOf(Claim(req + "    config:\n    - opaque: {driver: a.com, parameters: [1]}\n")),
            "claim.yaml:9: spec.devices.config[0].opaque.parameters: parameters must be an "
            "object");
  EXPECT_EQ(ErrorOf(Claim(req + "    config:\n    - opaque: {driver: a.com}\n")),
            "claim.yaml:9: spec.devices.config[0].opaque.parameters: missing required field "
            "\"parameters\"");
}

TEST(ManifestValidationTest, SliceNodeSelection) {
  EXPECT_EQ(ErrorOf(Slice("  devices: []\n")),
            "claim.yaml:5: spec: exactly one of nodeName, nodeSelector, allNodes, "
            "perDeviceNodeSelection is required (0 set)");
  EXPECT_EQ(ErrorOf(Slice("  nodeName: node-1\n  allNodes: true\n")),
            "claim.yaml:5: spec: exactly one of nodeName, nodeSelector, allNodes, "
            "perDeviceNodeSelection is required (2 set)");
  EXPECT_EQ(ErrorOf(Slice("  nodeName: node-1\n  allNodes: false\n")), "ok");
  EXPECT_EQ(
      ErrorOf(Slice("  nodeSelector:\n    nodeSelectorTerms:\n"
                    "    - matchFields: [{key: metadata.name, operator: In, values: [a]}]\n"
                    "    - matchFields: [{key: metadata.name, operator: In, values: [b]}]\n")),
      "claim.yaml:9: spec.nodeSelector.nodeSelectorTerms: must have exactly one node "
      "selector term (has 2)");
  EXPECT_EQ(ErrorOf(Slice("  nodeSelector:\n    nodeSelectorTerms:\n"
                          "    - matchExpressions: [{key: zone, operator: Near, values: [a]}]\n")),
            "claim.yaml:9: spec.nodeSelector.nodeSelectorTerms[0].matchExpressions[0]."
            "operator: unsupported operator \"Near\" (In, NotIn, Exists, DoesNotExist, Gt, Lt)");
  EXPECT_EQ(ErrorOf(Slice("  nodeSelector:\n    nodeSelectorTerms:\n"
                          "    - matchExpressions: [{key: zone, operator: In}]\n")),
            "claim.yaml:9: spec.nodeSelector.nodeSelectorTerms[0].matchExpressions[0]."
            "operator: values must be non-empty for operator In");
  EXPECT_EQ(ErrorOf(Slice("  nodeSelector:\n    nodeSelectorTerms:\n"
                          "    - matchExpressions: [{key: gpus, operator: Gt, values: [a]}]\n")),
            "claim.yaml:9: spec.nodeSelector.nodeSelectorTerms[0].matchExpressions[0]."
            "operator: operator Gt needs exactly one integer value");
  EXPECT_EQ(ErrorOf(Slice("  nodeSelector:\n    nodeSelectorTerms:\n"
                          "    - matchFields: [{key: metadata.uid, operator: In, values: [a]}]\n")),
            "claim.yaml:9: spec.nodeSelector.nodeSelectorTerms[0].matchFields[0].key: not a "
            "supported field selector: \"metadata.uid\" (supported: metadata.name)");
  EXPECT_EQ(ErrorOf(Slice("  allNodes: true\n  devices:\n  - name: d\n    nodeName: node-1\n")),
            "claim.yaml:9: spec.devices[0]: nodeName, nodeSelector and allNodes of a device "
            "need spec.perDeviceNodeSelection: true");
  EXPECT_EQ(ErrorOf(Slice("  perDeviceNodeSelection: true\n  devices:\n  - name: d\n"
                          "    nodeName: node-1\n    allNodes: true\n")),
            "claim.yaml:9: spec.devices[0]: at most one of nodeName, nodeSelector, allNodes "
            "may be set");
}

TEST(ManifestValidationTest, SlicePoolAndDriver) {
  const std::string head =
      "apiVersion: resource.k8s.io/v1\nkind: ResourceSlice\nmetadata: {name: s}\nspec:\n"
      "  nodeName: n\n";
  EXPECT_EQ(
      ErrorOf(head + "  driver: GPU\n  pool: {name: p, generation: 1, resourceSliceCount: 1}\n"),
      "claim.yaml:6: spec.driver: must be a DNS subdomain (DNS labels of lower case "
      "alphanumeric characters or '-', starting and ending with an alphanumeric "
      "character, separated by '.'): \"GPU\"");
  EXPECT_EQ(
      ErrorOf(head + "  driver: a.com\n  pool: {name: p, generation: 1, resourceSliceCount: 0}\n"),
      "claim.yaml:7: spec.pool.resourceSliceCount: must be greater than 0");
  EXPECT_EQ(
      ErrorOf(head + "  driver: a.com\n  pool: {name: p, generation: -1, resourceSliceCount: 1}\n"),
      "claim.yaml:7: spec.pool.generation: must not be negative");
  EXPECT_EQ(ErrorOf(head + "  driver: a.com\n  pool: {name: p, resourceSliceCount: 1}\n"),
            "claim.yaml:7: spec.pool.generation: missing required field \"generation\"");
  EXPECT_EQ(
      ErrorOf(head +
              "  driver: a.com\n  pool: {name: a//b, generation: 1, resourceSliceCount: 1}\n"),
      "claim.yaml:7: spec.pool.name: must be one or more DNS subdomains separated by '/': "
      "\"a//b\"");
}

TEST(ManifestValidationTest, DeviceRules) {
  EXPECT_EQ(ErrorOf(Slice(Devices(128))), "ok");
  EXPECT_EQ(ErrorOf(Slice(Devices(129))),
            "claim.yaml:9: spec.devices: must have at most 128 devices (has 129)");
  EXPECT_EQ(ErrorOf(Slice(Devices(65, ", taints: [{key: k, effect: NoSchedule}]"))),
            "claim.yaml:9: spec.devices: must have at most 64 devices when devices have taints "
            "or consume counters (has 65)");
  EXPECT_EQ(ErrorOf(Slice(Devices(65,
                                  ", consumesCounters: [{counterSet: c, counters: {m: "
                                  "{value: 1}}}]"))),
            "claim.yaml:9: spec.devices: must have at most 64 devices when devices have taints "
            "or consume counters (has 65)");
  EXPECT_EQ(ErrorOf(Slice("  nodeName: n\n  devices:\n  - name: gpu-0\n  - name: gpu-1\n"
                          "  - name: gpu-0\n")),
            "claim.yaml:11: spec.devices[2].name: duplicate device name \"gpu-0\" (also "
            "spec.devices[0].name at line 9)");
  EXPECT_EQ(ErrorOf(Slice("  nodeName: n\n  devices:\n  - name: gpu_0\n")),
            "claim.yaml:9: spec.devices[0].name: must be a DNS label (lower case alphanumeric "
            "characters or '-', starting and ending with an alphanumeric character): \"gpu_0\"");
  const std::string dev = "  nodeName: n\n  devices:\n  - name: gpu-0\n    attributes:\n";
  EXPECT_EQ(ErrorOf(Slice(dev + "      model: {string: a, int: 1}\n")),
            "claim.yaml:11: spec.devices[0].attributes.model: exactly one of int, bool, string, "
            "version is required");
  EXPECT_EQ(ErrorOf(Slice(dev + "      model: {}\n")),
            "claim.yaml:11: spec.devices[0].attributes.model: exactly one of int, bool, string, "
            "version is required");
  EXPECT_EQ(ErrorOf(Slice(dev + "      model: {string: " + std::string(65, 'x') + "}\n")),
            "claim.yaml:11: spec.devices[0].attributes.model.string: must be at most 64 "
            "characters");
  EXPECT_EQ(ErrorOf(Slice(dev + "      driverVersion: {version: v1.2.3}\n")),
            "claim.yaml:11: spec.devices[0].attributes.driverVersion.version: must be a "
            "semantic version (semver 2.0.0, e.g. 1.2.3): \"v1.2.3\"");
  EXPECT_EQ(ErrorOf(Slice(dev + "      pcie-root: {string: a}\n")),
            "claim.yaml:11: spec.devices[0].attributes.pcie-root: must be a C identifier of at "
            "most 32 characters (letters, digits and '_', not starting with a digit): "
            "\"pcie-root\"");
  EXPECT_EQ(
      ErrorOf(Slice(dev + "      model: {string: a}\n      gpu.example.com/model: {string: b}\n")),
      "claim.yaml:12: spec.devices[0].attributes.gpu.example.com/model: duplicate "
      "attribute or capacity name \"gpu.example.com/model\" (also \"model\")");
  EXPECT_EQ(ErrorOf(Slice(dev + "      numa: {int: 0x1}\n")),
            "claim.yaml:11: spec.devices[0].attributes.numa.int: expected an integer, got "
            "\"0x1\"");
  std::string many = dev;
  for (int i = 0; i < 30; ++i) many += "      a" + std::to_string(i) + ": {int: 1}\n";
  many += "    capacity:\n      m1: {value: 1}\n      m2: {value: 1}\n      m3: {value: 1}\n";
  EXPECT_EQ(ErrorOf(Slice(many)),
            "claim.yaml:9: spec.devices[0]: attributes and capacity together must have at most "
            "32 entries (has 33)");
  const std::string cap = "  nodeName: n\n  devices:\n  - name: gpu-0\n    capacity:\n";
  EXPECT_EQ(ErrorOf(Slice(cap + "      memory: {value: 1Gi, requestPolicy: {default: 1Gi}}\n")),
            "claim.yaml:11: spec.devices[0].capacity.memory: requestPolicy needs "
            "allowMultipleAllocations: true");
  EXPECT_EQ(ErrorOf(Slice(
                cap + "      memory:\n        value: 8Gi\n        requestPolicy:\n"
                      "          validValues: [2Gi, 1Gi]\n    allowMultipleAllocations: true\n")),
            "claim.yaml:14: spec.devices[0].capacity.memory.requestPolicy.validValues[1]: "
            "validValues must be sorted in ascending order");
  EXPECT_EQ(ErrorOf(Slice(cap + "      memory: {valu: 1Gi}\n")),
            "claim.yaml:11: spec.devices[0].capacity.memory.value: missing required field "
            "\"value\"");
}

TEST(ManifestValidationTest, TaintsCountersAndBinding) {
  const std::string dev = "  nodeName: n\n  devices:\n  - name: gpu-0\n";
  EXPECT_EQ(ErrorOf(Slice(dev + "    taints: [{key: k, effect: PreferNoSchedule}]\n")),
            "claim.yaml:10: spec.devices[0].taints[0].effect: unsupported taint effect "
            "\"PreferNoSchedule\" (NoSchedule, NoExecute, None)");
  EXPECT_EQ(ErrorOf(Slice(dev + "    taints: [{effect: None}]\n")),
            "claim.yaml:10: spec.devices[0].taints[0].key: missing required field \"key\"");
  EXPECT_EQ(ErrorOf(Slice(dev + "    bindingConditions: [a, b, c, d, e]\n"
                                "    bindingFailureConditions: [f]\n")),
            "claim.yaml:10: spec.devices[0].bindingConditions: must have at most 4 items (has "
            "5)");
  EXPECT_EQ(ErrorOf(Slice(dev + "    bindingConditions: [a]\n")),
            "claim.yaml:9: spec.devices[0]: bindingConditions and bindingFailureConditions "
            "must be set together");
  EXPECT_EQ(ErrorOf(Slice(
                dev + "    consumesCounters:\n    - {counterSet: a, counters: {m: {value: 1}}}\n"
                      "    - {counterSet: b, counters: {m: {value: 1}}}\n"
                      "    - {counterSet: c, counters: {m: {value: 1}}}\n")),
            "claim.yaml:11: spec.devices[0].consumesCounters: must have at most 2 items (has "
            "3)");
  EXPECT_EQ(ErrorOf(Slice(dev + "    consumesCounters:\n    - {counterSet: a, counters: {}}\n")),
            "claim.yaml:11: spec.devices[0].consumesCounters[0].counters: must have at least "
            "one counter");
  EXPECT_EQ(
      ErrorOf(Slice("  nodeName: n\n  sharedCounters:\n  - name: a\n    counters: {m: {value: 1}}\n"
                    "  - name: a\n    counters: {m: {value: 1}}\n")),
      "claim.yaml:11: spec.sharedCounters[1].name: duplicate counter set name \"a\"");
  EXPECT_EQ(
      ErrorOf(Slice("  nodeName: n\n  sharedCounters:\n  - name: a\n    counters: {m: {value: 1}}\n"
                    "  devices:\n  - name: d\n")),
      "claim.yaml:9: spec.sharedCounters: a slice may have devices or sharedCounters, not "
      "both");
}

TEST(ManifestValidationTest, MetadataPodAndNamespace) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Node\nmetadata:\n  name: Node_1\n"),
            "claim.yaml:4: metadata.name: must be a DNS subdomain (DNS labels of lower case "
            "alphanumeric characters or '-', starting and ending with an alphanumeric "
            "character, separated by '.'): \"Node_1\"");
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a.b\n"),
            "claim.yaml:4: metadata.name: must be a DNS label (lower case alphanumeric "
            "characters or '-', starting and ending with an alphanumeric character): \"a.b\"");
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Node\nmetadata:\n  name: n\n  labels: {\"a b\": x}\n"),
            "claim.yaml:5: metadata.labels.a b: name part must be at most 63 alphanumeric "
            "characters, '-', '_' or '.', starting and ending with an alphanumeric character: "
            "\"a b\"");
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Node\nmetadata: {labels: {a: b}}\n"),
            "claim.yaml:3: metadata.name: missing required field \"name\"");
  const std::string pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n";
  EXPECT_EQ(ErrorOf(pod + "  resourceClaims:\n  - {name: gpu}\n"),
            "claim.yaml:6: spec.resourceClaims[0]: exactly one of resourceClaimName and "
            "resourceClaimTemplateName is required");
  EXPECT_EQ(ErrorOf(pod + "  resourceClaims:\n  - {name: gpu, resourceClaimName: c}\n"
                          "  containers:\n  - name: c\n    resources: {claims: [{name: nic}]}\n"),
            "claim.yaml:8: spec.containers[0]: resources.claims[0]: \"nic\" is not the name of "
            "an entry of spec.resourceClaims");
  EXPECT_EQ(ErrorOf(pod + "  resourceClaims:\n  - {name: gpu, resourceClaimName: c, "
                          "source: x}\n"),
            "claim.yaml:6: spec.resourceClaims[0].source: unknown field \"source\" (accepted "
            "here: name, resourceClaimName, resourceClaimTemplateName)");
}

TEST(ManifestValidationTest, AllocationStatus) {
  const std::string head =
      Claim("    requests:\n    - {name: gpu, exactly: {deviceClassName: a}}\n") +
      "status:\n  allocation:\n    devices:\n";
  EXPECT_EQ(ErrorOf(head + "      results:\n      - {request: gpu, driver: a.com, pool: p}\n"),
            "claim.yaml:12: status.allocation.devices.results[0].device: missing required "
            "field \"device\"");
}

TEST(ManifestValidationTest, AdminAccessNeedsTheNamespaceLabel) {
  const std::string admin =
      "    requests:\n    - name: a\n      exactly: {deviceClassName: a, adminAccess: true}\n";
  auto ns = [](const std::string& labels) {
    return "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: default" + labels + "}\n";
  };
  // No Namespace among the inputs: nothing to judge.
  EXPECT_EQ(ErrorOf(Claim(admin)), "ok");
  EXPECT_EQ(ErrorOf(Claim(admin) + ns(", labels: {resource.kubernetes.io/admin-access: \"true\"}")),
            "ok");
  EXPECT_EQ(ErrorOf(Claim(admin) + ns("")),
            "claim.yaml:7: spec.devices.requests[0].exactly.adminAccess: ResourceClaim "
            "default/claim-0: admin access to devices requires the "
            "`resource.kubernetes.io/admin-access: \"true\"` label on the containing namespace "
            "default; label it (kubectl label namespace default "
            "resource.kubernetes.io/admin-access=true) or drop adminAccess");
  // adminAccess: false asks for nothing.
  EXPECT_EQ(ErrorOf(Claim("    requests:\n    - name: a\n      exactly: {deviceClassName: a, "
                          "adminAccess: false}\n") +
                    ns("")),
            "ok");
  // Without validation (the allocator's own checks only) the label is not looked at.
  EXPECT_EQ(ErrorOf(Claim(admin) + ns(""), ReadOptions{.validate = false}), "ok");
}

}  // namespace
}  // namespace aiinfra::dra
