#include "perf/comm_curve.h"

#include <algorithm>
#include <limits>

namespace aiinfra::perf {

Result<CommCurve> CommCurve::Measure(const hw::Topology& topology, hw::CollectiveOp op, int ranks,
                                     const hw::MoeRouting& moe, const hw::CollectiveTuning& tuning,
                                     int stride) {
  CommCurve curve;
  if (ranks < 2) return curve;
  hw::CollectiveSpec spec;
  spec.op = op;
  spec.moe = moe;
  for (int r = 0; r < ranks; ++r) spec.ranks.push_back(r * stride);
  constexpr double kSmall = 1 << 20, kLarge = 1 << 30;
  for (hw::Algorithm a : {hw::Algorithm::kRing, hw::Algorithm::kTree, hw::Algorithm::kNvls,
                          hw::Algorithm::kHierarchical, hw::Algorithm::kDirect}) {
    spec.algorithm = a;
    spec.bytes = kSmall;
    auto small = hw::EstimateCollective(topology, spec, tuning);
    if (!small) {
      if (small.error().code == ErrorCode::kUsage) continue;  // does not apply to this group
      return std::unexpected(small.error());
    }
    spec.bytes = kLarge;
    AIINFRA_TRY(hw::CollectiveCost large, hw::EstimateCollective(topology, spec, tuning));
    double per_byte = (large.time - small->time) / (kLarge - kSmall);
    curve.lines_.push_back({a, small->time - per_byte * kSmall, per_byte});
  }
  if (curve.lines_.empty()) {
    return Fail(ErrorCode::kInternal, std::string("no algorithm applies to ") +
                                          hw::CollectiveOpName(op) + " over " +
                                          std::to_string(ranks) + " ranks");
  }
  return curve;
}

double CommCurve::At(double bytes) const {
  if (lines_.empty() || bytes <= 0) return 0;
  double best = std::numeric_limits<double>::infinity();
  for (const Line& l : lines_) best = std::min(best, l.fixed + l.per_byte * bytes);
  return best;
}

double CommCurve::At(double bytes, hw::Algorithm algorithm) const {
  if (lines_.empty() || bytes <= 0) return 0;
  for (const Line& l : lines_) {
    if (l.algorithm == algorithm) return l.fixed + l.per_byte * bytes;
  }
  return At(bytes);
}

Result<CommCurve> CommCache::Get(const hw::System& system, int systems, hw::CollectiveOp op,
                                 int ranks, const hw::MoeRouting& moe, int stride) {
  if (ranks < 2) return CommCurve();
  auto curve_key = std::make_tuple(system.id, systems, static_cast<int>(op), ranks, moe.experts,
                                   moe.top_k, stride);
  if (auto it = curves_.find(curve_key); it != curves_.end()) return it->second;
  auto topo_key = std::make_pair(system.id, systems);
  auto topo = topologies_.find(topo_key);
  if (topo == topologies_.end()) {
    hw::FabricOptions fabric;
    fabric.systems = systems;
    AIINFRA_TRY(hw::Topology built, hw::Topology::Build(system, fabric));
    topo = topologies_.emplace(topo_key, std::make_unique<hw::Topology>(std::move(built))).first;
  }
  AIINFRA_TRY(CommCurve curve, CommCurve::Measure(*topo->second, op, ranks, moe, tuning_, stride));
  curves_.emplace(curve_key, curve);
  return curve;
}

}  // namespace aiinfra::perf
