#include <gtest/gtest.h>

#include "dra/manifest.h"
#include "dra/manifest_test_util.h"

namespace aiinfra::dra {
namespace {

using testing::Read;
using testing::ReadTestdata;

// Read -> ToYaml -> read gives an equal claim, and writing again gives the same text.
void ExpectRoundTrip(const ResourceClaim& claim) {
  const std::string text = ToYaml(claim);
  auto again = Read(text, {}, "written.yaml");
  ASSERT_TRUE(again) << again.error().ToString() << "\n" << text;
  ASSERT_EQ(again->resource_claims.size(), 1u);
  EXPECT_EQ(again->resource_claims[0], claim) << text;
  EXPECT_EQ(ToYaml(again->resource_claims[0]), text);
}

TEST(ManifestWriteTest, KubectlClaimRoundTrips) {
  auto objs = Read(ReadTestdata("kubectl-list.yaml"));
  ASSERT_TRUE(objs) << objs.error().ToString();
  ExpectRoundTrip(objs->resource_claims.at(0));
}

TEST(ManifestWriteTest, PrintsAsKubectlDoes) {
  auto objs = Read(ReadTestdata("kubectl-list.yaml"));
  ASSERT_TRUE(objs) << objs.error().ToString();
  EXPECT_EQ(ToYaml(objs->resource_claims.at(0)), R"(apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata:
  annotations:
    resource.kubernetes.io/pod-claim-name: devices
  creationTimestamp: "2026-01-12T10:00:00Z"
  name: trainer-0-devices-abcde
  namespace: ml
  resourceVersion: "48211"
  uid: 7f0e5c1a-2222-4c1b-8a9d-5e6f7a8b9c0d
spec:
  devices:
    requests:
      - exactly:
          allocationMode: ExactCount
          count: 1
          deviceClassName: gpu.nvidia.com
        name: gpu
status:
  allocation:
    devices:
      results:
        - device: gpu-0
          driver: gpu.nvidia.com
          pool: node-1
          request: gpu
    nodeSelector:
      nodeSelectorTerms:
        - matchFields:
            - key: metadata.name
              operator: In
              values:
                - node-1
  reservedFor:
    - name: trainer-0
      resource: pods
      uid: 0b6c7a2e-1111-4a4e-9c7e-3f1d2c3b4a59
)");
}

TEST(ManifestWriteTest, EveryFieldRoundTrips) {
  auto objs = Read(ReadTestdata("workload.yaml"));
  ASSERT_TRUE(objs) << objs.error().ToString();
  ResourceClaim claim;
  claim.metadata.name = "trainer-0-devices-xyz";
  claim.metadata.ns = "ml";
  claim.metadata.labels = {{"app", "trainer"}, {"tier", "1"}};
  claim.metadata.generation = 2;
  claim.spec = objs->resource_claim_templates.at(0).spec;
  ExactDeviceRequest& gpu = *claim.spec.devices.requests.at(0).exactly;
  gpu.admin_access = false;
  gpu.tolerations = {
      DeviceToleration{"example.com/maintenance", "Equal", "planned", "NoSchedule", std::nullopt},
      DeviceToleration{"", "Exists", "", "", 300}};
  gpu.capacity = CapacityRequirements{{{"memory", *Quantity::Parse("10Gi")}}};
  DeviceRequest all;
  all.name = "all";
  all.exactly.emplace();
  all.exactly->device_class_name = "dranet";
  all.exactly->allocation_mode = "All";
  all.exactly->count = 0;
  claim.spec.devices.requests.push_back(all);
  claim.spec.devices.constraints.push_back(
      DeviceConstraint{{"all"}, std::nullopt, "dra.net/pciAddress", {}});

  AllocationResult a;
  DeviceRequestAllocationResult r;
  r.request = "gpu";
  r.driver = "gpu.nvidia.com";
  r.pool = "node-1";
  r.device = "gpu-0";
  r.admin_access = true;
  r.tolerations =
      claim.spec.devices.requests.at(0).exactly->tolerations;  // `gpu` dangles: requests grew
  r.binding_conditions = {"IsPrepared"};
  r.binding_failure_conditions = {"PrepareFailed"};
  r.share_id = "6f1c1a2b-0000-4000-8000-000000000001";
  r.consumed_capacity = {{"memory", *Quantity::Parse("10Gi")}};
  a.devices.results.push_back(r);
  r = DeviceRequestAllocationResult{};
  r.request = "nic/rdma";
  r.driver = "dra.net";
  r.pool = "node-1";
  r.device = "pci-0000-0c-00-0";
  a.devices.results.push_back(r);
  a.devices.config.push_back(DeviceAllocationConfiguration{
      "FromClass", {"gpu"}, OpaqueDeviceConfiguration{"gpu.nvidia.com", "sharing: {}\n"}});
  a.devices.config.push_back(DeviceAllocationConfiguration{
      "FromClaim", {"nic/rdma"}, claim.spec.devices.config.at(0).opaque});
  a.node_selector =
      NodeSelector{{NodeSelectorTerm{{{"region", "In", {"region-1"}}, {"gpus", "Gt", {"4"}}},
                                     {{"metadata.name", "In", {"node-1"}}}}}};
  a.allocation_timestamp = "2026-01-12T10:00:01Z";
  claim.status.allocation = a;
  claim.status.reserved_for.push_back({"", "pods", "trainer-0", "uid-1"});
  // The parameters were read from YAML; writing and reading them keeps them.
  auto written = Read(ToYaml(claim));
  ASSERT_TRUE(written) << written.error().ToString() << "\n" << ToYaml(claim);
  claim.status.allocation->devices.config[0].opaque->parameters =
      written->resource_claims.at(0).status.allocation->devices.config[0].opaque->parameters;
  ExpectRoundTrip(claim);
  const std::string text = ToYaml(claim);
  EXPECT_NE(text.find("          tolerationSeconds: 300"), std::string::npos) << text;
  EXPECT_NE(text.find("tier: \"1\""), std::string::npos) << text;
  EXPECT_NE(text.find("interface:"), std::string::npos) << text;
  EXPECT_EQ(text.find("count: 0"), std::string::npos) << text;
}

TEST(ManifestWriteTest, AllocationAlone) {
  AllocationResult a;
  a.devices.results.push_back({"req-0", "driver-a", "pool-1", "device-1"});
  EXPECT_EQ(ToYaml(a), R"(devices:
  results:
    - device: device-1
      driver: driver-a
      pool: pool-1
      request: req-0
)");
  EXPECT_EQ(ToYaml(AllocationResult{}), "devices: {}\n");
}

TEST(ManifestWriteTest, EmptyClaim) {
  ResourceClaim claim;
  claim.metadata.name = "c";
  claim.metadata.ns = "default";
  EXPECT_EQ(ToYaml(claim), R"(apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata:
  name: c
  namespace: default
spec:
  devices: {}
status: {}
)");
  ExpectRoundTrip(claim);
}

// Every slice, class and node of the fixtures reads back equal, and writes the same text again.
TEST(ManifestWriteTest, SlicesClassesAndNodesRoundTrip) {
  for (const char* file : {"nvidia-gpu.yaml", "dranet.yaml", "partitionable.yaml", "workload.yaml",
                           "kubectl-list.yaml"}) {
    auto objs = Read(ReadTestdata(file));
    ASSERT_TRUE(objs) << file << ": " << objs.error().ToString();
    std::string text;
    for (const auto& n : objs->nodes) text += "---\n" + ToYaml(n);
    for (const auto& c : objs->device_classes) text += "---\n" + ToYaml(c);
    for (const auto& s : objs->resource_slices) text += "---\n" + ToYaml(s);
    auto again = Read(text, {}, "written.yaml");
    ASSERT_TRUE(again) << file << ": " << again.error().ToString() << "\n" << text;
    EXPECT_EQ(again->nodes, objs->nodes) << file;
    EXPECT_EQ(again->device_classes, objs->device_classes) << file;
    EXPECT_EQ(again->resource_slices, objs->resource_slices) << file << "\n" << text;
    for (size_t i = 0; i < again->resource_slices.size(); ++i) {
      EXPECT_EQ(ToYaml(again->resource_slices[i]), ToYaml(objs->resource_slices[i]));
    }
  }
}

TEST(ManifestWriteTest, PrintsSliceAsKubectlDoes) {
  auto objs = Read(ReadTestdata("nvidia-gpu.yaml"));
  ASSERT_TRUE(objs) << objs.error().ToString();
  ResourceSlice slice = objs->resource_slices.at(0);
  slice.spec.devices.resize(1);
  EXPECT_EQ(ToYaml(slice), R"(apiVersion: resource.k8s.io/v1
kind: ResourceSlice
metadata:
  name: node-1-gpu.nvidia.com-x7k2p
spec:
  devices:
    - attributes:
        architecture:
          string: Ampere
        brand:
          string: Nvidia
        cudaComputeCapability:
          version: 8.0.0
        cudaDriverVersion:
          version: 12.4.0
        driverVersion:
          version: 550.54.15
        index:
          int: 0
        minor:
          int: 0
        productName:
          string: NVIDIA A100-SXM4-40GB
        resource.kubernetes.io/pciBusID:
          string: "0000:07:00.0"
        resource.kubernetes.io/pcieRoot:
          string: pci0000:00
        type:
          string: gpu
        uuid:
          string: GPU-4cf8db2d-06c0-7d70-1a51-e59b25b2c16c
      capacity:
        memory:
          value: 40Gi
      name: gpu-0
  driver: gpu.nvidia.com
  nodeName: node-1
  pool:
    generation: 1
    name: node-1
    resourceSliceCount: 1
)");
}

TEST(ManifestWriteTest, PrintsCountersPoliciesAndTaints) {
  auto objs = Read(ReadTestdata("partitionable.yaml"));
  ASSERT_TRUE(objs) << objs.error().ToString();
  const std::string counters = ToYaml(objs->resource_slices.at(0));
  EXPECT_NE(counters.find(R"(  sharedCounters:
    - counters:
        memory:
          value: 40Gi
        memory-slice-0:
          value: "1"
)"),
            std::string::npos)
      << counters;
  const std::string mig = ToYaml(objs->resource_slices.at(1));
  EXPECT_NE(mig.find(R"(      consumesCounters:
        - counterSet: gpu-0-counter-set
          counters:
)"),
            std::string::npos)
      << mig;
  EXPECT_NE(mig.find(R"(      taints:
        - effect: NoSchedule
          key: example.com/maintenance
          value: planned
)"),
            std::string::npos)
      << mig;
  const std::string shared = ToYaml(objs->resource_slices.at(2));
  EXPECT_NE(shared.find(R"(          requestPolicy:
            default: 10G
            validRange:
              max: 400G
              min: 10G
              step: 10G
          value: 400G
)"),
            std::string::npos)
      << shared;
}

TEST(ManifestWriteTest, PrintsClassAndNode) {
  DeviceClass c;
  c.metadata.name = "dranet";
  c.spec.selectors.push_back(DeviceSelector{"device.driver == \"dra.net\"", {}});
  EXPECT_EQ(ToYaml(c), R"(apiVersion: resource.k8s.io/v1
kind: DeviceClass
metadata:
  name: dranet
spec:
  selectors:
    - cel:
        expression: device.driver == "dra.net"
)");
  DeviceClass empty;
  empty.metadata.name = "all";
  EXPECT_EQ(ToYaml(empty),
            "apiVersion: resource.k8s.io/v1\nkind: DeviceClass\nmetadata:\n  "
            "name: all\nspec: {}\n");
  Node n;
  n.metadata.name = "node-1";
  n.metadata.labels = {{"kubernetes.io/hostname", "node-1"}, {"rack", "7"}};
  EXPECT_EQ(ToYaml(n), R"(apiVersion: v1
kind: Node
metadata:
  labels:
    kubernetes.io/hostname: node-1
    rack: "7"
  name: node-1
)");
}

}  // namespace
}  // namespace aiinfra::dra
