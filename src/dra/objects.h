// The Kubernetes objects the DRA allocator reads and writes: resource.k8s.io/v1 DeviceClass,
// ResourceSlice, ResourceClaim (with status.allocation), ResourceClaimTemplate, and the core/v1
// Node, Pod and Namespace fields that allocation needs (specs/dra.md section 1).
//
// Plain values: members are named after upstream's JSON fields (snake_case), optional upstream
// pointers are std::optional, lists are vectors in document order, maps are std::map (sorted, as
// upstream prints them). Each object and each element that later errors may point at (request,
// device, constraint, selector) keeps the Location it was read from; objects built in code leave
// it empty. Reading, validation and defaulting live in manifest.h; writing in manifest.h too.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "dra/quantity.h"
#include "dra/values.h"

namespace aiinfra::dra {

// metadata. Accepted: name, namespace, labels, annotations, uid, generation, resourceVersion,
// creationTimestamp. Read and dropped: generateName, ownerReferences, managedFields, finalizers,
// selfLink, deletionTimestamp, deletionGracePeriodSeconds. Anything else is an unknown field.
struct ObjectMeta {
  std::string name;
  std::string ns;  // metadata.namespace; "default" for namespaced kinds that omit it
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string uid;
  int64_t generation = 0;
  std::string resource_version;
  std::string creation_timestamp;  // RFC 3339 text, kept as written

  bool operator==(const ObjectMeta&) const = default;
};

// ---- core/v1 ---------------------------------------------------------------------------------

struct Node {
  ObjectMeta metadata;  // name and labels are what node selectors look at
  Location where;

  const std::string& name() const { return metadata.name; }
  bool operator==(const Node& o) const { return metadata == o.metadata; }
};

// A NodeSelectorRequirement; `op` is upstream's `operator`: In, NotIn, Exists, DoesNotExist,
// Gt, Lt.
struct NodeSelectorRequirement {
  std::string key;
  std::string op;
  std::vector<std::string> values;

  bool operator==(const NodeSelectorRequirement&) const = default;
};

// Requirements are ANDed. A term without requirements matches no node (as upstream).
struct NodeSelectorTerm {
  std::vector<NodeSelectorRequirement> match_expressions;  // against node labels
  std::vector<NodeSelectorRequirement> match_fields;       // only key metadata.name is known

  bool Matches(const Node& node) const;
  bool operator==(const NodeSelectorTerm&) const = default;
};

// core/v1 NodeSelector: terms are ORed.
struct NodeSelector {
  std::vector<NodeSelectorTerm> node_selector_terms;

  // As k8s.io/component-helpers/scheduling/corev1/nodeaffinity: a requirement with an unknown
  // operator, a Gt/Lt whose value or label is not an integer, or an unknown field key does not
  // match.
  bool Matches(const Node& node) const;
  bool operator==(const NodeSelector&) const = default;
};

// The label that lets a namespace's claims ask for admin access.
inline constexpr const char* kAdminAccessLabel = "resource.kubernetes.io/admin-access";

struct Namespace {
  ObjectMeta metadata;
  Location where;

  // labels["resource.kubernetes.io/admin-access"] == "true".
  bool AllowsAdminAccess() const;
  bool operator==(const Namespace& o) const { return metadata == o.metadata; }
};

struct PodResourceClaim {
  std::string name;
  std::optional<std::string> resource_claim_name;
  std::optional<std::string> resource_claim_template_name;

  bool operator==(const PodResourceClaim&) const = default;
};

struct ContainerResourceClaim {  // containers[].resources.claims[]
  std::string name;
  std::string request;  // "" = all requests of the claim

  bool operator==(const ContainerResourceClaim&) const = default;
};

struct Container {
  std::string name;
  std::vector<ContainerResourceClaim> claims;

  bool operator==(const Container&) const = default;
};

// Other pod fields (image, command, status, ...) are accepted and ignored.
struct Pod {
  ObjectMeta metadata;
  std::string node_name;  // spec.nodeName
  std::vector<PodResourceClaim> resource_claims;
  std::vector<Container> init_containers;
  std::vector<Container> containers;
  Location where;

  bool operator==(const Pod& o) const {
    return metadata == o.metadata && node_name == o.node_name &&
           resource_claims == o.resource_claims && init_containers == o.init_containers &&
           containers == o.containers;
  }
};

// ---- resource.k8s.io/v1 ----------------------------------------------------------------------

// A DeviceSelector; `cel` is cel.expression, nullopt when the selector has no cel member (the
// allocator reports "CEL expression empty"). The expression is text; the CEL engine compiles it.
struct DeviceSelector {
  std::optional<std::string> cel;
  Location where;

  bool operator==(const DeviceSelector& o) const { return cel == o.cel; }
};

// opaque: {driver, parameters}. `parameters` is the YAML of the raw object, emitted in block
// style (passed through, never interpreted).
struct OpaqueDeviceConfiguration {
  std::string driver;
  std::string parameters;

