// Why a ResourceClaim cannot be allocated, per node, in a user's terms (`aiinfra dra explain`).
//
// The allocator (allocator.h) answers yes or no per node; a user whose pod stays Pending wants
// to know what is missing where: "request 'gpus' needs 4 devices of class gpu.nvidia.com: 8
// match the class, 6 already allocated, 2 usable". Diagnose runs the allocator on one claim and,
// when it does not fit, takes the claim apart request by request (specs/dra.md 2.2-2.10):
//
//   1. pools the claim may need that are incomplete or invalid (spec 2.2);
//   2. per request (per subrequest of a firstAvailable list): the devices on the node that
//      match the class's selectors, and of those how many are already allocated, rejected by
//      the request's selectors, waiting on binding conditions, without the requested capacity,
//      without counters, or tainted (spec 2.4, in the allocator's order); the rest is usable;
//   3. when every request alone has enough usable devices: the constraints (matchAttribute:
//      usable devices grouped by the attribute's value, the best group; distinctAttribute:
//      distinct values against devices needed), then requests competing for the same devices;
//      else "each request fits alone but not together".
//
// Each claim is analysed alone: against the devices the input's allocated claims hold, not
// together with the other pending claims (they may be for different pods). The analysis uses
// only the allocator's public building blocks, so it reports what the allocator does: CEL
// errors are the allocator's fatal errors; devices the allocator never reaches are evaluated
// too, and a selector failing on one of them is counted and named, not fatal.
//
// Not thread-safe when `AllocatorInput::selectors` is shared; otherwise calls are independent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dra/allocator.h"
#include "dra/features.h"
#include "dra/objects.h"

namespace aiinfra::dra {

// What one request (or one subrequest of a firstAvailable list) finds on one node. Of the
// devices on the node (per-device node selection applied), those the class's selectors accept
// are `matching`; each of them then lands in the first bucket that applies, in this order:
// allocated, rejected (or a request selector error), binding, no_capacity, counters_off,
// no_counters, tainted; `usable` is the rest. That is spec 2.4's order, except that binding
// conditions come after the selectors so that they are only mentioned for devices the user
// asked for. `selector_errors` also counts devices on which a class selector fails (not among
// `matching`). In All mode the request's selectors come before `allocated`, because every
// device they select is needed, allocated or not (spec 2.7).
struct RequestCounts {
  std::string request;       // "gpus", or "gpus/big" for a subrequest
  std::string device_class;  // deviceClassName
  bool all = false;          // allocationMode All: `needed` is every device it selects
  int64_t needed = 0;
  int64_t matching = 0;         // devices on the node that the class's selectors accept
  int64_t selector_errors = 0;  // a class or request selector fails on them (CEL error)
  int64_t allocated = 0;        // held by an allocated claim (not counted for admin access)
  int64_t rejected = 0;         // by the request's own selectors
  int64_t binding = 0;          // have binding conditions while DeviceBindingAndStatus is off
  int64_t no_capacity = 0;      // cannot serve the requested capacity, or not enough is left
  int64_t counters_off = 0;     // consume counters while PartitionableDevices is off
  int64_t no_counters = 0;      // not enough counters left in their pool
  int64_t tainted = 0;          // an untolerated NoSchedule/NoExecute taint (DeviceTaints on)
  int64_t usable = 0;
  std::vector<std::string> taints;  // the untolerated taints seen, "key=value:Effect"
  std::string error;                // the first selector error, as the allocator words it

  bool enough() const { return needed > 0 ? usable >= needed : !all; }
};

enum class Verdict {
  kFits,           // Allocate succeeds for the claim alone on the node
  kUnsatisfiable,  // it does not; `reasons` say why
  kError,          // Allocate fails with a fatal error (invalid input, CEL error); `reasons[0]`
};

const char* VerdictName(Verdict verdict);  // "fits", "unsatisfiable", "error"

struct DeviceChoice {
  std::string request;  // "gpus" or "gpus/big"
  std::string device;   // driver/pool/device
};

struct NodeExplanation {
  std::string node;
  Verdict verdict = Verdict::kUnsatisfiable;
  // kUnsatisfiable: sentences in a user's terms, pools first, then requests, then constraints;
  // kError: the allocator's error message.
  std::vector<std::string> reasons;
  std::vector<DeviceChoice> devices;  // kFits: what the allocator would give
  // kUnsatisfiable: every request and subrequest, in claim order.
  std::vector<RequestCounts> requests;
  // How close the node comes: of the `needed` devices of the claim (per firstAvailable request,
  // its closest subrequest), how many it could offer. An upper bound read off the counts and
  // the best constraint group; equal to `needed` when the node fits or when the requests and
  // constraints hold one by one but not together.
  int64_t offered = 0;
  int64_t needed = 0;
};

// Analyses `claim` (unallocated; its own status is ignored) on `node`; see the file comment.
NodeExplanation Diagnose(const AllocatorInput& input, const Node& node, const ResourceClaim& claim);

// One pending claim over the nodes.
struct ClaimExplanation {
  std::string ns;
  std::string name;
  std::string pod;        // "ns/name" of the pending pod that uses it; "" when none
  std::string pod_claim;  // the pod's name for it (spec.resourceClaims[].name)
  // Why the claim could not even be built (a pod's claim or template that is not in the
  // input); then `nodes` is empty.
  std::string problem;
  std::vector<NodeExplanation> nodes;  // in the order of the nodes given

  int FitCount() const;
  bool HasError() const;  // a node reports a fatal allocator error, or `problem` is set
  // The node that comes closest (most devices offered, then fewer needed, then the first);
  // nullptr when no node is kFits or kUnsatisfiable.
  const NodeExplanation* BestNode() const;
  // "fits on 2 of 3 nodes (first: node-2)", "fits on none of 3 nodes; the best node, node-1,
  // offers 2 of the 3 devices it needs", or the error / the problem.
  std::string Summary() const;
};

// Every pending claim of `objects` explained on `nodes` (in their order), each alone against
// the claims of `objects` that are allocated: first the claims without status.allocation, in
// input order; then, for each pod without spec.nodeName, its claims not already listed: named
// claims (allocated ones are skipped) and claims from a ResourceClaimTemplate (named with
// GeneratedClaimName, spec from the template, unless the input has a claim of that name).
std::vector<ClaimExplanation> ExplainClaims(const Objects& objects, const Features& features,
                                            const std::vector<const Node*>& nodes);

// "node-1", "node-1 and node-2", "node-1, node-2 and node-3", "node-1, node-2 and 3 more".
std::string NodeList(const std::vector<std::string>& names);

// The text report: per claim its summary, then the nodes grouped by identical reasons (groups
// in order of their first node), so that a cluster of a thousand nodes stays readable:
//
//   claim ml/gpu-and-nic: fits on none of 2 nodes; the best node, node-1, offers 2 of the 3 ...
//     node-1 and node-2: request 'nic' needs 2 sharing resource.kubernetes.io/pcieRoot with ...
//
// A group with several reasons puts each on its own line, indented below the nodes.
std::string FormatExplanations(const std::vector<ClaimExplanation>& claims);

}  // namespace aiinfra::dra
