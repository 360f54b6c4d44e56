#include "hw/topology_svg_facts.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/units.h"

namespace aiinfra::hw {

std::string CountNoun(int n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

PictureFacts::PictureFacts(const Topology& topology)
    : topo(topology), sys(topology.system()), nodes(topology.nodes()) {
  systems = topo.fabric().systems;
  per_system = sys.accelerator_count();
  per_node = sys.accelerators_per_node();
  nodes_per_system = sys.node_count();
  domain = sys.domain_accelerators();
  domains_per_system = per_system / domain;
  drawn = std::clamp(kAcceleratorBudget / per_system, 1, kMaxSystemsDrawn);
  drawn = std::min(drawn, systems);
  // Huawei calls its Ascend accelerators NPUs; everyone else in the catalog sells GPUs.
  acc_word = sys.accelerator.vendor == "Huawei" ? "NPU" : "GPU";
  const bool trays = sys.topology == ScaleUpTopology::kSwitched && !sys.tiers.empty() &&
                     sys.tiers.front().trays.has_value();
  node_word = trays ? "compute tray" : nodes_per_system == 1 ? "server" : "node";

  const bool spans = domain > per_node;
  if (spans && domain % per_node != 0) {
    // Domains that split a node: drawn node by node, each domain's switch bar under its part.
    layout = DomainLayout::kInNode;
    bar = sys.topology != ScaleUpTopology::kSwitched ? NodeBar::kNone : NodeBar::kPerDomain;
  } else if (sys.topology != ScaleUpTopology::kSwitched) {
    layout = spans ? DomainLayout::kTopBar : DomainLayout::kInNode;
    bar = NodeBar::kNone;
  } else if (sys.tiers.size() >= 2) {
    layout = DomainLayout::kTopBar;
    bar = NodeBar::kFirstTier;
  } else {
    layout = spans ? DomainLayout::kColumn : DomainLayout::kInNode;
    bar = spans ? NodeBar::kNone : NodeBar::kPerDomain;
  }

  acc_cpu.assign(topo.AcceleratorCount(), -1);
  std::map<int, int> leaf_seen;
  for (const TopoLink& l : topo.links()) {
    const TopoNode* a = &nodes[l.a];
    const TopoNode* b = &nodes[l.b];
    int ia = l.a, ib = l.b;
    if (a->kind > b->kind || (a->kind == b->kind && a->tier > b->tier)) {
      std::swap(a, b);
      std::swap(ia, ib);
    }
    if (a->kind == NodeKind::kAccelerator && b->kind == NodeKind::kAccelerator) {
      mesh_bw = l.bandwidth;
    } else if (a->kind == NodeKind::kAccelerator && b->kind == NodeKind::kNic) {
      nic_bw = l.bandwidth;
    } else if (a->kind == NodeKind::kAccelerator && b->kind == NodeKind::kCpu) {
      host_bw = l.bandwidth;
      acc_cpu[ia] = ib;
    } else if (a->kind == NodeKind::kSwitch && a->tier == 0 && b->tier == 1) {
      uplink_bw = l.bandwidth;
    } else if (a->kind == NodeKind::kSwitch && a->tier == 2 && b->tier == 3) {
      leaf_up_min = leaf_up_min == 0 ? l.bandwidth : std::min(leaf_up_min, l.bandwidth);
      leaf_up_max = std::max(leaf_up_max, l.bandwidth);
    } else if (a->kind == NodeKind::kSwitch && b->kind == NodeKind::kNic && a->tier == 2 &&
               b->system < drawn) {
      ++rail_nics[{b->system, ia}];
      leaf_seen.emplace(ia, 0);
    }
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const TopoNode& n = nodes[i];
    if (n.kind == NodeKind::kCpu && n.system < drawn) {
      node_cpus[{n.system, n.node}].push_back(static_cast<int>(i));
    } else if (n.kind == NodeKind::kSwitch && n.tier == 2) {
      ++total_leaves;
    } else if (n.kind == NodeKind::kSwitch && n.tier == 3) {
      spine = static_cast<int>(i);
    }
  }
  for (const auto& [leaf, unused] : leaf_seen) {
    if (static_cast<int>(leaves.size()) < kMaxLeavesDrawn) leaves.push_back(leaf);
  }
}

std::string PictureFacts::AccName(int g) const { return fmt::format("{} {}", acc_word, g); }

const std::vector<int>& PictureFacts::CpusOf(int system, int node) const {
  static const std::vector<int> kNone;
  const auto it = node_cpus.find({system, node});
  return it == node_cpus.end() ? kNone : it->second;
}

std::string PictureFacts::Title() const {
  return systems > 1 ? fmt::format("{} × {}", systems, sys.name) : sys.name;
}

std::string PictureFacts::Subtitle() const {
  return fmt::format("{} {}s in {} · scale-up: {}, {} of {} · scale-out: {} per {} on {} · aiinfra",
                     topo.AcceleratorCount(), acc_word, CountNoun(systems, "system", "systems"),
                     sys.accelerator.scale_up_technology,
                     CountNoun(topo.DomainCount(), "domain", "domains"), domain,
                     FormatRate(nic_bw, true), acc_word, CountNoun(per_node, "rail", "rails"));
}

std::vector<std::string> PictureFacts::LegendNotes() const {
  std::vector<std::string> notes;
  const std::string per_acc = FormatRate(sys.ScaleUpBandwidth().value);
  const std::string& tech = sys.accelerator.scale_up_technology;
  if (sys.topology == ScaleUpTopology::kMesh3D) {
    notes.push_back(fmt::format(
        "Scale-up: {} 3D mesh: a {}x{}x{} grid of {}s, each linked to its up to 6 neighbours at {} "
        "per link per direction; traffic between others is forwarded through the {}s between "
        "them.",
        tech.substr(0, tech.find(',')), sys.grid[0], sys.grid[1], sys.grid[2], acc_word,
        FormatRate(mesh_bw), acc_word));
  } else if (sys.topology == ScaleUpTopology::kMesh) {
    notes.push_back(fmt::format(
        "Scale-up: {} full mesh: every pair of the {} {}s of a domain linked directly, {} per "
        "link per direction ({} per {}).",
        tech.substr(0, tech.find(',')), domain, acc_word, FormatRate(mesh_bw), per_acc, acc_word));
  } else if (sys.tiers.size() >= 2) {
    // "Unified Bus (UB)" -> "UB".
    std::string short_tech = tech;
    const auto open = tech.find('('), close = tech.find(')');
    if (open != std::string::npos && close > open)
      short_tech = tech.substr(open + 1, close - open - 1);
    notes.push_back(fmt::format(
        "Scale-up: two-tier {} Clos: {} ({} chips per {}) under {} ({} chips per domain); each "
        "{}'s uplinks are as wide as its downlinks ({} per direction); domain of {} {}s, {} per {} "
        "per direction.",
        short_tech, sys.tiers[0].name, static_cast<int>(sys.tiers[0].chips.value), node_word,
        sys.tiers[1].name, static_cast<int>(sys.tiers[1].chips.value), node_word,
        FormatRate(uplink_bw), domain, acc_word, per_acc, acc_word));
  } else {
    const SwitchTier& t = sys.tiers.front();
    notes.push_back(fmt::format(
        "Scale-up: {}, switched through {} ({} chips{} per {}); domain of {} {}s; {} per {} per "
        "direction ({} per domain){}.",
        tech, t.name, static_cast<int>(t.chips.value),
        t.trays ? fmt::format(" in {} trays", static_cast<int>(t.trays->value)) : "",
        t.per_node ? node_word : "domain", domain, acc_word, per_acc, acc_word,
        FormatRate(sys.ScaleUpBandwidth().value * domain),
        sys.in_network_reduction ? "; the switches reduce in-network" : ""));
  }
  if (layout != DomainLayout::kInNode) {
    notes.push_back(fmt::format(
        "A thick line bundles the scale-up links of one {} (its {} {}s){}; labels give the "
        "bandwidth per {} per direction.",
        node_word, per_node, acc_word,
        layout == DomainLayout::kTopBar
            ? fmt::format("; a trunk bundles a column of {}s", node_word)
            : "",
        acc_word));
  }
  notes.push_back(fmt::format(
      "Scale-out: rail-optimised: NIC r of every {} goes to the leaf of rail r, {} {}s per leaf, "
      "leaves under one logical spine; {} × {} NICs per {} ({} per {}).",
      node_word, topo.fabric().nodes_per_leaf, node_word,
      FormatCount(sys.nics_per_accelerator.value), FormatRate(sys.NicRate().value, true), acc_word,
      FormatRate(nic_bw, true), acc_word));
  notes.push_back(fmt::format("Host: {} × {}; {} per {} per direction.",
                              static_cast<int>(sys.cpus.value), sys.cpu_model, FormatRate(host_bw),
                              acc_word));
  // Totals.
  int su_switches = 0, su_chips = 0, trays = 0, leaf_count = 0, spines = 0;
  for (const TopoNode& n : nodes) {
    if (n.kind != NodeKind::kSwitch) continue;
    if (n.tier <= 1) {
      ++su_switches;
      su_chips += n.chips;
    }
    leaf_count += n.tier == 2;
    spines += n.tier == 3;
  }
  if (sys.topology == ScaleUpTopology::kSwitched && sys.tiers.front().trays) {
    trays = static_cast<int>(sys.tiers.front().trays->value) * topo.DomainCount();
  }
  const int accs = topo.AcceleratorCount();
  std::string totals =
      fmt::format("Totals: {} {}s · {} of {} · {} in {}", accs, acc_word,
                  CountNoun(topo.DomainCount(), "scale-up domain", "scale-up domains"), domain,
                  CountNoun(nodes_per_system * systems, node_word, node_word + "s"),
                  CountNoun(systems, "system", "systems"));
  if (su_switches > 0) {
    totals += fmt::format(" · {} scale-up switch chips{}", su_chips,
                          trays > 0 ? fmt::format(" in {} trays", trays) : "");
  }
  totals += fmt::format(
      " · {} leaf switches{} · {} NICs · {} CPUs", leaf_count, spines > 0 ? " + 1 spine" : "",
      FormatCount(accs * sys.nics_per_accelerator.value), topo.CountNodes(NodeKind::kCpu));
  if (drawn < systems) totals += fmt::format(" (the first {} systems drawn)", drawn);
  notes.push_back(totals);
  notes.push_back(fmt::format(
      "Bandwidth per direction: scale-up {} per {} ({} per domain) · scale-out {} per {} ({} in "
      "all) · host {} per {}.",
      per_acc, acc_word, FormatRate(sys.ScaleUpBandwidth().value * domain),
      FormatRate(nic_bw, true), acc_word, FormatRate(nic_bw * accs, true), FormatRate(host_bw),
      acc_word));
  return notes;
}

Legend PictureFacts::MakeLegend() const {
  Legend legend{.swatches = {{"su bundle", false, "scale-up link"},
                             {"so", false, "scale-out link"},
                             {"ho", false, "host link (CPU ↔ accelerator)"},
                             {"acc", true, "accelerator"},
                             {"nic r0", true, "NIC (coloured by rail)"},
                             {"cpu", true, "CPU"},
                             {"sw", true, "scale-up switch"},
                             {"spine", true, "scale-out switch"}},
                .notes = LegendNotes(),
                .captions = 2};  // the totals and the bandwidths
  if (per_node > 1) {
    legend.key_title = "rails:";
    for (int r = 0; r < std::min(per_node, kRailColors); ++r) {
      legend.keys.push_back({"nic " + RailClass(r), true, std::to_string(r)});
    }
    if (per_node > kRailColors) legend.key_note = "(colours repeat)";
  }
  return legend;
}

}  // namespace aiinfra::hw