  bool operator==(const OpaqueDeviceConfiguration&) const = default;
};

struct DeviceClassConfiguration {
  std::optional<OpaqueDeviceConfiguration> opaque;
  bool operator==(const DeviceClassConfiguration&) const = default;
};

struct DeviceClassSpec {
  std::vector<DeviceSelector> selectors;
  std::vector<DeviceClassConfiguration> config;
  std::optional<std::string> extended_resource_name;

  bool operator==(const DeviceClassSpec&) const = default;
};

struct DeviceClass {
  ObjectMeta metadata;
  DeviceClassSpec spec;
  Location where;

  bool operator==(const DeviceClass& o) const { return metadata == o.metadata && spec == o.spec; }
};

struct ResourcePool {
  std::string name;
  int64_t generation = 0;
  int64_t resource_slice_count = 0;

  bool operator==(const ResourcePool&) const = default;
};

struct CapacityRequestPolicyRange {
  Quantity min;
  std::optional<Quantity> max;
  std::optional<Quantity> step;

  bool operator==(const CapacityRequestPolicyRange&) const = default;
};

struct CapacityRequestPolicy {
  std::optional<Quantity> default_value;  // `default`
  std::vector<Quantity> valid_values;
  std::optional<CapacityRequestPolicyRange> valid_range;

  bool operator==(const CapacityRequestPolicy&) const = default;
};

struct DeviceCapacity {
  Quantity value;
  std::optional<CapacityRequestPolicy> request_policy;

  bool operator==(const DeviceCapacity&) const = default;
};

struct Counter {
  Quantity value;
  bool operator==(const Counter&) const = default;
};

struct CounterSet {
  std::string name;
  std::map<std::string, Counter> counters;

  bool operator==(const CounterSet&) const = default;
};

struct DeviceCounterConsumption {
  std::string counter_set;
  std::map<std::string, Counter> counters;

  bool operator==(const DeviceCounterConsumption&) const = default;
};

struct DeviceTaint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule | NoExecute | None
  std::optional<std::string> time_added;

  bool operator==(const DeviceTaint&) const = default;
};

struct Device {
  std::string name;
  std::map<std::string, AttributeValue> attributes;  // QualifiedName as written -> value
  std::map<std::string, DeviceCapacity> capacity;    // QualifiedName as written -> capacity
  std::vector<DeviceCounterConsumption> consumes_counters;
  // Per-device node selection (slice perDeviceNodeSelection: true).
  std::optional<std::string> node_name;
  std::optional<NodeSelector> node_selector;
  std::optional<bool> all_nodes;
  std::vector<DeviceTaint> taints;
  std::optional<bool> binds_to_node;
  std::vector<std::string> binding_conditions;
  std::vector<std::string> binding_failure_conditions;
  std::optional<bool> allow_multiple_allocations;
  Location where;

  bool operator==(const Device& o) const {
    return name == o.name && attributes == o.attributes && capacity == o.capacity &&
           consumes_counters == o.consumes_counters && node_name == o.node_name &&
           node_selector == o.node_selector && all_nodes == o.all_nodes && taints == o.taints &&
           binds_to_node == o.binds_to_node && binding_conditions == o.binding_conditions &&
           binding_failure_conditions == o.binding_failure_conditions &&
           allow_multiple_allocations == o.allow_multiple_allocations;
  }
};

struct ResourceSliceSpec {
  std::string driver;
  ResourcePool pool;
  std::optional<std::string> node_name;
  std::optional<NodeSelector> node_selector;
  std::optional<bool> all_nodes;
  std::optional<bool> per_device_node_selection;
  std::vector<Device> devices;
  std::vector<CounterSet> shared_counters;

  bool operator==(const ResourceSliceSpec&) const = default;
};

struct ResourceSlice {
  ObjectMeta metadata;
  ResourceSliceSpec spec;
  Location where;

  bool operator==(const ResourceSlice& o) const { return metadata == o.metadata && spec == o.spec; }
};

inline constexpr const char* kAllocationModeExactCount = "ExactCount";
inline constexpr const char* kAllocationModeAll = "All";

// `op` is upstream's `operator` (Equal | Exists; defaulted to Equal).
struct DeviceToleration {
  std::string key;
  std::string op = "Equal";
  std::string value;
  std::string effect;  // "" (all) | NoSchedule | NoExecute
  std::optional<int64_t> toleration_seconds;

  bool operator==(const DeviceToleration&) const = default;
};

struct CapacityRequirements {
  std::map<std::string, Quantity> requests;
  bool operator==(const CapacityRequirements&) const = default;
};

// What ExactDeviceRequest and DeviceSubRequest share (a subrequest has no admin access).
struct DeviceRequestSlot {
  std::string device_class_name;
  std::vector<DeviceSelector> selectors;
  // Defaulted to ExactCount. Any other text than ExactCount or All is kept as written: the
  // allocator rejects it ("unsupported count mode X"), as specs/dra.md section 3 T24 expects.
  std::string allocation_mode = kAllocationModeExactCount;
  int64_t count = 1;  // defaulted to 1 for ExactCount; 0 (unset) for All
  std::vector<DeviceToleration> tolerations;
  std::optional<CapacityRequirements> capacity;

  bool operator==(const DeviceRequestSlot&) const = default;
};

