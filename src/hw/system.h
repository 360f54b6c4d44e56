// System: what is bought and racked as one unit — an 8-GPU server, an NVL72 rack, a SuperNode
// (data/hardware/systems/*.yaml). A system refers to its accelerator by id; the catalog resolves
// it and copies the accelerator in, so a System is self-contained.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/yaml.h"
#include "hw/accelerator.h"
#include "hw/figure.h"

namespace aiinfra::hw {

enum class ScaleUpTopology {
  kSwitched,  // every accelerator of a domain links to switch chips (NVSwitch, UB switches)
  kMesh,      // every pair of accelerators in a domain is linked directly (Infinity Fabric)
  kMesh3D,    // a 3D grid: each accelerator links to its up to 6 neighbours and forwards
              // traffic for others (MetaX's "3D Mesh" MetaXLink SuperNode)
};
const char* ScaleUpTopologyName(ScaleUpTopology topology);

struct SwitchTier {
  std::string name;
  bool per_node = false;        // `chips` counts per node (true) or per domain (false)
  Figure chips;                 // switch ASICs
  std::optional<Figure> trays;  // switch trays holding the chips, when the system has them
};

struct System {
  std::string id;
  std::string name;
  std::string file;
  std::string accelerator_id;
  Accelerator accelerator;  // resolved by the catalog

  Figure accelerators;  // count in the system
  Figure nodes;         // servers or compute trays
  std::string cpu_model;
  Figure cpus;       // count in the whole system
  Figure host_link;  // bytes/s per direction, accelerator <-> CPU

  ScaleUpTopology topology = ScaleUpTopology::kSwitched;
  Figure domain_size;  // accelerators per scale-up domain
  // mesh3d only: the grid's extent in x, y, z (x varies fastest along accelerator indices);
  // `grid_figure` carries its provenance, its value is the product.
  std::array<int, 3> grid = {0, 0, 0};
  std::optional<Figure> grid_figure;
  std::vector<SwitchTier> tiers;
  bool in_network_reduction = false;
  Figure scale_up_latency;                  // seconds, one accelerator-to-accelerator traversal
  std::optional<Figure> scale_up_override;  // bytes/s per direction, replaces the accelerator's

  Figure nics_per_accelerator;         // may be fractional (one NIC shared by two: 0.5)
  std::optional<Figure> nic_override;  // bytes/s per NIC, replaces the accelerator's
  Figure scale_out_latency;            // seconds, NIC to NIC through one switch
  Figure power;                        // watts, whole system

  // Convenience views of the figures, in SI units.
  int accelerator_count() const { return static_cast<int>(accelerators.value); }
  int node_count() const { return static_cast<int>(nodes.value); }
  int accelerators_per_node() const { return accelerator_count() / node_count(); }
  int domain_accelerators() const { return static_cast<int>(domain_size.value); }
  int domains() const { return accelerator_count() / domain_accelerators(); }
  // Accelerators that pass traffic on for others (a grid has no switches).
  bool AcceleratorsForward() const { return topology == ScaleUpTopology::kMesh3D; }
  // Per-direction scale-up bandwidth of one accelerator (all its links).
  const Figure& ScaleUpBandwidth() const {
    return scale_up_override ? *scale_up_override : accelerator.scale_up_bandwidth;
  }
  // Per-direction line rate of one NIC.
  const Figure& NicRate() const { return nic_override ? *nic_override : accelerator.nic_rate; }
  // NIC bandwidth per accelerator per direction (NICs may be shared: 0.5 per accelerator).
  double NicBandwidthPerAccelerator() const { return NicRate().value * nics_per_accelerator.value; }
};

// Parses and validates one system document. The accelerator is not resolved here (the catalog
// does that); `accelerator_id` is set.
Result<System> ParseSystem(const YamlNode& doc);

}  // namespace aiinfra::hw
