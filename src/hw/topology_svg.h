// Pictures of a topology: a standalone SVG 1.1 document a person can read.
//
// The layout is derived from the topology and its system, never from a system id:
// - every system is a box titled with its name; inside, its nodes (servers or compute trays) are
//   boxes holding their accelerators (each with its NIC tab, coloured by rail) and their CPUs,
//   the CPUs joined to their accelerators by a host bus;
// - a switched domain inside one node (HGX) is a switch bar under the accelerators; a one-tier
//   domain spanning nodes (NVL72) is a column of switch trays (or chips) between two columns of
//   nodes, one bundled line per node; a two-tier domain (CloudMatrix 384) has its first tier as a
//   bar in every node and its second tier as a bar above all nodes, with bundled uplinks;
// - a mesh inside one node is drawn as a circle of accelerators with every pairwise link; a mesh
//   spanning nodes as a bar above the nodes (drawing thousands of pairs would be unreadable);
// - the scale-out fabric (rail leaves, the spine) sits above the systems, one line per system and
//   rail, coloured by rail; large clusters draw their first systems in full and summarise the
//   rest in one box;
// - a legend and a caption give colours, totals and bandwidths (aiinfra's units).
//
// Every accelerator is one element with class "acc"; switch trays have class "switch-tray",
// scale-up switch bars "sw t0" / "sw t1" (first / second tier), scale-out switches "leaf" and
// "spine", so tests and style sheets can find them.
//
// Written with SvgCanvas (svg_canvas.h, which also has XmlEscape); what is drawn is surveyed by
// PictureFacts (topology_svg_facts.h).
#pragma once

#include <string>

#include "hw/topology.h"

namespace aiinfra::hw {

// The whole SVG document (starts with "<svg", ends with "</svg>\n"). Pure function of the
// topology; thread-compatible (reads the topology only through const accessors that do not
// touch its route cache).
std::string RenderTopologySvg(const Topology& topology);

}  // namespace aiinfra::hw
