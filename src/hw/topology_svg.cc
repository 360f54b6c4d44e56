#include "hw/topology_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <vector>

#include "common/units.h"
#include "hw/svg_canvas.h"
#include "hw/topology_svg_facts.h"

namespace aiinfra::hw {
namespace {

// Geometry in px of the viewBox (drawn 1:1: width/height equal the viewBox).
constexpr double kMargin = 24;
constexpr double kUnitW = 64;  // an accelerator with its NIC tab
constexpr double kUnitGap = 6;
constexpr double kNicH = 15;
constexpr double kAccH = 26;
constexpr double kUnitH = kNicH + kAccH;
constexpr int kMaxUnitsPerRow = 8;
constexpr double kPad = 10;  // inside a node box
constexpr double kNodeTitleH = 18;
constexpr double kCpuW = 58;
constexpr double kCpuH = 20;
constexpr double kBusH = 14;  // between the CPU row and the accelerators
constexpr double kBarGap = 16;
constexpr double kBarH = 22;
constexpr double kGap = 12;       // between nodes
constexpr double kLinkGap = 120;  // between a node column and the switch column
constexpr double kSwitchColW = 180;
constexpr double kChannel = 46;  // trunk channel right of each node column
constexpr double kTopBarH = 44;
constexpr double kTopBarGap = 30;
constexpr double kSysPad = 14;
constexpr double kSysHeaderH = 46;
constexpr double kLeafW = 84;
constexpr double kLeafH = 32;
constexpr double kMinWidth = 900;
constexpr double kMeshAspect = 1.35;  // horizontal : vertical radius of a mesh island

// Columns for a grid of `n` cells of w x h whose shape is closest to `ratio` (width / height).
int ChooseCols(int n, double w, double h, double ratio) {
  int best = 1;
  double best_score = std::numeric_limits<double>::infinity();
  for (int c = 1; c <= n; ++c) {
    const int r = (n + c - 1) / c;
    if (c > 1 && (r - 1) * c >= n) continue;
    const double score = std::abs(std::log(c * w / (r * h) / ratio));
    if (score < best_score - 1e-9) {
      best = c;
      best_score = score;
    }
  }
  return best;
}

// Where things are inside a node box (all nodes of a system look alike).
struct NodeGeom {
  double w = 0, h = 0;
  int cols = 1;         // units per row (row mode)
  double units_x0 = 0;  // left of the first unit
  double units_y = 0;   // top of the first row of units
  double row_pitch = 0;
  double cpu_y = 0;
  double port_y = 0;    // where bundled lines leave the node (its side edges)
  bool circle = false;  // mesh islands
  double radius = 0, island_w = 0;
};

// Places and draws what PictureFacts surveyed: systems side by side (wrapping), the scale-out
// fabric above them, the legend below.
class Renderer {
 public:
  explicit Renderer(const Topology& topo) : f_(topo) {
    ComputeNodeGeom();
    MeasureSystem();
  }
  std::string Render() const;

 private:
  void ComputeNodeGeom();
  void MeasureSystem();
  void DrawUnit(SvgCanvas& svg, int g, double x, double y, bool nic_top) const;
  void DrawNode(SvgCanvas& svg, int s, int nd, double x, double y) const;
  void DrawDomain(SvgCanvas& svg, int s, int d, double x, double y) const;
  void DrawSystem(SvgCanvas& svg, int s, double x, double y) const;
  void DrawFabric(SvgCanvas& svg, const std::vector<double>& sys_x,
                  const std::vector<double>& sys_y, double top, double width) const;

