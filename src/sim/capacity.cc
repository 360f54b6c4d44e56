#include "sim/capacity.h"

#include <algorithm>
#include <numeric>

namespace aiinfra::sim {

ClusterCapacity::ClusterCapacity(const std::vector<SystemCapacity>& kinds) : kinds_(kinds) {
  for (const SystemCapacity& k : kinds_) {
    free_.emplace_back(static_cast<size_t>(std::max(k.count, 0)), k.gpus_per_system);
  }
}

bool ClusterCapacity::Place(int kind, int gpus, Placement& out) {
  if (kind < 0 || kind >= static_cast<int>(free_.size())) return true;
  std::vector<int>& free = free_[kind];
  const int per = kinds_[kind].gpus_per_system;
  if (gpus <= per) {
    for (size_t i = 0; i < free.size(); ++i) {
      if (free[i] >= gpus) {
        free[i] -= gpus;
        out.push_back({static_cast<int>(i), gpus});
        return true;
      }
    }
    return false;
  }
  const auto need = static_cast<size_t>((gpus + per - 1) / per);
  std::vector<size_t> whole;
  for (size_t i = 0; i < free.size() && whole.size() < need; ++i) {
    if (free[i] == per) whole.push_back(i);
  }
  if (whole.size() < need) return false;
  for (size_t i : whole) {
    free[i] = 0;
    out.push_back({static_cast<int>(i), per});
  }
  return true;
}

void ClusterCapacity::Release(int kind, Placement& placement) {
  if (kind >= 0 && kind < static_cast<int>(free_.size())) {
    for (auto [system, gpus] : placement) free_[kind][system] += gpus;
  }
  placement.clear();
}

int ClusterCapacity::free_gpus(int kind) const {
  if (kind < 0 || kind >= static_cast<int>(free_.size())) return 0;
  return std::accumulate(free_[kind].begin(), free_[kind].end(), 0);
}

}  // namespace aiinfra::sim
