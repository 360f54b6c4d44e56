// Pool gathering for one node (specs/dra.md 2.2): which ResourceSlices matter on the node, grouped
// into pools by (driver, pool name) at their newest generation, each complete, incomplete or
// invalid, in the search order the allocator uses. Internal to the allocator.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dra/features.h"
#include "dra/objects.h"

namespace aiinfra::dra {

struct GatheredPool {
  std::string driver;
  std::string name;
  int64_t generation = 0;
  bool incomplete = false;
  bool invalid = false;
  std::string invalid_reason;  // "duplicate device name device-1", ...
  bool has_binding_conditions = false;
  // Slices whose devices are candidates on this node, in search order (by name; slices with
  // binding conditions last).
  std::vector<const ResourceSlice*> device_slices;
  // Same-generation device slices of the pool that target other nodes: counted for counters
  // only, never candidates.
  std::vector<const ResourceSlice*> other_device_slices;
  // Counter sets of the pool (PartitionableDevices): set -> counter -> value.
  std::map<std::string, std::map<std::string, Quantity>> counters;

  bool usable() const { return !incomplete && !invalid; }
  std::string Id() const { return driver + "/" + name; }
};

// The slices of a cluster indexed for pool gathering (specs/dra.md section 4: upstream 1.36
// indexes slices by node because scanning every slice on every Filter call dominated at 5,000
// nodes). Gathering for one node then costs O(slices on the node + slices not bound to a node +
// slices of the pools those touch). Holds pointers into `slices`, which must outlive it and not
// change.
class SliceIndex {
 public:
  explicit SliceIndex(const std::vector<ResourceSlice>& slices);

  // The slices that may be relevant on `node`: those with nodeName == node, then every slice
  // without a nodeName (allNodes, nodeSelector, perDeviceNodeSelection, counter-only), in input
  // order within each group.
  std::vector<const ResourceSlice*> MaybeRelevant(const Node& node) const;
  // Every slice of the pool (driver, pool), any generation and node, in input order.
  const std::vector<const ResourceSlice*>& PoolSlices(const std::string& driver,
                                                      const std::string& pool) const;
  size_t size() const { return size_; }

 private:
  std::unordered_map<std::string, std::vector<const ResourceSlice*>> by_node_;
  std::vector<const ResourceSlice*> unbound_;
  std::map<std::pair<std::string, std::string>, std::vector<const ResourceSlice*>> by_pool_;
  size_t size_ = 0;
};

// Whether a device of a slice with perDeviceNodeSelection targets `node`.
bool DeviceTargetsNode(const Device& device, const Node& node);

// The pools relevant for `node`, in search order: (driver, pool) ascending, pools with a device
// that has binding conditions after all others. Obsolete pools are dropped.
std::vector<GatheredPool> GatherPools(const SliceIndex& index, const Node& node,
                                      const Features& features);
// The same over an unindexed list (builds a temporary index).
std::vector<GatheredPool> GatherPools(const std::vector<ResourceSlice>& slices, const Node& node,
                                      const Features& features);

}  // namespace aiinfra::dra
