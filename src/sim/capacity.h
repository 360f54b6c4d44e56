// The GPUs of a cluster's systems, and the placement of replicas on them (issue 4, item 1:
// "cluster (catalog systems x counts)"). A replica of up to a system's GPU count takes GPUs of
// one system, the first with room (tensor parallelism stays inside a scale-up domain); a larger
// one takes whole free systems. What does not fit is left to the caller (the simulation keeps
// the replica pending, as kube-scheduler leaves an unschedulable Pod).
#pragma once

#include <utility>
#include <vector>

namespace aiinfra::sim {

// Systems of one kind that replicas are placed on.
struct SystemCapacity {
  int count = 0;
  int gpus_per_system = 8;
};

// What one replica holds: (system index, GPUs) per system it uses.
using Placement = std::vector<std::pair<int, int>>;

class ClusterCapacity {
 public:
  explicit ClusterCapacity(const std::vector<SystemCapacity>& kinds);

  // Takes `gpus` GPUs of systems of `kind` into `out`; false (and nothing taken) when they do
  // not fit. A kind outside the list is unlimited: true with an empty placement.
  bool Place(int kind, int gpus, Placement& out);
  // Gives back what Place took (and clears it).
  void Release(int kind, Placement& placement);
  int free_gpus(int kind) const;

 private:
  std::vector<SystemCapacity> kinds_;
  std::vector<std::vector<int>> free_;  // [kind][system] free GPUs
};

}  // namespace aiinfra::sim