  const PictureFacts f_;
  NodeGeom ng_;
  double dom_w_ = 0, dom_h_ = 0;  // one domain block (spanning layouts)
  int dom_cols_ = 1;              // domain blocks per row in a system
  int node_cols_ = 1;             // nodes per row (in-node layout) or per domain (top bar)
  double body_w_ = 0, body_h_ = 0, sys_w_ = 0, sys_h_ = 0;
};

void Renderer::ComputeNodeGeom() {
  NodeGeom& g = ng_;
  const int cpus = static_cast<int>(
      f_.node_cpus.begin() == f_.node_cpus.end() ? 0 : f_.node_cpus.begin()->second.size());
  const double cpu_w = cpus > 0 ? cpus * kCpuW + (cpus - 1) * 8 : 0;
  g.cpu_y = kNodeTitleH;
  g.units_y = kNodeTitleH + (cpus > 0 ? kCpuH + kBusH : 0);
  g.circle = f_.sys.topology == ScaleUpTopology::kMesh && f_.layout == DomainLayout::kInNode &&
             f_.per_node % f_.domain == 0;
  double units_w = 0, units_h = 0;
  if (g.circle) {
    const int islands = f_.per_node / f_.domain;
    // An ellipse wider than tall (the boxes are), large enough that chords miss the NIC tabs.
    g.radius = f_.domain > 1 ? std::max(70.0, f_.domain * 100 / (2 * std::numbers::pi)) : 0;
    g.island_w = std::max(2 * g.radius * kMeshAspect + kUnitW, 220.0);
    units_w = islands * g.island_w + (islands - 1) * 16;
    units_h = 2 * g.radius + kUnitH + 18;  // the label under each island
    g.cols = f_.per_node;
    g.port_y = g.units_y + units_h / 2;
  } else {
    const int rows = (f_.per_node + kMaxUnitsPerRow - 1) / kMaxUnitsPerRow;
    g.cols = (f_.per_node + rows - 1) / rows;
    units_w = g.cols * kUnitW + (g.cols - 1) * kUnitGap;
    g.row_pitch = kUnitH + (f_.bar != NodeBar::kNone ? kBarGap + kBarH : 0) + 10;
    units_h = rows * g.row_pitch - 10;
    g.port_y = f_.bar == NodeBar::kFirstTier ? g.units_y + kUnitH + kBarGap + kBarH / 2
                                             : g.units_y + kNicH + kAccH / 2;
  }
  const double inner_w = std::max({units_w, cpu_w, 100.0});
  g.w = inner_w + 2 * kPad;
  g.h = g.units_y + units_h + kPad;
  g.units_x0 = kPad + (inner_w - units_w) / 2;
}

void Renderer::MeasureSystem() {
  const int nodes_per_domain = std::max(1, f_.domain / f_.per_node);
  switch (f_.layout) {
    case DomainLayout::kInNode:
      node_cols_ = ChooseCols(f_.nodes_per_system, ng_.w + kGap, ng_.h + kGap, 1.6);
      body_w_ = node_cols_ * (ng_.w + kGap) - kGap;
      body_h_ = ((f_.nodes_per_system + node_cols_ - 1) / node_cols_) * (ng_.h + kGap) - kGap;
      break;
    case DomainLayout::kColumn: {
      const int left = (nodes_per_domain + 1) / 2;
      const int right = nodes_per_domain - left;
      const SwitchTier& t = f_.sys.tiers.front();
      const int boxes = t.trays ? static_cast<int>(t.trays->value)
                                : std::min(24, static_cast<int>(t.chips.value));
      dom_w_ = ng_.w + kLinkGap + kSwitchColW + (right > 0 ? kLinkGap + ng_.w : 0);
      dom_h_ = std::max(left * (ng_.h + kGap) - kGap, 70 + boxes * 36.0);
      break;
    }
    case DomainLayout::kTopBar: {
      node_cols_ = ChooseCols(nodes_per_domain, ng_.w + kChannel, ng_.h + kGap, 1.6);
      const int rows = (nodes_per_domain + node_cols_ - 1) / node_cols_;
      dom_w_ = node_cols_ * (ng_.w + kChannel);
      dom_h_ = kTopBarH + kTopBarGap + rows * (ng_.h + kGap) - kGap;
      break;
    }
  }
  if (f_.layout != DomainLayout::kInNode) {
    // Several domains in one system get a dashed frame each.
    const double frame = f_.domains_per_system > 1 ? 20 : 0;
    dom_w_ += frame;
    dom_h_ += frame * 1.5;
    dom_cols_ = ChooseCols(f_.domains_per_system, dom_w_ + kGap, dom_h_ + kGap, 1.6);
    body_w_ = dom_cols_ * (dom_w_ + kGap) - kGap;
    body_h_ = ((f_.domains_per_system + dom_cols_ - 1) / dom_cols_) * (dom_h_ + kGap) - kGap;
  }
  sys_w_ = std::max(body_w_, TextWidth(f_.sys.name, 14) + 120) + 2 * kSysPad;
  sys_h_ = kSysHeaderH + body_h_ + kSysPad;
}

void Renderer::DrawUnit(SvgCanvas& svg, int g, double x, double y, bool nic_top) const {
  const TopoNode& n = f_.nodes[g];
  const double nics = f_.sys.nics_per_accelerator.value;
  const std::string rate = FormatRate(f_.sys.NicRate().value, true);
  const std::string nic = nics == 1 ? "NIC " + rate : FormatCount(nics) + "×" + rate;
  svg.Open(fmt::format("{} ({}) · {} {} · rail {} · {} per {}", n.label, f_.sys.accelerator.name,
                       f_.node_word, n.node, n.rail, nic, f_.acc_word));
  const double acc_y = nic_top ? y + kNicH : y;
  const double nic_y = nic_top ? y : y + kAccH + 3;
  svg.Rect(x, acc_y, kUnitW, kAccH, "acc", 3);
  svg.Text(x + kUnitW / 2, acc_y + 17, "al", f_.AccName(g));
  svg.Rect(x + 4, nic_y, kUnitW - 8, kNicH - 3, "nic " + RailClass(n.rail), 2);
  svg.Text(x + kUnitW / 2, nic_y + 9, "nl", nic);
  svg.Close();
}

void Renderer::DrawNode(SvgCanvas& svg, int s, int nd, double x, double y) const {
  const int first = s * f_.per_system + nd * f_.per_node;
  svg.Rect(x, y, ng_.w, ng_.h, "node", 6);
  svg.Text(x + kPad, y + 13, "nt",
           f_.nodes_per_system == 1 ? f_.node_word : fmt::format("{} {}", f_.node_word, nd));
  const std::vector<int>& cpus = f_.CpusOf(s, nd);
  std::vector<double> ux(f_.per_node), uy(f_.per_node);  // unit top-left
  std::vector<bool> nic_top(f_.per_node, true);
  if (ng_.circle) {
    const double cy = y + ng_.units_y + ng_.radius + kUnitH / 2;
    for (int l = 0; l < f_.per_node; ++l) {
      const int island = l / f_.domain, k = l % f_.domain;
      const double cx = x + ng_.units_x0 + island * (ng_.island_w + 16) + ng_.island_w / 2;
      const double a = -std::numbers::pi / 2 - std::numbers::pi / f_.domain +
                       2 * std::numbers::pi * k / f_.domain;
      const double px = cx + ng_.radius * kMeshAspect * std::cos(a);
      const double py = cy + ng_.radius * std::sin(a);
      ux[l] = px - kUnitW / 2;
      uy[l] = py - kUnitH / 2;
      nic_top[l] = std::sin(a) <= 1e-9;
    }
    // Every pair of an island, under the accelerators.
    auto centre_y = [&](int l) { return uy[l] + (nic_top[l] ? kNicH + kAccH / 2 : kAccH / 2); };
    for (int i = 0; i < f_.per_node; ++i) {
      for (int j = i + 1; j < f_.per_node && j / f_.domain == i / f_.domain; ++j) {
        svg.Line(ux[i] + kUnitW / 2, centre_y(i), ux[j] + kUnitW / 2, centre_y(j), "su");
      }
    }
    if (f_.domain > 1) {
      for (int island = 0; island < f_.per_node / f_.domain; ++island) {
        const double cx = x + ng_.units_x0 + island * (ng_.island_w + 16) + ng_.island_w / 2;
        svg.Text(
            cx, cy + ng_.radius + kUnitH / 2 + 14, "bl m",
            FitText({fmt::format("full mesh · {} per link per direction", FormatRate(f_.mesh_bw)),
                     fmt::format("mesh · {} per link", FormatRate(f_.mesh_bw))},
                    ng_.island_w, 9));
      }
    }
  } else {
    for (int l = 0; l < f_.per_node; ++l) {
      ux[l] = x + ng_.units_x0 + (l % ng_.cols) * (kUnitW + kUnitGap);
      uy[l] = y + ng_.units_y + (l / ng_.cols) * ng_.row_pitch;
    }
    // Switch bars: one per domain (or per node for a first tier) and row, under its units.
    for (int l = 0; l < f_.per_node;) {
      int end = l + 1;
      while (
          end < f_.per_node && end / ng_.cols == l / ng_.cols &&
          (f_.bar == NodeBar::kFirstTier || (first + end) / f_.domain == (first + l) / f_.domain)) {
        ++end;
      }
      if (f_.bar != NodeBar::kNone) {
        const SwitchTier& t = f_.sys.tiers.front();
        const double bx = ux[l], by = uy[l] + kUnitH + kBarGap;
        const double bw = ux[end - 1] + kUnitW - bx;
        for (int k = l; k < end; ++k)
          svg.Line(ux[k] + kUnitW / 2, uy[k] + kUnitH, ux[k] + kUnitW / 2, by, "su");
        const std::string chips = CountNoun(static_cast<int>(t.chips.value), "chip", "chips");
        svg.Open(fmt::format("{} · {} · {} per {} per direction", t.name, chips,
                             FormatRate(f_.sys.ScaleUpBandwidth().value), f_.acc_word));
        svg.Rect(bx, by, bw, kBarH, "sw t0", 3);
        svg.Text(bx + bw / 2, by + 15, "cl",
                 FitText({fmt::format("{} · {} · {} per {} per direction", t.name, chips,
                                      FormatRate(f_.sys.ScaleUpBandwidth().value), f_.acc_word),
                          fmt::format("{} · {}", t.name, chips), t.name},
                         bw - 8, 9.5));
        svg.Close();
        if (f_.bar == NodeBar::kFirstTier && l == 0) {
          svg.Line(bx + bw, by + kBarH / 2, x + ng_.w, by + kBarH / 2, "su bundle");
        }
      }
      l = end;
    }
  }
  // CPUs over the accelerators they serve, joined by a host bus (first row only).
  std::vector<double> cx(cpus.size());
  std::vector<std::vector<int>> served(cpus.size());
  for (std::size_t c = 0; c < cpus.size(); ++c) {
    double sum = 0;
    for (int l = 0; l < f_.per_node; ++l) {
      if (f_.acc_cpu[first + l] == cpus[c] && (ng_.circle || l < ng_.cols)) {
        served[c].push_back(l);
        sum += ux[l] + kUnitW / 2;
      }
    }
    cx[c] = served[c].empty() ? -1 : sum / served[c].size();
  }
  bool even = false;
  for (std::size_t c = 0; c < cpus.size(); ++c) {
    even |= cx[c] < 0 || (c > 0 && cx[c] - cx[c - 1] < kCpuW + 6) || ng_.circle;
  }
  if (even) {
    const double inner = ng_.w - 2 * kPad;
    for (std::size_t c = 0; c < cpus.size(); ++c) {
      cx[c] = x + kPad + inner * (c + 0.5) / cpus.size();
    }
  }
  const double cpu_top = y + ng_.cpu_y, bus_y = cpu_top + kCpuH + kBusH / 2;
  for (std::size_t c = 0; c < cpus.size(); ++c) {
    if (!ng_.circle && !served[c].empty()) {
      double lo = cx[c], hi = cx[c];
      for (int l : served[c]) {
        const double u = ux[l] + kUnitW / 2;
        lo = std::min(lo, u);
        hi = std::max(hi, u);
        svg.Line(u, bus_y, u, uy[l], "ho");
      }
      svg.Line(cx[c], cpu_top + kCpuH, cx[c], bus_y, "ho");
      svg.Line(lo, bus_y, hi, bus_y, "ho");
    }
    const TopoNode& cpu = f_.nodes[cpus[c]];
    svg.Open(fmt::format("{} ({}) · host link {} per {} per direction", cpu.label, f_.sys.cpu_model,
                         FormatRate(f_.host_bw), f_.acc_word));
    svg.Rect(cx[c] - kCpuW / 2, cpu_top, kCpuW, kCpuH, "cpu", 3);
    svg.Text(cx[c], cpu_top + 14, "cl", fmt::format("CPU {}", cpu.label.substr(3)));
    svg.Close();
  }
  for (int l = 0; l < f_.per_node; ++l) DrawUnit(svg, first + l, ux[l], uy[l], nic_top[l]);
}

void Renderer::DrawDomain(SvgCanvas& svg, int s, int d, double x, double y) const {
  const int nodes_per_domain = f_.domain / f_.per_node;
  const int nd0 = d * nodes_per_domain;
  const int gdomain = (s * f_.per_system + d * f_.domain) / f_.domain;
  double w = dom_w_, h = dom_h_;
  if (f_.domains_per_system > 1) {
    svg.Rect(x, y, w, h, "dom", 8);
    svg.Text(x + 10, y + 15, "nt", fmt::format("scale-up domain {}", gdomain));
    x += 10;
    y += 20;
    w -= 20;
    h -= 30;
  }
  const std::string per_acc = FormatRate(f_.sys.ScaleUpBandwidth().value);
  if (f_.layout == DomainLayout::kColumn) {
    const SwitchTier& t = f_.sys.tiers.front();
    const int left = (nodes_per_domain + 1) / 2;
    const int chips = static_cast<int>(t.chips.value);
    const double sx = x + ng_.w + kLinkGap;
    const double col_h = left * (ng_.h + kGap) - kGap;
    const double off = (h - col_h) / 2;
    const std::string bundle = fmt::format("{} × {}", f_.per_node, per_acc);
    for (int i = 0; i < nodes_per_domain; ++i) {
      const bool on_left = i < left;
      const double nx = on_left ? x : sx + kSwitchColW + kLinkGap;
      const double ny = y + off + (on_left ? i : i - left) * (ng_.h + kGap);
      const double py = ny + ng_.port_y;
      const double x1 = on_left ? nx + ng_.w : sx + kSwitchColW, x2 = on_left ? sx : nx;
      svg.Open(fmt::format("{} {}: {} {}s × {} per direction to the {}", f_.node_word, nd0 + i,
                           f_.per_node, f_.acc_word, per_acc, t.name));
      svg.Line(x1, py, x2, py, "su bundle");
      svg.Text((x1 + x2) / 2, py - 6, "bl m", bundle);
      svg.Close();
      DrawNode(svg, s, nd0 + i, nx, ny);
    }
    svg.Rect(sx, y, kSwitchColW, h, "swcol", 6);
    const double cxm = sx + kSwitchColW / 2;
    svg.Text(cxm, y + 16, "sh", FitText({t.name}, kSwitchColW - 8, 10.5));
    svg.Text(cxm, y + 31, "cl",
             t.trays ? fmt::format("{} chips in {} trays", chips, static_cast<int>(t.trays->value))
                     : CountNoun(chips, "chip", "chips"));
    svg.Text(cxm, y + 45, "bl m", fmt::format("{} per {}", per_acc, f_.acc_word));
    svg.Text(cxm, y + 57, "bl m", "per direction");
    const int trays = t.trays ? static_cast<int>(t.trays->value) : 0;
    const int boxes = trays > 0 ? trays : std::min(24, chips);
    const double pitch = (h - 70) / boxes;
    for (int b = 0; b < boxes; ++b) {
      const double by = y + 66 + b * pitch + (pitch - 28) / 2;
      std::string label;
      if (trays > 0) {
        label = chips % trays == 0 ? fmt::format("switch tray {} · {}", b,
                                                 CountNoun(chips / trays, "chip", "chips"))
                                   : fmt::format("switch tray {}", b);
      } else {
        label =
            chips > boxes ? CountNoun(chips, "chip", "chips") : fmt::format("switch chip {}", b);
      }
      svg.Rect(sx + 12, by, kSwitchColW - 24, 28, trays > 0 ? "switch-tray" : "switch-chip", 3);
      svg.Text(cxm, by + 18, "cl", label);
    }
    return;
  }
  // Top bar: the second tier (or the mesh) above a grid of nodes, joined by one trunk per column.
  const bool mesh = f_.sys.topology != ScaleUpTopology::kSwitched;
  const double bar_w = w - kChannel / 2;
  std::string l1, l2;
  if (f_.sys.topology == ScaleUpTopology::kMesh3D) {
    const std::string& tech = f_.sys.accelerator.scale_up_technology;
    const auto& g = f_.sys.grid;
    l1 = fmt::format("{} 3D mesh · {}x{}x{} grid of {} {}s", tech.substr(0, tech.find(',')), g[0],
                     g[1], g[2], f_.domain, f_.acc_word);
    l2 = fmt::format(
        "each linked to its up to 6 neighbours, {} per link per direction; "
        "others reached through the {}s between",
        FormatRate(f_.mesh_bw), f_.acc_word);
  } else if (mesh) {
    const long long pairs = static_cast<long long>(f_.domain) * (f_.domain - 1) / 2;
    const std::string& tech = f_.sys.accelerator.scale_up_technology;
    l1 = fmt::format("{} full mesh · {} {}s", tech.substr(0, tech.find(',')), f_.domain,
                     f_.acc_word);
    l2 = fmt::format("every pair linked directly: {} links, {} per link per direction ({} per {})",
                     pairs, FormatRate(f_.mesh_bw), per_acc, f_.acc_word);
  } else {
    const SwitchTier& t = f_.sys.tiers[1];
    l1 = fmt::format("{} · {} (tier 2)", t.name,
                     CountNoun(static_cast<int>(t.chips.value), "chip", "chips"));
    l2 = fmt::format("uplinks of each {}'s {}: {} × {} = {} per direction (non-blocking)",
                     f_.node_word, f_.sys.tiers[0].name, f_.per_node, per_acc,
                     FormatRate(f_.uplink_bw));
  }
  svg.Open(l1 + " · " + l2);
  svg.Rect(x, y, bar_w, kTopBarH, mesh ? "mesh" : "sw t1", 5);
  svg.Text(x + bar_w / 2, y + 18, "sh", FitText({l1}, bar_w - 10, 10.5));
  svg.Text(x + bar_w / 2, y + 34, "cl", FitText({l2}, bar_w - 10, 9.5));
  svg.Close();
  const double grid_y = y + kTopBarH + kTopBarGap;
  const double uplink = mesh ? f_.sys.ScaleUpBandwidth().value * f_.per_node : f_.uplink_bw;
  for (int c = 0; c < node_cols_ && c < nodes_per_domain; ++c) {
    const double tx = x + c * (ng_.w + kChannel) + ng_.w + kChannel / 2;
    int in_col = 0;
    double bottom = y + kTopBarH;
    for (int i = c; i < nodes_per_domain; i += node_cols_) {
      ++in_col;
      const double ny = grid_y + (i / node_cols_) * (ng_.h + kGap);
      bottom = ny + ng_.port_y;
      svg.Line(x + c * (ng_.w + kChannel) + ng_.w, bottom, tx, bottom, "su bundle");
    }
    svg.Open(fmt::format("{} × {} per direction",
                         CountNoun(in_col, f_.node_word, f_.node_word + "s"), FormatRate(uplink)));
    svg.Line(tx, y + kTopBarH, tx, bottom, "su trunk");
    const double ty = grid_y + ng_.h / 2;
    svg.RotatedText(tx + 14, ty, -90, "bl m", fmt::format("{} × {}", in_col, FormatRate(uplink)));
    svg.Close();
  }
  for (int i = 0; i < nodes_per_domain; ++i) {
    DrawNode(svg, s, nd0 + i, x + (i % node_cols_) * (ng_.w + kChannel),
             grid_y + (i / node_cols_) * (ng_.h + kGap));
  }
}

void Renderer::DrawSystem(SvgCanvas& svg, int s, double x, double y) const {
  svg.Rect(x, y, sys_w_, sys_h_, "sys", 10);
  const std::string title =
      f_.systems > 1 ? fmt::format("{} · system {}", f_.sys.name, s) : f_.sys.name;
  svg.Text(x + kSysPad, y + 21, "st", FitText({title}, sys_w_ - 2 * kSysPad, 14));
  const int cpus = static_cast<int>(f_.sys.cpus.value);
  svg.Text(
      x + kSysPad, y + 37, "ss",
      FitText({fmt::format("{} {}s ({}) · {} · {} {}s ({})", f_.per_system, f_.acc_word,
                           f_.sys.accelerator.name,
                           CountNoun(f_.nodes_per_system, f_.node_word, f_.node_word + "s"), cpus,
                           "CPU", f_.sys.cpu_model),
               fmt::format("{} {}s · {} · {} CPUs", f_.per_system, f_.acc_word,
                           CountNoun(f_.nodes_per_system, f_.node_word, f_.node_word + "s"), cpus)},
              sys_w_ - 2 * kSysPad, 10.5));
  const double bx = x + kSysPad + (sys_w_ - 2 * kSysPad - body_w_) / 2, by = y + kSysHeaderH;
  if (f_.layout == DomainLayout::kInNode) {
    for (int nd = 0; nd < f_.nodes_per_system; ++nd) {
      DrawNode(svg, s, nd, bx + (nd % node_cols_) * (ng_.w + kGap),
               by + (nd / node_cols_) * (ng_.h + kGap));
    }
    return;
  }
  for (int d = 0; d < f_.domains_per_system; ++d) {
    DrawDomain(svg, s, d, bx + (d % dom_cols_) * (dom_w_ + kGap),
               by + (d / dom_cols_) * (dom_h_ + kGap));
  }
}

// Leaves and spine above the systems; one line per (system, leaf), coloured by rail.
void Renderer::DrawFabric(SvgCanvas& svg, const std::vector<double>& sys_x,
                          const std::vector<double>& sys_y, double top, double width) const {
  const double leaf_y = top + (f_.spine >= 0 ? 86 : 0);
  const int shown = static_cast<int>(f_.leaves.size());
  const bool more = f_.total_leaves > shown;
  const int slots = shown + (more ? 1 : 0);
  const double pitch = std::min(400.0, std::max(kLeafW + 8, width / std::max(1, slots)));
  const double x0 = kMargin + (width - pitch * slots) / 2 + (pitch - kLeafW) / 2;
  std::map<int, double> leaf_x;
  for (int i = 0; i < shown; ++i) leaf_x[f_.leaves[i]] = x0 + i * pitch;
  // Lines first, so that boxes cover their ends.
  for (int s = 0; s < f_.drawn; ++s) {
    std::vector<std::pair<int, int>> mine;
    for (const auto& [key, nics] : f_.rail_nics) {
      if (key.first == s && leaf_x.count(key.second)) mine.emplace_back(key.second, nics);
    }
    for (std::size_t k = 0; k < mine.size(); ++k) {
      const auto [leaf, nics] = mine[k];
      const double ax = sys_x[s] + sys_w_ * (0.1 + 0.8 * (k + 0.5) / mine.size());
      svg.Open(fmt::format("system {} → {}: {} NICs × {}", s, f_.nodes[leaf].label, nics,
                           FormatRate(f_.nic_bw, true)));
      // Systems of later rows get stubs only: lines to the leaves would cross the first row.
      if (sys_y[s] == sys_y[0]) {
        svg.Line(ax, sys_y[s], leaf_x[leaf] + kLeafW / 2, leaf_y + kLeafH,
                 "so " + RailClass(f_.nodes[leaf].rail));
      } else {
        svg.Line(ax, sys_y[s], ax, sys_y[s] - 12, "so " + RailClass(f_.nodes[leaf].rail));
      }
      svg.Close();
    }
    if (sys_y[s] != sys_y[0] && !mine.empty()) {
      svg.Text(sys_x[s] + sys_w_ / 2, sys_y[s] - 16, "ol m",
               "NICs to the rail leaves above, wired as in the first row");
    }
  }
  const double spine_w = 220, spine_x = kMargin + (width - spine_w) / 2;
  if (f_.spine >= 0) {
    for (int i = 0; i < slots; ++i) {
      const double lx = x0 + i * pitch + kLeafW / 2;
      svg.Line(lx, leaf_y, spine_x + spine_w * (0.05 + 0.9 * (i + 0.5) / slots), top + 30,
               i < shown ? "so" : "so dash");
    }
  }
  const bool groups = f_.total_leaves > f_.per_node;
  for (int i = 0; i < shown; ++i) {
    const TopoNode& leaf = f_.nodes[f_.leaves[i]];
    svg.Open(fmt::format("{} · rail {} (NIC {} of every {})", leaf.label, leaf.rail, leaf.rail,
                         f_.node_word));
    svg.Rect(leaf_x[f_.leaves[i]], leaf_y, kLeafW, kLeafH, "leaf " + RailClass(leaf.rail), 4);
    svg.Text(leaf_x[f_.leaves[i]] + kLeafW / 2, leaf_y + 13, "cl", "leaf");
    const std::size_t g = leaf.label.find(",g");
    svg.Text(leaf_x[f_.leaves[i]] + kLeafW / 2, leaf_y + 26, "cl",
             groups && g != std::string::npos
                 ? fmt::format("rail {} · g{}", leaf.rail,
                               leaf.label.substr(g + 2, leaf.label.size() - g - 3))
                 : fmt::format("rail {}", leaf.rail));
    svg.Close();
  }
  if (more) {
    const double mx = x0 + shown * pitch;
    svg.Rect(mx, leaf_y, std::max(kLeafW, pitch - 8), kLeafH, "more", 4);
    svg.Text(mx + std::max(kLeafW, pitch - 8) / 2, leaf_y + 20, "cl",
             fmt::format("… {} more", f_.total_leaves - shown));
  }
  if (f_.spine >= 0) {
    svg.Open("spine: one logical switch standing for the spine layer");
    svg.Rect(spine_x, top, spine_w, 30, "spine", 5);
    svg.Text(spine_x + spine_w / 2, top + 19, "sh", "spine (logical)");
    svg.Close();
    const std::string up =
        f_.leaf_up_min == f_.leaf_up_max
            ? FormatRate(f_.leaf_up_max, true)
            : FormatRate(f_.leaf_up_min, true) + "–" + FormatRate(f_.leaf_up_max, true);
    const double ov = f_.topo.fabric().oversubscription;
    svg.Rect(spine_x + spine_w + 8, top, 250, 31, "bg", 0);
    svg.Text(spine_x + spine_w + 12, top + 13, "ol",
             fmt::format("leaf uplinks: {} per leaf per direction", up));
    svg.Text(
        spine_x + spine_w + 12, top + 26, "ol",
        fmt::format("oversubscription {}:1{}", FormatCount(ov), ov == 1 ? " (non-blocking)" : ""));
  }
}

std::string Renderer::Render() const {
  // Systems: side by side, wrapping; the rest of a large cluster summarised in one box.
  const bool more = f_.drawn < f_.systems;
  const int slots = f_.drawn + (more ? 1 : 0);
  const double more_w = 240, more_h = std::min(sys_h_, 120.0);
  const int per_row =
      std::max(1, static_cast<int>((std::max(3200.0, sys_w_) + kGap * 2) / (sys_w_ + kGap * 2)));
  const int rows = (slots + per_row - 1) / per_row;
  double systems_w = 0;
  for (int r = 0; r < rows; ++r) {
    double w = 0;
    for (int i = r * per_row; i < std::min(slots, (r + 1) * per_row); ++i) {
      w += (i < f_.drawn ? sys_w_ : more_w) + (w > 0 ? kGap * 2 : 0);
    }
    systems_w = std::max(systems_w, w);
  }
  const bool fabric = f_.total_leaves > 0;
  const int leaf_slots =
      static_cast<int>(f_.leaves.size()) + (f_.total_leaves > static_cast<int>(f_.leaves.size()));
  const std::string title = f_.Title(), subtitle = f_.Subtitle();
  double content_w = std::max({systems_w, kMinWidth, TextWidth(title, 20), TextWidth(subtitle, 12),
                               leaf_slots * (kLeafW + 8.0) + 10, fabric ? 220 + 2 * 330.0 : 0});
  const double width = content_w + 2 * kMargin;
  const double fabric_top = 70;
  const double systems_top = fabric ? fabric_top + (f_.spine >= 0 ? 86 : 0) + kLeafH + 80 : 70;
  std::vector<double> sys_x(f_.drawn), sys_y(f_.drawn);
  double y = systems_top, more_x = 0, more_y = 0;
  for (int r = 0; r < rows; ++r) {
    double row_w = 0;
    for (int i = r * per_row; i < std::min(slots, (r + 1) * per_row); ++i) {
      row_w += (i < f_.drawn ? sys_w_ : more_w) + (row_w > 0 ? kGap * 2 : 0);
    }
    double x = kMargin + (content_w - row_w) / 2;
    for (int i = r * per_row; i < std::min(slots, (r + 1) * per_row); ++i) {
      if (i < f_.drawn) {
        sys_x[i] = x;
        sys_y[i] = y;
        x += sys_w_ + kGap * 2;
      } else {
        more_x = x;
        more_y = y;
      }
    }
    y += sys_h_ + kGap * 3;
  }
  const double legend_y = y + 6;
  const Legend legend = f_.MakeLegend();
  const double height = legend_y + LegendHeight(legend, content_w) + kMargin;

  SvgCanvas svg(width, height, title + " — topology",
                static_cast<std::size_t>(f_.drawn) * f_.per_system * 700 + 20000);
  svg.Rect(0, 0, width, height, "bg", 0);
  svg.Text(kMargin, 34, "h1", title);
  svg.Text(kMargin, 54, "sub", subtitle);
  if (fabric) DrawFabric(svg, sys_x, sys_y, fabric_top, content_w);
  for (int s = 0; s < f_.drawn; ++s) DrawSystem(svg, s, sys_x[s], sys_y[s]);
  if (more) {
    const int rest = f_.systems - f_.drawn;
    svg.Rect(more_x, more_y, more_w, more_h, "more", 10);
    svg.Text(more_x + more_w / 2, more_y + more_h / 2 - 4, "sh",
             fmt::format("… {} more {}", rest, rest == 1 ? "system" : "systems"));
    svg.Text(more_x + more_w / 2, more_y + more_h / 2 + 14, "cl",
             fmt::format("{} {}s, same as above", rest * f_.per_system, f_.acc_word));
  }
  svg.DrawLegend(legend, kMargin, legend_y, content_w);
  return std::move(svg).Finish();
}

}  // namespace

std::string RenderTopologySvg(const Topology& topology) { return Renderer(topology).Render(); }

}  // namespace aiinfra::hw
