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

}  // namespace
}  // namespace aiinfra::dra
