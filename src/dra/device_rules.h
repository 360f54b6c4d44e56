// The per-device rules of the allocator that need no search state (specs/dra.md section 2):
// attribute lookup for constraints, taint toleration, capacity consumption under
// ConsumableCapacity, and the node selector of a claim's allocation.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "dra/cel.h"
#include "dra/objects.h"

namespace aiinfra::dra {

// "domain/id" on a device of `driver`: the qualified attribute, or the unqualified one when the
// domain is the driver's (spec 2.6). nullptr when missing.
const AttributeValue* LookupAttribute(const Device& device, const std::string& driver,
                                      const std::string& name);

// Whether one of `tolerations` tolerates `taint` (spec 2.4 step 7).
// What CEL selectors see of `device` published by `driver`: unqualified attribute and capacity
// names belong to the driver's domain (spec 2.15).
CelDevice CelDeviceOf(const Device& device, const std::string& driver);

bool Tolerated(const DeviceTaint& taint, const std::vector<DeviceToleration>& tolerations);

// What a (sub)request consumes of each capacity of `device` (spec 2.10), keyed as the device
// names its capacities; nullopt when the device cannot serve it (a requested capacity it lacks,
// or a request-policy violation).
std::optional<std::map<std::string, Quantity>> CapacityConsumption(const Device& device,
                                                                   const std::string& driver,
                                                                   const DeviceRequestSlot& slot);

// The `n`th shareID of a call seeded with `seed`: an RFC 4122-shaped identifier (upstream draws
// a random UUID; a deterministic one keeps results reproducible).
std::string ShareId(uint64_t seed, uint64_t n);

struct PlacedDevice {
  const ResourceSlice* slice;
  const Device* device;
  std::string id;  // driver/pool/device, for errors
};

// The allocation's node selector from its devices (spec 2.13): pinned to `node` when a device
// is node-local or binds to its node; else the merged single term of the devices' selectors;
// nullopt when usable on every node. kInvalidInput for a selector with several terms.
Result<std::optional<NodeSelector>> AllocationNodeSelector(const std::vector<PlacedDevice>& devices,
                                                           const Node& node);

}  // namespace aiinfra::dra
