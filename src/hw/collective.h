// Collective cost model: time, algbw and busbw of NCCL-style collectives on any group of
// accelerators of a Topology, inside one scale-up domain or across domains.
//
// The model is alpha-beta per link with contention: an algorithm is a sequence of phases; a
// phase is a set of concurrent transfers (flows) routed over the topology; its bandwidth term is
// the most loaded directed link's bytes divided by that link's effective bandwidth (nominal x
// efficiency of its kind), and its latency term is its number of steps times the slowest route's
// latency plus a per-step software overhead. The collective pays one launch latency.
//
// Sizes and bandwidths follow nccl-tests (doc/PERFORMANCE.md there):
//   algbw = size / time;  busbw = algbw x factor, factor = 2(n-1)/n for all-reduce,
//   (n-1)/n for all-gather, reduce-scatter and all-to-all, 1 for broadcast and send/recv.
//   `size` is the per-rank buffer for all-reduce, broadcast and send/recv, and the total
//   (gathered / scattered / exchanged) buffer for all-gather, reduce-scatter and all-to-all.
// MoE dispatch/combine (DeepEP-style): `size` is the per-rank token buffer before routing
// (tokens x hidden x bytes per element); every token goes once to each distinct rank that hosts
// one of its top-k experts (experts spread evenly over the ranks, routing uniform at random).
// `direct` sends rank to rank (DeepEP's low-latency kernels); `hierarchical` (across several
// uniform domains) sends a token over the scale-out network once per remote domain, to the
// same-rail rank, which forwards it over scale-up links (DeepEP's normal kernels).
// Their busbw is the bytes a rank actually sends over links divided by time (as DeepEP reports).
#pragma once

#include <string>
#include <vector>

#include "common/data.h"
#include "common/result.h"
#include "hw/collective_tuning.h"
#include "hw/topology.h"

namespace aiinfra::hw {

enum class CollectiveOp {
  kAllReduce,
  kAllGather,
  kReduceScatter,
  kAllToAll,
  kBroadcast,
  kSendRecv,
  kMoeDispatch,
  kMoeCombine,
};
// Names as nccl-tests spells them: all_reduce, all_gather, reduce_scatter, alltoall,
// broadcast, sendrecv; and moe_dispatch, moe_combine.
const char* CollectiveOpName(CollectiveOp op);
Result<CollectiveOp> ParseCollectiveOp(std::string_view name);
std::vector<std::string> CollectiveOpNames();

enum class Algorithm {
  kAuto,          // the fastest applicable, as NCCL's tuner picks
  kRing,          // ring over all ranks (multi-domain rings cross domains on every rail)
  kTree,          // double binary tree: ring bandwidth, logarithmic latency
  kNvls,          // in-switch reduction (NVLink SHARP); one switched domain only
  kHierarchical,  // inside each domain, then across domains, then inside again
  kDirect,        // every pair at once (all-to-all, MoE)
};
const char* AlgorithmName(Algorithm algorithm);
Result<Algorithm> ParseAlgorithm(std::string_view name);

struct MoeRouting {
  int experts = 256;  // routed experts E, spread evenly over the ranks
  int top_k = 8;      // experts per token
};

struct CollectiveSpec {
  CollectiveOp op = CollectiveOp::kAllReduce;
  std::vector<int> ranks;  // accelerator indices in the topology; distinct
  double bytes = 0;        // see the header comment for what size means per op
  Algorithm algorithm = Algorithm::kAuto;
  MoeRouting moe;
};

struct PhaseCost {
  std::string name;    // "intra reduce-scatter", "inter all-reduce", ...
  double time = 0;     // seconds
  double latency = 0;  // of which latency term
  int steps = 0;
  std::string bottleneck;  // "gpu0->nvswitch[d0] (scale-up, 450GB/s)"
};

struct CollectiveCost {
  CollectiveOp op = CollectiveOp::kAllReduce;
  Algorithm algorithm = Algorithm::kRing;  // the one used (resolved from kAuto)
  int ranks = 0;
  int domains = 0;  // scale-up domains the ranks span
  double bytes = 0;
  double time = 0;     // seconds
  double latency = 0;  // seconds of `time` that are latency (launch + steps)
  double algbw = 0;    // bytes/s
  double busbw = 0;    // bytes/s
  std::vector<PhaseCost> phases;
};

// The bus-bandwidth factor of nccl-tests for `op` with `n` ranks.
double BusBandwidthFactor(CollectiveOp op, int n);

// Estimates one collective. kUsage for fewer than two ranks, duplicate or out-of-range ranks,
// a size <= 0, an algorithm that does not apply (NVLS without in-network reduction or across
// domains; tree/NVLS for all-to-all), MoE parameters out of range.
Result<CollectiveCost> EstimateCollective(const Topology& topology, const CollectiveSpec& spec,
                                          const CollectiveTuning& tuning);

// Sizes nccl-tests sweeps with -b 8 -e 8G -f 2: 8 B, 16 B, ..., 8 GiB.
std::vector<double> SweepSizes(double min_bytes = 8, double max_bytes = 8.0 * (1ull << 30));

}  // namespace aiinfra::hw
