// The allocator's feature switches (the `Features` flags of k8s.io/dynamic-resource-allocation/
// structured, each behind a kube-scheduler feature gate), and `--features` parsing.
//
// Kubernetes 1.35 enables by default the beta ones: PrioritizedList (DRAPrioritizedList) and
// AdminAccess (DRAAdminAccess). DeviceTaints, PartitionableDevices, ConsumableCapacity and
// DeviceBindingAndStatus are alpha and off (specs/dra.md, the feature table).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace aiinfra::dra {

struct Features {
  bool admin_access = false;
  bool prioritized_list = false;
  bool partitionable_devices = false;
  bool device_taints = false;
  bool consumable_capacity = false;
  bool device_binding_and_status = false;

  // What kube-scheduler 1.35 enables by default.
  static Features Kubernetes135Defaults();
  static Features None() { return {}; }
  static Features All();

  // The enabled flags' names in the order of kFeatureNames ("AdminAccess, PrioritizedList").
  std::vector<std::string> Names() const;
  bool operator==(const Features&) const = default;
};

// The allocator's flag names: AdminAccess, PrioritizedList, PartitionableDevices, DeviceTaints,
// ConsumableCapacity, DeviceBindingAndStatus.
const std::vector<std::string>& FeatureNames();

// "F1,F2" (exactly these on, names as FeatureNames spells them, case-sensitive as upstream) or
// "none". kUsage naming an unknown feature, with the closest names.
Result<Features> ParseFeatures(std::string_view text);

}  // namespace aiinfra::dra
