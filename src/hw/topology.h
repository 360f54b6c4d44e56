// Topology: the graph of one or more systems — accelerators, switches, NICs and CPUs joined by
// full-duplex links — and the queries the collective model and the pictures need.
//
// Modelling choices (documented in src/hw/README.md):
// - The switch chips of one tier and scope (all NVSwitch chips of an HGX board, the 18 chips of
//   an NVL72, the 7 L1 UB chips of a CloudMatrix node) form ONE switch node whose links carry
//   the sum of the chips' bandwidth. NCCL and the UB fabric spread traffic over all chips, so
//   for bandwidth this is exact for non-blocking switches and keeps routes unique. The chip and
//   tray counts stay on the node for pictures.
// - A mesh (Infinity Fabric) links every pair of a domain directly, each link carrying the
//   accelerator's scale-up bandwidth divided by (domain size - 1).
// - Scale-out is rail-optimised: each accelerator's NICs (aggregated into one NIC node) connect
//   to the leaf switch of its rail (its index within the node); a leaf serves `nodes_per_leaf`
//   nodes; all leaves connect to one logical spine with uplink capacity = downlink capacity /
//   oversubscription.
// - A 3D grid (mesh3d) links each accelerator to its up to six neighbours, each link carrying
//   the accelerator's scale-up bandwidth divided by its link count; these accelerators forward
//   traffic for others, so routes may pass through them.
// - Other accelerators never forward traffic (routes do not pass through a third one).
//
// Thread safety: const queries are not thread-safe (route trees are cached lazily).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "hw/system.h"

namespace aiinfra::hw {

enum class NodeKind { kAccelerator, kSwitch, kNic, kCpu };
enum class LinkKind { kScaleUp, kScaleOut, kHost };
const char* NodeKindName(NodeKind kind);
const char* LinkKindName(LinkKind kind);

// The scale-out fabric that joins systems into a cluster.
struct FabricOptions {
  int systems = 1;                // systems in the cluster
  double oversubscription = 1.0;  // leaf downlink : uplink capacity (1 = non-blocking)
  int nodes_per_leaf = 32;        // nodes whose rail-r NICs share one leaf switch
};

struct TopoNode {
  NodeKind kind = NodeKind::kAccelerator;
  std::string label;      // "gpu12", "nvswitch[s0]", "nic3", "leaf[r2,g0]", "spine", "cpu1"
  int system = -1;        // system index, -1 for fabric switches
  int node = -1;          // node (server/tray) index within the system, -1 if none
  int domain = -1;        // global scale-up domain (accelerators and scale-up switches), else -1
  int tier = -1;          // switches: 0/1 scale-up tiers, 2 leaf, 3 spine
  int rail = -1;          // NICs and leaves
  int chips = 0;          // switches: ASICs this node stands for
  bool forwards = false;  // accelerators of a grid pass traffic on for others
};

struct TopoLink {
  int a = 0;
  int b = 0;
  double bandwidth = 0;  // bytes/s in each direction
  double latency = 0;    // seconds, one way
  LinkKind kind = LinkKind::kScaleUp;
};

// A directed use of a link: link index and direction (true: a -> b).
struct Hop {
  int link = 0;
  bool forward = true;
  int Channel() const { return link * 2 + (forward ? 0 : 1); }
};

struct Route {
  std::vector<Hop> hops;
  double bandwidth = 0;  // bottleneck (minimum) link bandwidth along the route, bytes/s
  double latency = 0;    // sum of link latencies, seconds
};

class Topology {
 public:
  // Builds `options.systems` copies of `system` joined by the scale-out fabric.
  static Result<Topology> Build(const System& system, const FabricOptions& options = {});

  const System& system() const { return system_; }
  const FabricOptions& fabric() const { return fabric_; }
  const std::vector<TopoNode>& nodes() const { return nodes_; }
  const std::vector<TopoLink>& links() const { return links_; }

  // Accelerators are nodes 0 .. AcceleratorCount()-1, ordered by system, node, local index.
  int AcceleratorCount() const { return accelerator_count_; }
  int DomainCount() const { return domain_count_; }
  // The accelerators of the scale-up domain that `accelerator` belongs to, in order.
  std::vector<int> ScaleUpDomain(int accelerator) const;
  bool SameDomain(int a, int b) const { return nodes_[a].domain == nodes_[b].domain; }

  // The route traffic from accelerator `from` to accelerator `to` takes: inside one scale-up
  // domain over scale-up links only; otherwise over any links. Lowest latency, then fewest hops,
  // then the order of construction. Precondition: both are accelerator indices, from != to.
  Route RouteBetween(int from, int to) const;

  // Calls f(const Hop&) for every hop of RouteBetween(from, to), from the destination back to
  // the source, without building the Route (the collective model walks millions of routes).
  template <typename F>
  void ForEachHop(int from, int to, F&& f) const {
    const std::vector<int>& via = Tree(from);
    for (int v = to; v != from;) {
      const TopoLink& link = links_[via[v]];
      const int u = link.a == v ? link.b : link.a;
      f(Hop{via[v], link.a == u});
      v = u;
    }
  }

  // Bisection bandwidth (bytes/s, one direction) of a set of accelerators: the max-flow
  // across the balanced split that follows the hierarchy (the set ordered by accelerator index,
  // first half against second half), which for these tree-like fabrics is the minimum balanced
  // cut. A set of fewer than two accelerators has bisection 0.
  double BisectionBandwidth(std::vector<int> accelerators) const;

  // The links touching node `node` (indices into links()).
  const std::vector<int>& LinksOf(int node) const { return adjacency_[node]; }

  // Total switch nodes and NIC nodes (for summaries).
  int CountNodes(NodeKind kind) const;

 private:
  int AddNode(TopoNode node);
  void AddLink(int a, int b, double bandwidth, double latency, LinkKind kind);
  // The link by which each node is reached from accelerator `from` on its routes (see
  // RouteBetween), computed on first use and kept: one int per node per source.
  const std::vector<int>& Tree(int from) const;
  // The link by which each node is reached from `from` on lowest-latency paths (-1: not
  // reached), optionally over scale-up links only.
  std::vector<int> LowestLatencyTree(int from, bool scale_up_only) const;

  System system_;
  FabricOptions fabric_;
  std::vector<TopoNode> nodes_;
  std::vector<TopoLink> links_;
  std::vector<std::vector<int>> adjacency_;  // node -> link indices
  int accelerator_count_ = 0;
  int domain_count_ = 0;
  // Lazily filled: trees_[from] (empty until first used).
  mutable std::vector<std::vector<int>> trees_;
};

}  // namespace aiinfra::hw
