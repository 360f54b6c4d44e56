// Collective cost curves: the time of one collective on a fixed group of ranks as a function of
// its size, so that step times cost a few multiplications instead of a routing pass.
//
// For a fixed algorithm the collective model's time is affine in the size (launch and step
// latencies, plus the busiest link's bytes, which scale with the size, over its bandwidth), so
// each applicable algorithm is measured at two sizes and kept as a line; the curve is the lower
// envelope of the lines, as NCCL's tuner picks the fastest algorithm per size. A CommCache
// shares curves (and the topologies they were measured on) between the PerfModels of a sweep.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "common/result.h"
#include "hw/collective.h"
#include "hw/collective_tuning.h"
#include "hw/system.h"
#include "hw/topology.h"

namespace aiinfra::perf {

class CommCurve {
 public:
  CommCurve() = default;  // zero cost (a group of one rank)
  // Measures every algorithm that applies to `op` over ranks 0, stride, 2 x stride, ... (`ranks`
  // of them) of `topology`.
  static Result<CommCurve> Measure(const hw::Topology& topology, hw::CollectiveOp op, int ranks,
                                   const hw::MoeRouting& moe, const hw::CollectiveTuning& tuning,
                                   int stride = 1);

  // Seconds for `bytes` (the collective model's size convention) with the fastest algorithm, or
  // with `algorithm` when it was measured (else the fastest); 0 for bytes <= 0 or an empty curve.
  double At(double bytes) const;
  double At(double bytes, hw::Algorithm algorithm) const;
  bool empty() const { return lines_.empty(); }

 private:
  struct Line {
    hw::Algorithm algorithm;
    double fixed;     // seconds
    double per_byte;  // seconds per byte
  };
  std::vector<Line> lines_;
};

// Not thread-safe: one per thread (or per sweep).
class CommCache {
 public:
  explicit CommCache(const hw::CollectiveTuning& tuning) : tuning_(tuning) {}

  // The curve of `op` over accelerators 0, stride, 2 x stride, ... (`ranks` of them) of `systems`
  // copies of `system`: stride 1 for a TP or EP group, tp for the stage boundaries of a pipeline.
  Result<CommCurve> Get(const hw::System& system, int systems, hw::CollectiveOp op, int ranks,
                        const hw::MoeRouting& moe = {}, int stride = 1);

  const hw::CollectiveTuning& tuning() const { return tuning_; }

 private:
  hw::CollectiveTuning tuning_;
  std::map<std::pair<std::string, int>, std::unique_ptr<hw::Topology>> topologies_;
  std::map<std::tuple<std::string, int, int, int, int, int, int>, CommCurve> curves_;
};

}  // namespace aiinfra::perf
