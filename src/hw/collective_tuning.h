// CollectiveTuning: the parameters of the collective cost model that belong to the
// communication library and the link technologies rather than to one system
// (data/hardware/collective/tuning.yaml).
#pragma once

#include <string>

#include "common/data.h"
#include "common/result.h"
#include "hw/figure.h"
#include "hw/topology.h"

namespace aiinfra::hw {

// Parameters of the model that are not properties of one system: link efficiencies and
// software latencies (data/hardware/collectives.yaml, each with its source or fit).
struct CollectiveTuning {
  Figure launch_latency;        // seconds, once per collective
  Figure step_overhead;         // seconds, per algorithm step on top of the route latency
  Figure scale_up_efficiency;   // achieved / nominal bandwidth on scale-up links
  Figure nvls_efficiency;       // same, for in-switch reduction traffic
  Figure scale_out_efficiency;  // same, on NICs and the scale-out fabric
  Figure host_efficiency;       // same, on PCIe / host links
  Figure moe_efficiency;        // extra factor for fine-grained MoE all-to-all kernels
  std::string file;

  static Result<CollectiveTuning> Load(const DataSource& data);
  static Result<CollectiveTuning> Parse(const std::string& text, const std::string& file);
  double Efficiency(LinkKind kind) const;
};

}  // namespace aiinfra::hw
