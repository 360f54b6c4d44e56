// Pool gathering for one node (specs/dra.md 2.2): which ResourceSlices matter on the node, grouped
// into pools by (driver, pool name) at their newest generation, each complete, incomplete or
// invalid, in the search order the allocator uses. Internal to the allocator.
#pragma once

#include <map>
#include <string>
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

// Whether a device of a slice with perDeviceNodeSelection targets `node`.
bool DeviceTargetsNode(const Device& device, const Node& node);

// The pools relevant for `node`, in search order: (driver, pool) ascending, pools with a device
// that has binding conditions after all others. Obsolete pools are dropped.
std::vector<GatheredPool> GatherPools(const std::vector<ResourceSlice>& slices, const Node& node,
                                      const Features& features);

}  // namespace aiinfra::dra
