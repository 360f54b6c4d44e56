#include "dra/manifest.h"

#include <gtest/gtest.h>

#include "dra/manifest_test_util.h"

namespace aiinfra::dra {
namespace {

using testing::ErrorOf;
using testing::Read;
using testing::ReadTestdata;

TEST(ManifestReadTest, NvidiaGpuSlice) {
  auto objs = Read(ReadTestdata("nvidia-gpu.yaml"), {}, "gpu.yaml");
  ASSERT_TRUE(objs) << objs.error().ToString();
  ASSERT_EQ(objs->device_classes.size(), 1u);
  const DeviceClass& dc = objs->device_classes[0];
  EXPECT_EQ(dc.metadata.name, "gpu.nvidia.com");
  ASSERT_EQ(dc.spec.selectors.size(), 1u);
  EXPECT_EQ(*dc.spec.selectors[0].cel,
            "device.driver == 'gpu.nvidia.com' && "
            "device.attributes['gpu.nvidia.com'].type == 'gpu'");
  EXPECT_EQ(dc.where.file, "gpu.yaml");
  EXPECT_EQ(dc.where.line, 2);

  ASSERT_EQ(objs->resource_slices.size(), 1u);
  const ResourceSlice& s = objs->resource_slices[0];
  EXPECT_EQ(s.where.line, 11);
  EXPECT_EQ(s.spec.driver, "gpu.nvidia.com");
  EXPECT_EQ(s.spec.node_name, "node-1");
  EXPECT_EQ(s.spec.pool, (ResourcePool{"node-1", 1, 1}));
  ASSERT_EQ(s.spec.devices.size(), 2u);
  const Device& gpu = s.spec.devices[0];
  EXPECT_EQ(gpu.name, "gpu-0");
  EXPECT_EQ(gpu.where.line, 23);
  EXPECT_EQ(gpu.attributes.size(), 12u);
  EXPECT_EQ(gpu.attributes.at("productName").kind, AttributeValue::Kind::kString);
  EXPECT_EQ(gpu.attributes.at("productName").string_value, "NVIDIA A100-SXM4-40GB");
  EXPECT_EQ(gpu.attributes.at("cudaComputeCapability").kind, AttributeValue::Kind::kVersion);
  EXPECT_EQ(gpu.attributes.at("cudaComputeCapability").string_value, "8.0.0");
  EXPECT_EQ(gpu.attributes.at("minor").kind, AttributeValue::Kind::kInt);
  EXPECT_EQ(gpu.attributes.at("resource.kubernetes.io/pciBusID").string_value, "0000:07:00.0");
  EXPECT_EQ(gpu.capacity.at("memory").value, *Quantity::Parse("40Gi"));
  EXPECT_FALSE(gpu.capacity.at("memory").request_policy);
  EXPECT_EQ(s.spec.devices[1].attributes.at("index").int_value, 1);
}

TEST(ManifestReadTest, DranetSlice) {
  auto objs = Read(ReadTestdata("dranet.yaml"));
  ASSERT_TRUE(objs) << objs.error().ToString();
  const ResourceSlice& s = objs->resource_slices.at(0);
  EXPECT_EQ(s.spec.driver, "dra.net");
  EXPECT_EQ(s.spec.pool.generation, 3);
  const Device& nic = s.spec.devices.at(0);
  EXPECT_EQ(nic.name, "pci-0000-0c-00-0");
  EXPECT_EQ(nic.attributes.at("dra.net/rdma").kind, AttributeValue::Kind::kBool);
  EXPECT_TRUE(nic.attributes.at("dra.net/rdma").bool_value);
  EXPECT_EQ(nic.attributes.at("dra.net/mtu").int_value, 8896);
  EXPECT_EQ(nic.attributes.at("resource.kubernetes.io/pcieRoot").string_value, "pci0000:00");
  EXPECT_EQ(nic.attributes.at("dra.net/mac").string_value, "42:01:0a:00:00:02");
}

TEST(ManifestReadTest, WorkloadTemplatePodNodeNamespace) {
  auto objs = Read(ReadTestdata("workload.yaml"));
  ASSERT_TRUE(objs) << objs.error().ToString();
  ASSERT_EQ(objs->resource_claim_templates.size(), 1u);
  const ResourceClaimTemplate& t = objs->resource_claim_templates[0];
  EXPECT_EQ(t.metadata.ns, "ml");
  EXPECT_EQ(t.claim_labels.at("app"), "trainer");
  const DeviceClaim& d = t.spec.devices;
  ASSERT_EQ(d.requests.size(), 2u);
  ASSERT_TRUE(d.requests[0].exactly);
  EXPECT_EQ(d.requests[0].exactly->device_class_name, "gpu.nvidia.com");
  EXPECT_EQ(d.requests[0].exactly->allocation_mode, "ExactCount");  // defaulted
  EXPECT_EQ(d.requests[0].exactly->count, 1);                       // defaulted
  EXPECT_FALSE(d.requests[0].exactly->admin_access);
  EXPECT_FALSE(d.requests[1].exactly);
  ASSERT_EQ(d.requests[1].first_available.size(), 2u);
  EXPECT_EQ(d.requests[1].first_available[0].name, "rdma");
  EXPECT_EQ(d.requests[1].first_available[0].count, 1);
  EXPECT_EQ(*d.requests[1].first_available[0].selectors.at(0).cel,
            "device.attributes['dra.net'].rdma");
  ASSERT_EQ(d.constraints.size(), 1u);
  EXPECT_EQ(d.constraints[0].requests, (std::vector<std::string>{"gpu", "nic"}));
  EXPECT_EQ(d.constraints[0].match_attribute, "resource.kubernetes.io/pcieRoot");
  ASSERT_EQ(d.config.size(), 1u);
  EXPECT_EQ(d.config[0].requests, (std::vector<std::string>{"nic/rdma"}));
  ASSERT_TRUE(d.config[0].opaque);
  EXPECT_EQ(d.config[0].opaque->driver, "dra.net");
  EXPECT_NE(d.config[0].opaque->parameters.find("mtu: 8896"), std::string::npos);

  ASSERT_EQ(objs->pods.size(), 1u);
  const Pod& pod = objs->pods[0];
  EXPECT_EQ(pod.metadata.ns, "ml");
  EXPECT_EQ(pod.node_name, "node-1");
  ASSERT_EQ(pod.resource_claims.size(), 1u);
  EXPECT_EQ(pod.resource_claims[0].resource_claim_template_name, "gpu-and-nic");
  EXPECT_FALSE(pod.resource_claims[0].resource_claim_name);
  ASSERT_EQ(pod.containers.size(), 1u);
  EXPECT_EQ(pod.containers[0].claims, (std::vector<ContainerResourceClaim>{{"devices", "gpu"}}));
  EXPECT_EQ(objs->nodes.at(0).metadata.labels.size(), 3u);
  EXPECT_EQ(objs->namespaces.at(0).metadata.name, "ml");
}

TEST(ManifestReadTest, PartitionableCountersTaintsBindingAndConsumableCapacity) {
  auto objs = Read(ReadTestdata("partitionable.yaml"));
  ASSERT_TRUE(objs) << objs.error().ToString();
  ASSERT_EQ(objs->resource_slices.size(), 3u);
  const auto& counters = objs->resource_slices[0].spec.shared_counters;
  ASSERT_EQ(counters.size(), 1u);
  EXPECT_EQ(counters[0].name, "gpu-0-counter-set");
  EXPECT_EQ(counters[0].counters.at("memory").value, *Quantity::Parse("40Gi"));
  const Device& mig = objs->resource_slices[1].spec.devices.at(0);
  ASSERT_EQ(mig.consumes_counters.size(), 1u);
  EXPECT_EQ(mig.consumes_counters[0].counter_set, "gpu-0-counter-set");
  EXPECT_EQ(mig.consumes_counters[0].counters.size(), 3u);
  ASSERT_EQ(mig.taints.size(), 1u);
  EXPECT_EQ(mig.taints[0].effect, "NoSchedule");
  EXPECT_EQ(mig.binds_to_node, true);
  EXPECT_EQ(mig.binding_conditions, (std::vector<std::string>{"IsPrepared"}));
  const ResourceSlice& fabric = objs->resource_slices[2];
  EXPECT_EQ(fabric.spec.pool.name, "fabric/rack-1");
  const Device& shared = fabric.spec.devices.at(0);
  EXPECT_EQ(shared.allow_multiple_allocations, true);
  const auto& policy = shared.capacity.at("bandwidth").request_policy;
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->default_value, *Quantity::Parse("10G"));
  ASSERT_TRUE(policy->valid_range);
  EXPECT_EQ(policy->valid_range->step, *Quantity::Parse("10G"));
}

TEST(ManifestReadTest, KubectlListWithAllocationAndIgnoredMetadata) {
  auto objs = Read(ReadTestdata("kubectl-list.yaml"));
  ASSERT_TRUE(objs) << objs.error().ToString();
  ASSERT_EQ(objs->resource_claims.size(), 1u);
  const ResourceClaim& c = objs->resource_claims[0];
  EXPECT_EQ(c.metadata.name, "trainer-0-devices-abcde");
  EXPECT_EQ(c.metadata.ns, "ml");
  EXPECT_EQ(c.metadata.uid, "7f0e5c1a-2222-4c1b-8a9d-5e6f7a8b9c0d");
  EXPECT_EQ(c.metadata.resource_version, "48211");
  EXPECT_EQ(c.metadata.creation_timestamp, "2026-01-12T10:00:00Z");
  EXPECT_EQ(c.metadata.annotations.at("resource.kubernetes.io/pod-claim-name"), "devices");
  EXPECT_EQ(c.where.line, 3);
  ASSERT_TRUE(c.status.allocation);
  const AllocationResult& a = *c.status.allocation;
  ASSERT_EQ(a.devices.results.size(), 1u);
  EXPECT_EQ(a.devices.results[0].device, "gpu-0");
  EXPECT_EQ(a.devices.results[0].request, "gpu");
  ASSERT_TRUE(a.node_selector);
  EXPECT_EQ(a.node_selector->node_selector_terms.at(0).match_fields.at(0).values,
            (std::vector<std::string>{"node-1"}));
  ASSERT_EQ(c.status.reserved_for.size(), 1u);
  EXPECT_EQ(c.status.reserved_for[0].resource, "pods");
}

TEST(ManifestReadTest, TypedListItemsInheritKind) {
  auto objs = Read(R"(apiVersion: resource.k8s.io/v1
kind: DeviceClassList
metadata: {resourceVersion: "12"}
items:
- metadata: {name: class-a}
  spec: {selectors: [{cel: {expression: 'device.driver == "driver-a"'}}]}
- apiVersion: resource.k8s.io/v1
  kind: DeviceClass
  metadata: {name: class-b}
  spec: {}
)");
  ASSERT_TRUE(objs) << objs.error().ToString();
  ASSERT_EQ(objs->device_classes.size(), 2u);
  EXPECT_EQ(objs->device_classes[1].metadata.name, "class-b");
  EXPECT_EQ(objs->device_classes[0].where.line, 5);
}

TEST(ManifestReadTest, ManyFilesEmptyDocumentsAndDefaults) {
  auto objs = ReadManifests({{"a.yaml", "---\n---\n"}, {"b.yaml", R"(apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: claim-0}
spec:
  devices:
    requests:
    - name: all
      exactly: {deviceClassName: class-a, allocationMode: All}
    - name: tol
      exactly:
        deviceClassName: class-a
        count: 0
        tolerations: [{key: k, value: v}, {operator: Exists, effect: NoExecute, tolerationSeconds: 30}]
)"}});
  ASSERT_TRUE(objs) << objs.error().ToString();
  const ResourceClaim& c = objs->resource_claims.at(0);
  EXPECT_EQ(c.metadata.ns, "default");
  EXPECT_EQ(c.where.file, "b.yaml");
  const auto& all = *c.spec.devices.requests.at(0).exactly;
  EXPECT_EQ(all.allocation_mode, "All");
  EXPECT_EQ(all.count, 0);
  const auto& tol = *c.spec.devices.requests.at(1).exactly;
  EXPECT_EQ(tol.count, 1);  // an explicit 0 is "unset" upstream, defaulted to 1
  ASSERT_EQ(tol.tolerations.size(), 2u);
  EXPECT_EQ(tol.tolerations[0].op, "Equal");
  EXPECT_EQ(tol.tolerations[1].op, "Exists");
  EXPECT_EQ(tol.tolerations[1].toleration_seconds, 30);
  EXPECT_FALSE(c.status.allocation);
}

TEST(ManifestReadTest, UnknownAllocationModeReachesTheAllocator) {
  const std::string text = R"(apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: claim-0, namespace: default}
spec: {devices: {requests: [{name: req-0, exactly: {deviceClassName: class-a, allocationMode: future-mode}}]}}
)";
  auto objs = Read(text);
  ASSERT_TRUE(objs) << objs.error().ToString();
  const auto& e = *objs->resource_claims.at(0).spec.devices.requests.at(0).exactly;
  EXPECT_EQ(e.allocation_mode, "future-mode");
  EXPECT_EQ(e.count, 0);
}

TEST(ManifestReadTest, WithoutValidationAllocatorErrorCasesRead) {
  // specs/dra.md T24: inputs the API server refuses but the allocator must report itself.
  const std::string text = R"(apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: claim-0}
spec:
  devices:
    requests:
    - name: req-0
      exactly: {deviceClassName: "", selectors: [{}]}
    constraints: [{}]
)";
  EXPECT_NE(ErrorOf(text), "ok");
  auto objs = Read(text, ReadOptions{.validate = false});
  ASSERT_TRUE(objs) << objs.error().ToString();
  const DeviceClaim& d = objs->resource_claims.at(0).spec.devices;
  EXPECT_EQ(d.requests.at(0).exactly->device_class_name, "");
  EXPECT_FALSE(d.requests.at(0).exactly->selectors.at(0).cel);
  EXPECT_FALSE(d.constraints.at(0).match_attribute);
  EXPECT_FALSE(d.constraints.at(0).distinct_attribute);
  EXPECT_EQ(d.constraints.at(0).where.line, 9);
}

TEST(ManifestReadTest, KindsAndApiVersions) {
  EXPECT_EQ(ErrorOf("apiVersion: resource.k8s.io/v1beta1\nkind: ResourceClaim\nmetadata: "
                    "{name: c}\nspec: {}\n"),
            "claim.yaml:1: apiVersion: apiVersion resource.k8s.io/v1beta1 is not supported: "
            "convert the ResourceClaim to resource.k8s.io/v1 (the GA API since Kubernetes 1.34; "
            "in v1 a request's class, selectors and count move under \"exactly:\")");
  EXPECT_NE(ErrorOf("apiVersion: resource.k8s.io/v1beta2\nkind: DeviceClass\n")
                .find("resource.k8s.io/v1beta2 is not supported: convert"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"),
            "claim.yaml:2: kind: unknown kind \"Service\" (known: DeviceClass, ResourceSlice, "
            "ResourceClaim, ResourceClaimTemplate (resource.k8s.io/v1); Node, Pod, Namespace, "
            "List (v1))");
  EXPECT_EQ(ErrorOf("apiVersion: apps/v1\nkind: Pod\nmetadata: {name: p}\n"),
            "claim.yaml:1: apiVersion: kind Pod needs apiVersion v1, not \"apps/v1\"");
  EXPECT_EQ(ErrorOf("kind: Node\nmetadata: {name: n}\n"),
            "claim.yaml:1: missing required field \"apiVersion\"");
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n"),
            "claim.yaml:5: items[0].kind: unknown kind \"Secret\" (known: DeviceClass, "
            "ResourceSlice, ResourceClaim, ResourceClaimTemplate (resource.k8s.io/v1); Node, "
            "Pod, Namespace, List (v1))");
  EXPECT_EQ(ErrorOf("- a\n"), "claim.yaml:1: expected a mapping of fields");
}

TEST(ManifestReadTest, UnknownFieldsAndMetadata) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Node\nmetadata: {name: n, labelz: {}}\n"),
            "claim.yaml:3: metadata.labelz: unknown field \"labelz\" (accepted here: "
            "annotations, creationTimestamp, deletionGracePeriodSeconds, deletionTimestamp, "
            "finalizers, generateName, generation, labels, managedFields, name, namespace, "
            "ownerReferences, resourceVersion, selfLink, uid)");
  EXPECT_EQ(ErrorOf(R"(apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: c}
spec:
  devices:
    requests:
    - name: gpu
      exactly:
        deviceClassName: gpu
        cont: 2
)"),
            "claim.yaml:10: spec.devices.requests[0].exactly.cont: unknown field \"cont\" "
            "(accepted here: adminAccess, allocationMode, capacity, count, deviceClassName, "
            "selectors, tolerations)");
  // A v1beta1-shaped request under v1.
  EXPECT_EQ(ErrorOf(R"(apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: c}
spec:
  devices:
    requests:
    - name: gpu
      deviceClassName: gpu
)"),
            "claim.yaml:8: spec.devices.requests[0].deviceClassName: unknown field "
            "\"deviceClassName\" (accepted here: exactly, firstAvailable, name)");
  EXPECT_EQ(ErrorOf("apiVersion: resource.k8s.io/v1\nkind: DeviceClass\nmetadata: {name: c}\n"
                    "spec: {selectors: [{cel: {expression: x}}]}\nstatus: {}\n"),
            "claim.yaml:5: status: unknown field \"status\" (accepted here: apiVersion, kind, "
            "metadata, spec)");
}

