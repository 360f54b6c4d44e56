// The scheduler-side DRA allocator of resource.k8s.io/v1 (specs/dra.md section 2): given the
// enabled features, the cluster's DeviceClasses and ResourceSlices, the devices already allocated,
// one candidate node and a pod's unallocated ResourceClaims (in order), produce one
// AllocationResult per claim, or say that the node does not fit.
//
// Semantics follow k8s.io/dynamic-resource-allocation/structured at v0.35.6 ("experimental"
// variant), with the 1.36 choices the spec recommends: pools searched in (driver, pool) order
// (pools with binding conditions last), slices by name, and combinations (not permutations)
// within a request. Where upstream has a known quirk, the intended behaviour is implemented and
// the choice documented in src/dra/README.md: distinctAttribute is pairwise distinct, counters
// of a device rejected by a taint or constraint are rolled back, claim configs appear once.
//
// First fit: the first complete assignment in the fixed search order wins (no scoring).
// Independent calls may run concurrently when they do not share a SelectorCache.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "dra/features.h"
#include "dra/objects.h"
#include "dra/pools.h"
#include "dra/selector_cache.h"

namespace aiinfra::dra {

struct DeviceId {
  std::string driver;
  std::string pool;
  std::string device;

  auto operator<=>(const DeviceId&) const = default;
  std::string ToString() const { return driver + "/" + pool + "/" + device; }
};

struct DeviceIdHash {
  size_t operator()(const DeviceId& id) const {
    std::hash<std::string> h;
    return (h(id.driver) * 31 + h(id.pool)) * 31 + h(id.device);
  }
};

// What already-allocated claims hold (spec 2.1): devices allocated exclusively (results with
// admin access or a shareID excluded), and the capacity consumed by shared allocations.
struct AllocatedState {
  std::unordered_set<DeviceId, DeviceIdHash> devices;
  std::map<DeviceId, std::map<std::string, Quantity>> shared_capacity;
};

// The state the allocated claims among `claims` (those with status.allocation) describe.
AllocatedState AllocatedStateOf(const std::vector<ResourceClaim>& claims);
// Adds what one allocation holds to `state`.
void HoldAllocation(const AllocationResult& allocation, AllocatedState& state);

enum class AllocationOutcome {
  kAllocated,      // `results` has one AllocationResult per claim, in order
  kUnsatisfiable,  // the node does not fit; no error
  kNodeError,      // does not fit, with upstream's node-local error text in `node_error`
};

struct AllocationOutput {
  AllocationOutcome outcome = AllocationOutcome::kUnsatisfiable;
  std::vector<AllocationResult> results;
  std::string node_error;  // "invalid resource pools were encountered"
};

struct AllocatorInput {
  Features features;
  const std::vector<DeviceClass>* classes = nullptr;
  const std::vector<ResourceSlice>* slices = nullptr;
  AllocatedState allocated;
  // Optional, for callers that allocate many times over the same slices (a scheduler): an index
  // of `slices` and a selector cache built for them. Without them each call builds its own.
  const SliceIndex* index = nullptr;
  SelectorCache* selectors = nullptr;
  // Seed of the shareIDs given to shared (allowMultipleAllocations) results; deterministic.
  uint64_t share_seed = 0;
};

// Allocates `claims` (unallocated, in order) on `node`. A fatal error (spec 2.1: invalid input,
// an unknown class, a CEL compile or runtime error on a device the search reached, a disabled
// feature, All on an incomplete pool, ...) is a kInvalidInput error whose message is upstream's
// ("claim claim-0, request req-0: could not retrieve device class unknown-class").
Result<AllocationOutput> Allocate(const AllocatorInput& input, const Node& node,
                                  const std::vector<const ResourceClaim*>& claims);

}  // namespace aiinfra::dra