struct ExactDeviceRequest : DeviceRequestSlot {
  std::optional<bool> admin_access;
  bool operator==(const ExactDeviceRequest&) const = default;
};

struct DeviceSubRequest : DeviceRequestSlot {
  std::string name;
  Location where;
  bool operator==(const DeviceSubRequest& o) const {
    return name == o.name && DeviceRequestSlot::operator==(o);
  }
};

struct DeviceRequest {
  std::string name;
  std::optional<ExactDeviceRequest> exactly;
  std::vector<DeviceSubRequest> first_available;
  Location where;

  bool operator==(const DeviceRequest& o) const {
    return name == o.name && exactly == o.exactly && first_available == o.first_available;
  }
};

// Neither attribute set: an unknown constraint type (the allocator reports "empty constraint").
struct DeviceConstraint {
  std::vector<std::string> requests;
  std::optional<std::string> match_attribute;
  std::optional<std::string> distinct_attribute;
  Location where;

  bool operator==(const DeviceConstraint& o) const {
    return requests == o.requests && match_attribute == o.match_attribute &&
           distinct_attribute == o.distinct_attribute;
  }
};

struct DeviceClaimConfiguration {
  std::vector<std::string> requests;
  std::optional<OpaqueDeviceConfiguration> opaque;

  bool operator==(const DeviceClaimConfiguration&) const = default;
};

struct DeviceClaim {
  std::vector<DeviceRequest> requests;
  std::vector<DeviceConstraint> constraints;
  std::vector<DeviceClaimConfiguration> config;

  bool operator==(const DeviceClaim&) const = default;
};

struct ResourceClaimSpec {
  DeviceClaim devices;
  bool operator==(const ResourceClaimSpec&) const = default;
};

struct DeviceRequestAllocationResult {
  std::string request;  // "req" or "req/sub"
  std::string driver;
  std::string pool;
  std::string device;
  std::optional<bool> admin_access;
  std::vector<DeviceToleration> tolerations;
  std::vector<std::string> binding_conditions;
  std::vector<std::string> binding_failure_conditions;
  std::optional<std::string> share_id;
  std::map<std::string, Quantity> consumed_capacity;

  bool operator==(const DeviceRequestAllocationResult&) const = default;
};

inline constexpr const char* kConfigSourceFromClass = "FromClass";
inline constexpr const char* kConfigSourceFromClaim = "FromClaim";

struct DeviceAllocationConfiguration {
  std::string source;  // FromClass | FromClaim
  std::vector<std::string> requests;
  std::optional<OpaqueDeviceConfiguration> opaque;

  bool operator==(const DeviceAllocationConfiguration&) const = default;
};

struct DeviceAllocationResult {
  std::vector<DeviceRequestAllocationResult> results;
  std::vector<DeviceAllocationConfiguration> config;

  bool operator==(const DeviceAllocationResult&) const = default;
};

struct AllocationResult {
  DeviceAllocationResult devices;
  std::optional<NodeSelector> node_selector;  // nullopt: usable on any node
  std::optional<std::string> allocation_timestamp;

  bool operator==(const AllocationResult&) const = default;
};

struct ResourceClaimConsumerReference {
  std::string api_group;  // "" for core pods
  std::string resource;   // "pods"
  std::string name;
  std::string uid;

  bool operator==(const ResourceClaimConsumerReference&) const = default;
};

// status.devices (per-device driver status) is accepted and not kept.
struct ResourceClaimStatus {
  std::optional<AllocationResult> allocation;
  std::vector<ResourceClaimConsumerReference> reserved_for;

  bool operator==(const ResourceClaimStatus&) const = default;
};

struct ResourceClaim {
  ObjectMeta metadata;
  ResourceClaimSpec spec;
  ResourceClaimStatus status;
  Location where;

  bool operator==(const ResourceClaim& o) const {
    return metadata == o.metadata && spec == o.spec && status == o.status;
  }
};

struct ResourceClaimTemplate {
  ObjectMeta metadata;
  // spec.metadata: the labels and annotations copied into each generated claim.
  std::map<std::string, std::string> claim_labels;
  std::map<std::string, std::string> claim_annotations;
  ResourceClaimSpec spec;  // spec.spec
  Location where;

  bool operator==(const ResourceClaimTemplate& o) const {
    return metadata == o.metadata && claim_labels == o.claim_labels &&
           claim_annotations == o.claim_annotations && spec == o.spec;
  }
};

// Everything read from a set of manifests, each kind in input order.
struct Objects {
  std::vector<DeviceClass> device_classes;
  std::vector<ResourceSlice> resource_slices;
  std::vector<ResourceClaim> resource_claims;
  std::vector<ResourceClaimTemplate> resource_claim_templates;
  std::vector<Node> nodes;
  std::vector<Pod> pods;
  std::vector<Namespace> namespaces;

  const DeviceClass* FindDeviceClass(const std::string& name) const;
  const Node* FindNode(const std::string& name) const;
  const Namespace* FindNamespace(const std::string& name) const;
  const ResourceClaim* FindResourceClaim(const std::string& ns, const std::string& name) const;

  bool operator==(const Objects&) const = default;
};

}  // namespace aiinfra::dra
