// Names, parsing and nccl-tests conventions of the collective operations and algorithms.
#include <string>
#include <vector>

#include "hw/collective.h"

namespace aiinfra::hw {

const char* CollectiveOpName(CollectiveOp op) {
  switch (op) {
    case CollectiveOp::kAllReduce:
      return "all_reduce";
    case CollectiveOp::kAllGather:
      return "all_gather";
    case CollectiveOp::kReduceScatter:
      return "reduce_scatter";
    case CollectiveOp::kAllToAll:
      return "alltoall";
    case CollectiveOp::kBroadcast:
      return "broadcast";
    case CollectiveOp::kSendRecv:
      return "sendrecv";
    case CollectiveOp::kMoeDispatch:
      return "moe_dispatch";
    case CollectiveOp::kMoeCombine:
      return "moe_combine";
  }
  return "?";
}

std::vector<std::string> CollectiveOpNames() {
  std::vector<std::string> names;
  for (int i = 0; i <= static_cast<int>(CollectiveOp::kMoeCombine); ++i) {
    names.push_back(CollectiveOpName(static_cast<CollectiveOp>(i)));
  }
  return names;
}

Result<CollectiveOp> ParseCollectiveOp(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(CollectiveOp::kMoeCombine); ++i) {
    const auto op = static_cast<CollectiveOp>(i);
    if (name == CollectiveOpName(op)) return op;
  }
  if (name == "all_to_all") return CollectiveOp::kAllToAll;
  std::string known;
  for (const auto& n : CollectiveOpNames()) known += (known.empty() ? "" : ", ") + n;
  return Fail(ErrorCode::kUsage,
              "unknown collective \"" + std::string(name) + "\"; one of: " + known);
}

const char* AlgorithmName(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kAuto:
      return "auto";
    case Algorithm::kRing:
      return "ring";
    case Algorithm::kTree:
      return "tree";
    case Algorithm::kNvls:
      return "nvls";
    case Algorithm::kHierarchical:
      return "hierarchical";
    case Algorithm::kDirect:
      return "direct";
  }
  return "?";
}

Result<Algorithm> ParseAlgorithm(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(Algorithm::kDirect); ++i) {
    const auto a = static_cast<Algorithm>(i);
    if (name == AlgorithmName(a)) return a;
  }
  return Fail(ErrorCode::kUsage, "unknown algorithm \"" + std::string(name) +
                                     "\"; one of: auto, ring, tree, nvls, hierarchical, direct");
}

double BusBandwidthFactor(CollectiveOp op, int n) {
  switch (op) {
    case CollectiveOp::kAllReduce:
      return 2.0 * (n - 1) / n;
    case CollectiveOp::kAllGather:
    case CollectiveOp::kReduceScatter:
    case CollectiveOp::kAllToAll:
      return static_cast<double>(n - 1) / n;
    case CollectiveOp::kBroadcast:
    case CollectiveOp::kSendRecv:
      return 1.0;
    case CollectiveOp::kMoeDispatch:
    case CollectiveOp::kMoeCombine:
      return 1.0;  // replaced by the bytes actually sent (see EstimateCollective)
  }
  return 1.0;
}

std::vector<double> SweepSizes(double min_bytes, double max_bytes) {
  std::vector<double> sizes;
  for (double s = min_bytes; s <= max_bytes * (1 + 1e-12); s *= 2) sizes.push_back(s);
  return sizes;
}

}  // namespace aiinfra::hw