TEST(ManifestReadTest, DuplicateObjectsNameBothPlaces) {
  auto r = ReadManifests(
      {{"a.yaml", ReadTestdata("nvidia-gpu.yaml")}, {"b.yaml", ReadTestdata("nvidia-gpu.yaml")}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(r.error().ToString(),
            "b.yaml:2:1: metadata.name: duplicate DeviceClass \"gpu.nvidia.com\" (also at "
            "a.yaml:2)");
}

TEST(ManifestReadTest, InvalidUtf8IsRefused) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Node\nmetadata: {name: \"n\xff\"}\n"),
            "claim.yaml:3: the file is not valid UTF-8");
  EXPECT_EQ(ErrorOf("a: \"\xc0\xaf\"\n"), "claim.yaml:1: the file is not valid UTF-8");  // overlong
  EXPECT_EQ(ErrorOf("a: \"\xed\xa0\x80\"\n"), "claim.yaml:1: the file is not valid UTF-8");
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Node\nmetadata: {name: n, labels: {a: \"\xc3\xa9\"}}\n"),
            "claim.yaml:3: metadata.labels.a: a label value must be empty or at most 63 "
            "alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric "
            "character: \"\xc3\xa9\"");
}

TEST(ManifestReadTest, SyntaxErrorsAreLocated) {
  auto r = Read("apiVersion: v1\nkind: [\n", {}, "bad.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where.file, "bad.yaml");
  EXPECT_GT(r.error().where.line, 0);
}

}  // namespace
}  // namespace aiinfra::dra
