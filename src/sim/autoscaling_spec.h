// The YAML of a pool's autoscaler (the Kubernetes HPA, or KEDA around it) and of the SLO
// planner, as scenario files give them (scenario.h shows the schema; data/scenarios/README.md
// documents every field). Every error names file:line and the field.
#pragma once

#include <vector>

#include "common/result.h"
#include "common/yaml.h"
#include "sim/planner.h"
#include "sim/simulation.h"

namespace aiinfra::sim {

struct ScaleSpec {
  bool keda = false;  // kind: keda (a KEDA ScaledObject around the HPA)
  int min = 1;        // KEDA: minReplicaCount, may be 0
  int max = 1;
  std::vector<ScaleMetric> metrics;
  double sync_period = 15;
  double scale_up_window = 0;
  double scale_down_window = 300;
  double tolerance = 0.1;
  KedaSpec keda_spec;
};

// `autoscaler:` of a pool.
Result<ScaleSpec> ParseAutoscaler(const YamlNode& node);
// `planner:`; `disaggregated` decides whether it takes prefill:/decode: or replicas: bounds.
Result<PlannerConfig> ParsePlanner(const YamlNode& node, bool disaggregated);

}  // namespace aiinfra::sim
