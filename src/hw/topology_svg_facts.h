// What a picture of a topology says, surveyed before any geometry: which systems are drawn in
// full, how the scale-up domains are laid out, the bandwidth of each kind of link, which CPU
// serves which accelerator, which rail leaves are drawn, and the words of the title, subtitle and
// legend. Used by RenderTopologySvg (topology_svg.cc), which places and draws what is surveyed
// here; not meant for other callers.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hw/svg_canvas.h"
#include "hw/topology.h"

namespace aiinfra::hw {

// How the scale-up domains are laid out.
enum class DomainLayout {
  kInNode,  // each scale-up domain lies inside one node
  kColumn,  // one switch tier spanning nodes: switch column between two columns of nodes
  kTopBar,  // two tiers or a mesh spanning nodes: the domain-wide fabric as a bar above
};

// The switch bar drawn inside a node, under its accelerators.
enum class NodeBar {
  kNone,
  kPerDomain,  // one per scale-up domain (or part of one) in the node
  kFirstTier,  // the node's first tier of a two-tier domain
};

// Most rail leaves drawn; the rest are summarised in one box.
inline constexpr int kMaxLeavesDrawn = 64;
// Accelerators drawn in full in a cluster picture, and most systems drawn in full (at least one).
inline constexpr int kAcceleratorBudget = 400;
inline constexpr int kMaxSystemsDrawn = 8;

// The survey. Holds references into the topology, which must outlive it. Only the systems drawn
// in full (0 .. drawn-1) have their CPUs and rail NICs surveyed.
struct PictureFacts {
  explicit PictureFacts(const Topology& topology);

  std::string AccName(int g) const;  // "GPU 12" (Huawei's accelerators are NPUs)
  // The CPU nodes of node `node` of system `system` (empty when not surveyed).
  const std::vector<int>& CpusOf(int system, int node) const;
  std::string Title() const;     // "3 × NVIDIA HGX H100 8-GPU"
  std::string Subtitle() const;  // totals, scale-up, scale-out in one line
  // The legend: swatches, the rail colours, notes on scale-up, scale-out and host links, then
  // the totals and the bandwidths as its caption.
  Legend MakeLegend() const;
  std::vector<std::string> LegendNotes() const;  // the notes of MakeLegend

  const Topology& topo;
  const System& sys;
  const std::vector<TopoNode>& nodes;
  int systems = 0;     // in the topology
  int per_system = 0;  // accelerators per system
  int per_node = 0;    // accelerators per node
  int nodes_per_system = 0;
  int domain = 0;  // accelerators per scale-up domain
  int domains_per_system = 0;
  int drawn = 0;          // systems drawn in full
  std::string acc_word;   // "GPU" or "NPU"
  std::string node_word;  // "server", "node" or "compute tray"
  DomainLayout layout = DomainLayout::kInNode;
  NodeBar bar = NodeBar::kNone;
  // Bytes/s per direction of one link of each kind (0 when there is none).
  double mesh_bw = 0, uplink_bw = 0, nic_bw = 0, host_bw = 0;
  double leaf_up_min = 0, leaf_up_max = 0;  // leaf to spine
  int spine = -1;                           // its topology node, -1 when none
  std::vector<int> acc_cpu;                 // accelerator -> its CPU's topology node, or -1
  std::map<std::pair<int, int>, std::vector<int>> node_cpus;  // (system, node) -> CPU nodes
  std::vector<int> leaves;                                    // leaves drawn, in topology order
  int total_leaves = 0;
  std::map<std::pair<int, int>, int> rail_nics;  // (system, leaf node) -> NICs on that leaf
};

// "1 system", "3 systems".
std::string CountNoun(int n, std::string_view one, std::string_view many);

}  // namespace aiinfra::hw
