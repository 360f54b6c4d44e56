// Reading Kubernetes manifests into dra::Objects, and writing objects back as YAML.
//
// Input: files of YAML documents (`---`-separated, as `kubectl apply -f` takes them) and
// `kubectl get -o yaml` output (`kind: List` with `items:`, or a typed `<Kind>List` whose items
// may omit apiVersion and kind). Kinds: DeviceClass, ResourceSlice, ResourceClaim,
// ResourceClaimTemplate (apiVersion resource.k8s.io/v1; v1beta1/v1beta2/v1alpha3 are rejected
// with a hint to convert), Node, Pod, Namespace (v1). Empty documents are skipped.
//
// Fields are named as upstream's JSON names them; an unknown field is an error (except inside
// Node, Namespace and Pod, whose fields beyond those in objects.h are accepted and ignored:
// kubectl prints many). Every error is kInvalidInput located at file:line:column with the field
// path ("spec.devices.requests[0].exactly.count").
//
// With ReadOptions::validate (the default) the API server's validation applies (specs/dra.md
// section 1: names, list limits, exactly-one-of rules, enums); without it only the structure is
// checked, so that inputs the API server would refuse can still reach the allocator, whose own
// checks (empty class name, selector without cel, empty constraint) are part of its contract.
// An allocationMode other than ExactCount/All is never a read error: the allocator rejects it.
// Defaulting (allocationMode ExactCount, count 1, toleration operator Equal, namespace
// "default") always applies.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "dra/objects.h"

namespace aiinfra::dra {

struct ManifestFile {
  std::string name;  // how errors name the file
  std::string text;
};

struct ReadOptions {
  bool validate = true;
};

// All objects of all files, each kind in input order. Besides per-object validation, two objects
// of one kind with the same (namespace,) name are an error naming both places.
Result<Objects> ReadManifests(const std::vector<ManifestFile>& files, ReadOptions options = {});

// The claim as `kubectl get resourceclaim -o yaml` prints it (apiVersion, kind, metadata, spec,
// status with allocation and reservedFor; keys in upstream's order, which is alphabetical, and
// defaulted fields written out). ReadManifests reads it back to an equal claim.
std::string ToYaml(const ResourceClaim& claim);
// One AllocationResult as it appears under status.allocation.
std::string ToYaml(const AllocationResult& allocation);
// A ResourceSlice, a DeviceClass and a Node (metadata only: the fields objects.h keeps) in the
// same style: every key sorted, empty optional fields left out, the same quoting. ReadManifests
// reads each back to an equal object.
std::string ToYaml(const ResourceSlice& slice);
std::string ToYaml(const DeviceClass& device_class);
std::string ToYaml(const Node& node);

}  // namespace aiinfra::dra
