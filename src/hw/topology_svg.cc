#include "hw/topology_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <map>
#include <numbers>
#include <vector>

#include "common/units.h"

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
constexpr int kRailColors = 8;
constexpr double kMeshAspect = 1.35;  // horizontal : vertical radius of a mesh island
constexpr int kMaxLeaves = 64;
constexpr int kAcceleratorBudget = 400;  // accelerators drawn in full in a cluster picture
constexpr int kMaxSystemsDrawn = 8;

constexpr const char* kStyle = R"(
text{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;font-size:11px;fill:#2b2f36}
.h1{font-size:20px;font-weight:bold}.sub{font-size:12px;fill:#5b6472}
.st{font-size:14px;font-weight:bold}.ss{font-size:10.5px;fill:#5b6472}
.nt{font-size:10px;font-weight:bold;fill:#5b6472}.al{font-size:10px;font-weight:bold;text-anchor:middle}
.nl{font-size:8px;text-anchor:middle}.cl{font-size:9.5px;text-anchor:middle}
.sh{font-size:10.5px;font-weight:bold;text-anchor:middle}.bl{font-size:9px;fill:#22735a}
.ol{font-size:9.5px;fill:#9a5a17}
.m{text-anchor:middle}.lt{font-size:11.5px}.cap{font-size:12px;font-weight:bold}
.sys{fill:#f5f7fa;stroke:#8d99a8;stroke-width:1.2}.node{fill:#fff;stroke:#c3cbd5}
.acc{fill:#dde8f6;stroke:#3f6aa1}.cpu{fill:#eceef1;stroke:#7d8793}
.sw,.switch-tray,.switch-chip{fill:#d7eee3;stroke:#2e8b6e}
.swcol,.mesh{fill:#eef7f2;stroke:#2e8b6e;stroke-dasharray:4 3}
.spine{fill:#f8e6d0;stroke:#c0792b}.more{fill:#fff;stroke:#8d99a8;stroke-dasharray:5 4}
.dom{fill:none;stroke:#9aa5b4;stroke-dasharray:3 3}.leg{fill:#fff;stroke:#c3cbd5}
.su{stroke:#2e8b6e;stroke-width:1.4;fill:none}.so{stroke:#c0792b;stroke-width:1.6}
.ho{stroke:#8c96a3;stroke-width:1.2}.dash{stroke-dasharray:5 4}
.bundle{stroke-width:3.5;stroke-linecap:round}.trunk{stroke-width:6;stroke-linecap:round}
.r0{stroke:#c0792b;fill:#c0792b}.r1{stroke:#b0493a;fill:#b0493a}.r2{stroke:#8a5aa6;fill:#8a5aa6}
.r3{stroke:#3f7fbf;fill:#3f7fbf}.r4{stroke:#23959b;fill:#23959b}.r5{stroke:#6b8e23;fill:#6b8e23}
.r6{stroke:#b8961c;fill:#b8961c}.r7{stroke:#a0527a;fill:#a0527a}
.nic,.leaf{fill-opacity:.2}.bg{fill:#fff}
)";

// Coordinates with at most one decimal, shortest form ("12", "12.5").
std::string N(double v) { return fmt::format("{}", std::round(v * 10) / 10); }

// Rough width of `text` at font size `size` in the sans-serif fonts above (code points x 0.58em).
double TextWidth(std::string_view text, double size) {
  int chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  return chars * size * 0.58;
}

// The first option that fits `width`; else the last one, cut with an ellipsis.
std::string Fit(std::initializer_list<std::string> options, double width, double size) {
  for (const std::string& o : options) {
    if (TextWidth(o, size) <= width) return o;
  }
  std::string last = *(options.end() - 1);
  while (!last.empty() && TextWidth(last, size) + size * 0.6 > width) {
    do last.pop_back();
    while (!last.empty() && (static_cast<unsigned char>(last.back()) & 0xC0) == 0x80);
    if (!last.empty()) last.pop_back();  // the lead byte of a multi-byte character
  }
  return last + "…";
}

// Words of `text` in lines no wider than `width`.
std::vector<std::string> Wrap(const std::string& text, double width, double size) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    const std::string candidate = line.empty() ? word : line + " " + word;
    if (!line.empty() && TextWidth(candidate, size) > width) {
      lines.push_back(line);
      line = word;
    } else {
      line = candidate;
    }
    pos = end + 1;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string Count(int n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

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

enum class Layout {
  kInNode,  // each scale-up domain lies inside one node
  kColumn,  // one switch tier spanning nodes: switch column between two columns of nodes
  kTopBar,  // two tiers or a mesh spanning nodes: the domain-wide fabric as a bar above
};
enum class Inner { kNone, kPerDomain, kFirstTier };  // switch bar drawn inside a node

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

class Renderer {
 public:
  explicit Renderer(const Topology& topo);
  std::string Render();

 private:
  // Output primitives.
  template <typename... Args>
  void Add(fmt::format_string<Args...> f, Args&&... args) {
    fmt::format_to(std::back_inserter(out_), f, std::forward<Args>(args)...);
  }
  void Rect(double x, double y, double w, double h, std::string_view cls, double rx = 4) {
    Add(R"(<rect class="{}" x="{}" y="{}" width="{}" height="{}" rx="{}"/>)", cls, N(x), N(y), N(w),
        N(h), N(rx));
    out_ += '\n';
  }
  void Line(double x1, double y1, double x2, double y2, std::string_view cls) {
    Add(R"(<line class="{}" x1="{}" y1="{}" x2="{}" y2="{}"/>)", cls, N(x1), N(y1), N(x2), N(y2));
    out_ += '\n';
  }
  void Text(double x, double y, std::string_view cls, std::string_view text) {
    Add(R"(<text class="{}" x="{}" y="{}">{}</text>)", cls, N(x), N(y), XmlEscape(text));
    out_ += '\n';
  }
  void Open(std::string_view tooltip) { Add("<g><title>{}</title>\n", XmlEscape(tooltip)); }
  void Close() { out_ += "</g>\n"; }

  std::string AccName(int g) const { return fmt::format("{} {}", acc_word_, g); }
  std::string Rail(int rail) const { return fmt::format("r{}", rail % kRailColors); }

  void ComputeNodeGeom();
  void MeasureSystem();
  void DrawUnit(int g, double x, double y, bool nic_top);
  void DrawNode(int s, int nd, double x, double y);
  void DrawDomain(int s, int d, double x, double y);
  void DrawSystem(int s, double x, double y);
  void DrawFabric(const std::vector<double>& sys_x, const std::vector<double>& sys_y, double top,
                  double width);
  std::vector<std::string> LegendNotes() const;
  void DrawLegend(double x, double y, double width);
  double LegendHeight(double width) const;

  const Topology& topo_;
  const System& sys_;
  const std::vector<TopoNode>& nodes_;
  int systems_, per_system_, per_node_, nodes_per_system_, domain_, domains_per_system_;
  int drawn_;  // systems drawn in full
  std::string acc_word_, node_word_;
  Layout layout_;
  Inner inner_;
  double mesh_bw_ = 0, uplink_bw_ = 0, nic_bw_ = 0, host_bw_ = 0;
  double leaf_up_min_ = 0, leaf_up_max_ = 0;
  int spine_ = -1;
  std::vector<int> acc_cpu_;                                   // accelerator -> its CPU node
  std::map<std::pair<int, int>, std::vector<int>> node_cpus_;  // (system, node) -> CPUs
  std::vector<int> leaves_;                                    // leaves drawn, in topology order
  int total_leaves_ = 0;
  std::map<std::pair<int, int>, int> rail_nics_;  // (system, leaf) -> NICs
  NodeGeom ng_;
  double dom_w_ = 0, dom_h_ = 0;  // one domain block (spanning layouts)
  int dom_cols_ = 1;              // domain blocks per row in a system
  int node_cols_ = 1;             // nodes per row (in-node layout) or per domain (top bar)
  double body_w_ = 0, body_h_ = 0, sys_w_ = 0, sys_h_ = 0;
  std::string out_;
};

Renderer::Renderer(const Topology& topo) : topo_(topo), sys_(topo.system()), nodes_(topo.nodes()) {
  systems_ = topo.fabric().systems;
  per_system_ = sys_.accelerator_count();
  per_node_ = sys_.accelerators_per_node();
  nodes_per_system_ = sys_.node_count();
  domain_ = sys_.domain_accelerators();
  domains_per_system_ = per_system_ / domain_;
  drawn_ = std::clamp(kAcceleratorBudget / per_system_, 1, kMaxSystemsDrawn);
  drawn_ = std::min(drawn_, systems_);
  // Huawei calls its Ascend accelerators NPUs; everyone else in the catalog sells GPUs.
  acc_word_ = sys_.accelerator.vendor == "Huawei" ? "NPU" : "GPU";
  const bool trays = sys_.topology == ScaleUpTopology::kSwitched && !sys_.tiers.empty() &&
                     sys_.tiers.front().trays.has_value();
  node_word_ = trays ? "compute tray" : nodes_per_system_ == 1 ? "server" : "node";

  const bool spans = domain_ > per_node_;
  if (spans && domain_ % per_node_ != 0) {
    // Domains that split a node: drawn node by node, each domain's switch bar under its part.
    layout_ = Layout::kInNode;
    inner_ = sys_.topology == ScaleUpTopology::kMesh ? Inner::kNone : Inner::kPerDomain;
  } else if (sys_.topology == ScaleUpTopology::kMesh) {
    layout_ = spans ? Layout::kTopBar : Layout::kInNode;
    inner_ = Inner::kNone;
  } else if (sys_.tiers.size() >= 2) {
    layout_ = Layout::kTopBar;
    inner_ = Inner::kFirstTier;
  } else {
    layout_ = spans ? Layout::kColumn : Layout::kInNode;
    inner_ = spans ? Inner::kNone : Inner::kPerDomain;
  }

  acc_cpu_.assign(topo.AcceleratorCount(), -1);
  std::map<int, int> leaf_seen;
  for (const TopoLink& l : topo.links()) {
    const TopoNode* a = &nodes_[l.a];
    const TopoNode* b = &nodes_[l.b];
    int ia = l.a, ib = l.b;
    if (a->kind > b->kind || (a->kind == b->kind && a->tier > b->tier)) {
      std::swap(a, b);
      std::swap(ia, ib);
    }
    if (a->kind == NodeKind::kAccelerator && b->kind == NodeKind::kAccelerator) {
      mesh_bw_ = l.bandwidth;
    } else if (a->kind == NodeKind::kAccelerator && b->kind == NodeKind::kNic) {
      nic_bw_ = l.bandwidth;
    } else if (a->kind == NodeKind::kAccelerator && b->kind == NodeKind::kCpu) {
      host_bw_ = l.bandwidth;
      acc_cpu_[ia] = ib;
    } else if (a->kind == NodeKind::kSwitch && a->tier == 0 && b->tier == 1) {
      uplink_bw_ = l.bandwidth;
    } else if (a->kind == NodeKind::kSwitch && a->tier == 2 && b->tier == 3) {
      leaf_up_min_ = leaf_up_min_ == 0 ? l.bandwidth : std::min(leaf_up_min_, l.bandwidth);
      leaf_up_max_ = std::max(leaf_up_max_, l.bandwidth);
    } else if (a->kind == NodeKind::kSwitch && b->kind == NodeKind::kNic && a->tier == 2 &&
               b->system < drawn_) {
      ++rail_nics_[{b->system, ia}];
      leaf_seen.emplace(ia, 0);
    }
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const TopoNode& n = nodes_[i];
    if (n.kind == NodeKind::kCpu && n.system < drawn_) {
      node_cpus_[{n.system, n.node}].push_back(static_cast<int>(i));
    } else if (n.kind == NodeKind::kSwitch && n.tier == 2) {
      ++total_leaves_;
    } else if (n.kind == NodeKind::kSwitch && n.tier == 3) {
      spine_ = static_cast<int>(i);
    }
  }
  for (const auto& [leaf, unused] : leaf_seen) {
    if (static_cast<int>(leaves_.size()) < kMaxLeaves) leaves_.push_back(leaf);
  }
  ComputeNodeGeom();
  MeasureSystem();
}

void Renderer::ComputeNodeGeom() {
  NodeGeom& g = ng_;
  const int cpus = static_cast<int>(
      node_cpus_.begin() == node_cpus_.end() ? 0 : node_cpus_.begin()->second.size());
  const double cpu_w = cpus > 0 ? cpus * kCpuW + (cpus - 1) * 8 : 0;
  g.cpu_y = kNodeTitleH;
  g.units_y = kNodeTitleH + (cpus > 0 ? kCpuH + kBusH : 0);
  g.circle = sys_.topology == ScaleUpTopology::kMesh && layout_ == Layout::kInNode &&
             per_node_ % domain_ == 0;
  double units_w = 0, units_h = 0;
  if (g.circle) {
    const int islands = per_node_ / domain_;
    // An ellipse wider than tall (the boxes are), large enough that chords miss the NIC tabs.
    g.radius = domain_ > 1 ? std::max(70.0, domain_ * 100 / (2 * std::numbers::pi)) : 0;
    g.island_w = std::max(2 * g.radius * kMeshAspect + kUnitW, 220.0);
    units_w = islands * g.island_w + (islands - 1) * 16;
    units_h = 2 * g.radius + kUnitH + 18;  // the label under each island
    g.cols = per_node_;
    g.port_y = g.units_y + units_h / 2;
  } else {
    const int rows = (per_node_ + kMaxUnitsPerRow - 1) / kMaxUnitsPerRow;
    g.cols = (per_node_ + rows - 1) / rows;
    units_w = g.cols * kUnitW + (g.cols - 1) * kUnitGap;
    g.row_pitch = kUnitH + (inner_ != Inner::kNone ? kBarGap + kBarH : 0) + 10;
    units_h = rows * g.row_pitch - 10;
    g.port_y = inner_ == Inner::kFirstTier ? g.units_y + kUnitH + kBarGap + kBarH / 2
                                           : g.units_y + kNicH + kAccH / 2;
  }
  const double inner_w = std::max({units_w, cpu_w, 100.0});
  g.w = inner_w + 2 * kPad;
  g.h = g.units_y + units_h + kPad;
  g.units_x0 = kPad + (inner_w - units_w) / 2;
}

void Renderer::MeasureSystem() {
  const int nodes_per_domain = std::max(1, domain_ / per_node_);
  switch (layout_) {
    case Layout::kInNode:
      node_cols_ = ChooseCols(nodes_per_system_, ng_.w + kGap, ng_.h + kGap, 1.6);
      body_w_ = node_cols_ * (ng_.w + kGap) - kGap;
      body_h_ = ((nodes_per_system_ + node_cols_ - 1) / node_cols_) * (ng_.h + kGap) - kGap;
      break;
    case Layout::kColumn: {
      const int left = (nodes_per_domain + 1) / 2;
      const int right = nodes_per_domain - left;
      const SwitchTier& t = sys_.tiers.front();
      const int boxes = t.trays ? static_cast<int>(t.trays->value)
                                : std::min(24, static_cast<int>(t.chips.value));
      dom_w_ = ng_.w + kLinkGap + kSwitchColW + (right > 0 ? kLinkGap + ng_.w : 0);
      dom_h_ = std::max(left * (ng_.h + kGap) - kGap, 70 + boxes * 36.0);
      break;
    }
    case Layout::kTopBar: {
      node_cols_ = ChooseCols(nodes_per_domain, ng_.w + kChannel, ng_.h + kGap, 1.6);
      const int rows = (nodes_per_domain + node_cols_ - 1) / node_cols_;
      dom_w_ = node_cols_ * (ng_.w + kChannel);
      dom_h_ = kTopBarH + kTopBarGap + rows * (ng_.h + kGap) - kGap;
      break;
    }
  }
  if (layout_ != Layout::kInNode) {
    // Several domains in one system get a dashed frame each.
    const double frame = domains_per_system_ > 1 ? 20 : 0;
    dom_w_ += frame;
    dom_h_ += frame * 1.5;
    dom_cols_ = ChooseCols(domains_per_system_, dom_w_ + kGap, dom_h_ + kGap, 1.6);
    body_w_ = dom_cols_ * (dom_w_ + kGap) - kGap;
    body_h_ = ((domains_per_system_ + dom_cols_ - 1) / dom_cols_) * (dom_h_ + kGap) - kGap;
  }
  sys_w_ = std::max(body_w_, TextWidth(sys_.name, 14) + 120) + 2 * kSysPad;
  sys_h_ = kSysHeaderH + body_h_ + kSysPad;
}

void Renderer::DrawUnit(int g, double x, double y, bool nic_top) {
  const TopoNode& n = nodes_[g];
  const double nics = sys_.nics_per_accelerator.value;
  const std::string rate = FormatRate(sys_.NicRate().value, true);
  const std::string nic = nics == 1 ? "NIC " + rate : FormatCount(nics) + "×" + rate;
  Open(fmt::format("{} ({}) · {} {} · rail {} · {} per {}", n.label, sys_.accelerator.name,
                   node_word_, n.node, n.rail, nic, acc_word_));
  const double acc_y = nic_top ? y + kNicH : y;
  const double nic_y = nic_top ? y : y + kAccH + 3;
  Rect(x, acc_y, kUnitW, kAccH, "acc", 3);
  Text(x + kUnitW / 2, acc_y + 17, "al", AccName(g));
  Rect(x + 4, nic_y, kUnitW - 8, kNicH - 3, "nic " + Rail(n.rail), 2);
  Text(x + kUnitW / 2, nic_y + 9, "nl", nic);
  Close();
}

void Renderer::DrawNode(int s, int nd, double x, double y) {
  const int first = s * per_system_ + nd * per_node_;
  Rect(x, y, ng_.w, ng_.h, "node", 6);
  Text(x + kPad, y + 13, "nt",
       nodes_per_system_ == 1 ? node_word_ : fmt::format("{} {}", node_word_, nd));
  const std::vector<int>& cpus = node_cpus_[{s, nd}];
  std::vector<double> ux(per_node_), uy(per_node_);  // unit top-left
  std::vector<bool> nic_top(per_node_, true);
  if (ng_.circle) {
    const double cy = y + ng_.units_y + ng_.radius + kUnitH / 2;
    for (int l = 0; l < per_node_; ++l) {
      const int island = l / domain_, k = l % domain_;
      const double cx = x + ng_.units_x0 + island * (ng_.island_w + 16) + ng_.island_w / 2;
      const double a =
          -std::numbers::pi / 2 - std::numbers::pi / domain_ + 2 * std::numbers::pi * k / domain_;
      const double px = cx + ng_.radius * kMeshAspect * std::cos(a);
      const double py = cy + ng_.radius * std::sin(a);
      ux[l] = px - kUnitW / 2;
      uy[l] = py - kUnitH / 2;
      nic_top[l] = std::sin(a) <= 1e-9;
    }
    // Every pair of an island, under the accelerators.
    auto centre_y = [&](int l) { return uy[l] + (nic_top[l] ? kNicH + kAccH / 2 : kAccH / 2); };
    for (int i = 0; i < per_node_; ++i) {
      for (int j = i + 1; j < per_node_ && j / domain_ == i / domain_; ++j) {
        Line(ux[i] + kUnitW / 2, centre_y(i), ux[j] + kUnitW / 2, centre_y(j), "su");
      }
    }
    if (domain_ > 1) {
      for (int island = 0; island < per_node_ / domain_; ++island) {
        const double cx = x + ng_.units_x0 + island * (ng_.island_w + 16) + ng_.island_w / 2;
        Text(cx, cy + ng_.radius + kUnitH / 2 + 14, "bl m",
             Fit({fmt::format("full mesh · {} per link per direction", FormatRate(mesh_bw_)),
                  fmt::format("mesh · {} per link", FormatRate(mesh_bw_))},
                 ng_.island_w, 9));
      }
    }
  } else {
    for (int l = 0; l < per_node_; ++l) {
      ux[l] = x + ng_.units_x0 + (l % ng_.cols) * (kUnitW + kUnitGap);
      uy[l] = y + ng_.units_y + (l / ng_.cols) * ng_.row_pitch;
    }
    // Switch bars: one per domain (or per node for a first tier) and row, under its units.
    for (int l = 0; l < per_node_;) {
      int end = l + 1;
      while (end < per_node_ && end / ng_.cols == l / ng_.cols &&
             (inner_ == Inner::kFirstTier || (first + end) / domain_ == (first + l) / domain_)) {
        ++end;
      }
      if (inner_ != Inner::kNone) {
        const SwitchTier& t = sys_.tiers.front();
        const double bx = ux[l], by = uy[l] + kUnitH + kBarGap;
        const double bw = ux[end - 1] + kUnitW - bx;
        for (int k = l; k < end; ++k)
          Line(ux[k] + kUnitW / 2, uy[k] + kUnitH, ux[k] + kUnitW / 2, by, "su");
        const std::string chips = Count(static_cast<int>(t.chips.value), "chip", "chips");
        Open(fmt::format("{} · {} · {} per {} per direction", t.name, chips,
                         FormatRate(sys_.ScaleUpBandwidth().value), acc_word_));
        Rect(bx, by, bw, kBarH, "sw t0", 3);
        Text(bx + bw / 2, by + 15, "cl",
             Fit({fmt::format("{} · {} · {} per {} per direction", t.name, chips,
                              FormatRate(sys_.ScaleUpBandwidth().value), acc_word_),
                  fmt::format("{} · {}", t.name, chips), t.name},
                 bw - 8, 9.5));
        Close();
        if (inner_ == Inner::kFirstTier && l == 0) {
          Line(bx + bw, by + kBarH / 2, x + ng_.w, by + kBarH / 2, "su bundle");
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
    for (int l = 0; l < per_node_; ++l) {
      if (acc_cpu_[first + l] == cpus[c] && (ng_.circle || l < ng_.cols)) {
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
        Line(u, bus_y, u, uy[l], "ho");
      }
      Line(cx[c], cpu_top + kCpuH, cx[c], bus_y, "ho");
      Line(lo, bus_y, hi, bus_y, "ho");
    }
    const TopoNode& cpu = nodes_[cpus[c]];
    Open(fmt::format("{} ({}) · host link {} per {} per direction", cpu.label, sys_.cpu_model,
                     FormatRate(host_bw_), acc_word_));
    Rect(cx[c] - kCpuW / 2, cpu_top, kCpuW, kCpuH, "cpu", 3);
    Text(cx[c], cpu_top + 14, "cl", fmt::format("CPU {}", cpu.label.substr(3)));
    Close();
  }
  for (int l = 0; l < per_node_; ++l) DrawUnit(first + l, ux[l], uy[l], nic_top[l]);
}

void Renderer::DrawDomain(int s, int d, double x, double y) {
  const int nodes_per_domain = domain_ / per_node_;
  const int nd0 = d * nodes_per_domain;
  const int gdomain = (s * per_system_ + d * domain_) / domain_;
  double w = dom_w_, h = dom_h_;
  if (domains_per_system_ > 1) {
    Rect(x, y, w, h, "dom", 8);
    Text(x + 10, y + 15, "nt", fmt::format("scale-up domain {}", gdomain));
    x += 10;
    y += 20;
    w -= 20;
    h -= 30;
  }
  const std::string per_acc = FormatRate(sys_.ScaleUpBandwidth().value);
  if (layout_ == Layout::kColumn) {
    const SwitchTier& t = sys_.tiers.front();
    const int left = (nodes_per_domain + 1) / 2;
    const int chips = static_cast<int>(t.chips.value);
    const double sx = x + ng_.w + kLinkGap;
    const double col_h = left * (ng_.h + kGap) - kGap;
    const double off = (h - col_h) / 2;
    const std::string bundle = fmt::format("{} × {}", per_node_, per_acc);
    for (int i = 0; i < nodes_per_domain; ++i) {
      const bool on_left = i < left;
      const double nx = on_left ? x : sx + kSwitchColW + kLinkGap;
      const double ny = y + off + (on_left ? i : i - left) * (ng_.h + kGap);
      const double py = ny + ng_.port_y;
      const double x1 = on_left ? nx + ng_.w : sx + kSwitchColW, x2 = on_left ? sx : nx;
      Open(fmt::format("{} {}: {} {}s × {} per direction to the {}", node_word_, nd0 + i, per_node_,
                       acc_word_, per_acc, t.name));
      Line(x1, py, x2, py, "su bundle");
      Text((x1 + x2) / 2, py - 6, "bl m", bundle);
      Close();
      DrawNode(s, nd0 + i, nx, ny);
    }
    Rect(sx, y, kSwitchColW, h, "swcol", 6);
    const double cxm = sx + kSwitchColW / 2;
    Text(cxm, y + 16, "sh", Fit({t.name}, kSwitchColW - 8, 10.5));
    Text(cxm, y + 31, "cl",
         t.trays ? fmt::format("{} chips in {} trays", chips, static_cast<int>(t.trays->value))
                 : Count(chips, "chip", "chips"));
    Text(cxm, y + 45, "bl m", fmt::format("{} per {}", per_acc, acc_word_));
    Text(cxm, y + 57, "bl m", "per direction");
    const int trays = t.trays ? static_cast<int>(t.trays->value) : 0;
    const int boxes = trays > 0 ? trays : std::min(24, chips);
    const double pitch = (h - 70) / boxes;
    for (int b = 0; b < boxes; ++b) {
      const double by = y + 66 + b * pitch + (pitch - 28) / 2;
      std::string label;
      if (trays > 0) {
        label = chips % trays == 0
                    ? fmt::format("switch tray {} · {}", b, Count(chips / trays, "chip", "chips"))
                    : fmt::format("switch tray {}", b);
      } else {
        label = chips > boxes ? Count(chips, "chip", "chips") : fmt::format("switch chip {}", b);
      }
      Rect(sx + 12, by, kSwitchColW - 24, 28, trays > 0 ? "switch-tray" : "switch-chip", 3);
      Text(cxm, by + 18, "cl", label);
    }
    return;
  }
  // Top bar: the second tier (or the mesh) above a grid of nodes, joined by one trunk per column.
  const bool mesh = sys_.topology == ScaleUpTopology::kMesh;
  const double bar_w = w - kChannel / 2;
  std::string l1, l2;
  if (mesh) {
    const long long pairs = static_cast<long long>(domain_) * (domain_ - 1) / 2;
    const std::string& tech = sys_.accelerator.scale_up_technology;
    l1 = fmt::format("{} full mesh · {} {}s", tech.substr(0, tech.find(',')), domain_, acc_word_);
    l2 = fmt::format("every pair linked directly: {} links, {} per link per direction ({} per {})",
                     pairs, FormatRate(mesh_bw_), per_acc, acc_word_);
  } else {
    const SwitchTier& t = sys_.tiers[1];
    l1 = fmt::format("{} · {} (tier 2)", t.name,
                     Count(static_cast<int>(t.chips.value), "chip", "chips"));
    l2 = fmt::format("uplinks of each {}'s {}: {} × {} = {} per direction (non-blocking)",
                     node_word_, sys_.tiers[0].name, per_node_, per_acc, FormatRate(uplink_bw_));
  }
  Open(l1 + " · " + l2);
  Rect(x, y, bar_w, kTopBarH, mesh ? "mesh" : "sw t1", 5);
  Text(x + bar_w / 2, y + 18, "sh", Fit({l1}, bar_w - 10, 10.5));
  Text(x + bar_w / 2, y + 34, "cl", Fit({l2}, bar_w - 10, 9.5));
  Close();
  const double grid_y = y + kTopBarH + kTopBarGap;
  const double uplink = mesh ? sys_.ScaleUpBandwidth().value * per_node_ : uplink_bw_;
  for (int c = 0; c < node_cols_ && c < nodes_per_domain; ++c) {
    const double tx = x + c * (ng_.w + kChannel) + ng_.w + kChannel / 2;
    int in_col = 0;
    double bottom = y + kTopBarH;
    for (int i = c; i < nodes_per_domain; i += node_cols_) {
      ++in_col;
      const double ny = grid_y + (i / node_cols_) * (ng_.h + kGap);
      bottom = ny + ng_.port_y;
      Line(x + c * (ng_.w + kChannel) + ng_.w, bottom, tx, bottom, "su bundle");
    }
    Open(fmt::format("{} × {} per direction", Count(in_col, node_word_, node_word_ + "s"),
                     FormatRate(uplink)));
    Line(tx, y + kTopBarH, tx, bottom, "su trunk");
    const double ty = grid_y + ng_.h / 2;
    Add(R"~(<text class="bl m" transform="translate({},{}) rotate(-90)">{}</text>)~", N(tx + 14),
        N(ty), XmlEscape(fmt::format("{} × {}", in_col, FormatRate(uplink))));
    out_ += '\n';
    Close();
  }
  for (int i = 0; i < nodes_per_domain; ++i) {
    DrawNode(s, nd0 + i, x + (i % node_cols_) * (ng_.w + kChannel),
             grid_y + (i / node_cols_) * (ng_.h + kGap));
  }
}

void Renderer::DrawSystem(int s, double x, double y) {
  Rect(x, y, sys_w_, sys_h_, "sys", 10);
  const std::string title = systems_ > 1 ? fmt::format("{} · system {}", sys_.name, s) : sys_.name;
  Text(x + kSysPad, y + 21, "st", Fit({title}, sys_w_ - 2 * kSysPad, 14));
  const int cpus = static_cast<int>(sys_.cpus.value);
  Text(
      x + kSysPad, y + 37, "ss",
      Fit({fmt::format(
               "{} {}s ({}) · {} · {} {}s ({})", per_system_, acc_word_, sys_.accelerator.name,
               Count(nodes_per_system_, node_word_, node_word_ + "s"), cpus, "CPU", sys_.cpu_model),
           fmt::format("{} {}s · {} · {} CPUs", per_system_, acc_word_,
                       Count(nodes_per_system_, node_word_, node_word_ + "s"), cpus)},
          sys_w_ - 2 * kSysPad, 10.5));
  const double bx = x + kSysPad + (sys_w_ - 2 * kSysPad - body_w_) / 2, by = y + kSysHeaderH;
  if (layout_ == Layout::kInNode) {
    for (int nd = 0; nd < nodes_per_system_; ++nd) {
      DrawNode(s, nd, bx + (nd % node_cols_) * (ng_.w + kGap),
               by + (nd / node_cols_) * (ng_.h + kGap));
    }
    return;
  }
  for (int d = 0; d < domains_per_system_; ++d) {
    DrawDomain(s, d, bx + (d % dom_cols_) * (dom_w_ + kGap),
               by + (d / dom_cols_) * (dom_h_ + kGap));
  }
}

// Leaves and spine above the systems; one line per (system, leaf), coloured by rail.
void Renderer::DrawFabric(const std::vector<double>& sys_x, const std::vector<double>& sys_y,
                          double top, double width) {
  const double leaf_y = top + (spine_ >= 0 ? 86 : 0);
  const int shown = static_cast<int>(leaves_.size());
  const bool more = total_leaves_ > shown;
  const int slots = shown + (more ? 1 : 0);
  const double pitch = std::min(400.0, std::max(kLeafW + 8, width / std::max(1, slots)));
  const double x0 = kMargin + (width - pitch * slots) / 2 + (pitch - kLeafW) / 2;
  std::map<int, double> leaf_x;
  for (int i = 0; i < shown; ++i) leaf_x[leaves_[i]] = x0 + i * pitch;
  // Lines first, so that boxes cover their ends.
  for (int s = 0; s < drawn_; ++s) {
    std::vector<std::pair<int, int>> mine;
    for (const auto& [key, nics] : rail_nics_) {
      if (key.first == s && leaf_x.count(key.second)) mine.emplace_back(key.second, nics);
    }
    for (std::size_t k = 0; k < mine.size(); ++k) {
      const auto [leaf, nics] = mine[k];
      const double ax = sys_x[s] + sys_w_ * (0.1 + 0.8 * (k + 0.5) / mine.size());
      Open(fmt::format("system {} → {}: {} NICs × {}", s, nodes_[leaf].label, nics,
                       FormatRate(nic_bw_, true)));
      // Systems of later rows get stubs only: lines to the leaves would cross the first row.
      if (sys_y[s] == sys_y[0]) {
        Line(ax, sys_y[s], leaf_x[leaf] + kLeafW / 2, leaf_y + kLeafH,
             "so " + Rail(nodes_[leaf].rail));
      } else {
        Line(ax, sys_y[s], ax, sys_y[s] - 12, "so " + Rail(nodes_[leaf].rail));
      }
      Close();
    }
    if (sys_y[s] != sys_y[0] && !mine.empty()) {
      Text(sys_x[s] + sys_w_ / 2, sys_y[s] - 16, "ol m",
           "NICs to the rail leaves above, wired as in the first row");
    }
  }
  const double spine_w = 220, spine_x = kMargin + (width - spine_w) / 2;
  if (spine_ >= 0) {
    for (int i = 0; i < slots; ++i) {
      const double lx = x0 + i * pitch + kLeafW / 2;
      Line(lx, leaf_y, spine_x + spine_w * (0.05 + 0.9 * (i + 0.5) / slots), top + 30,
           i < shown ? "so" : "so dash");
    }
  }
  const bool groups = total_leaves_ > per_node_;
  for (int i = 0; i < shown; ++i) {
    const TopoNode& leaf = nodes_[leaves_[i]];
    Open(fmt::format("{} · rail {} (NIC {} of every {})", leaf.label, leaf.rail, leaf.rail,
                     node_word_));
    Rect(leaf_x[leaves_[i]], leaf_y, kLeafW, kLeafH, "leaf " + Rail(leaf.rail), 4);
    Text(leaf_x[leaves_[i]] + kLeafW / 2, leaf_y + 13, "cl", "leaf");
    const std::size_t g = leaf.label.find(",g");
    Text(leaf_x[leaves_[i]] + kLeafW / 2, leaf_y + 26, "cl",
         groups && g != std::string::npos
             ? fmt::format("rail {} · g{}", leaf.rail,
                           leaf.label.substr(g + 2, leaf.label.size() - g - 3))
             : fmt::format("rail {}", leaf.rail));
    Close();
  }
  if (more) {
    const double mx = x0 + shown * pitch;
    Rect(mx, leaf_y, std::max(kLeafW, pitch - 8), kLeafH, "more", 4);
    Text(mx + std::max(kLeafW, pitch - 8) / 2, leaf_y + 20, "cl",
         fmt::format("… {} more", total_leaves_ - shown));
  }
  if (spine_ >= 0) {
    Open("spine: one logical switch standing for the spine layer");
    Rect(spine_x, top, spine_w, 30, "spine", 5);
    Text(spine_x + spine_w / 2, top + 19, "sh", "spine (logical)");
    Close();
    const std::string up = leaf_up_min_ == leaf_up_max_ ? FormatRate(leaf_up_max_, true)
                                                        : FormatRate(leaf_up_min_, true) + "–" +
                                                              FormatRate(leaf_up_max_, true);
    const double ov = topo_.fabric().oversubscription;
    Rect(spine_x + spine_w + 8, top, 250, 31, "bg", 0);
    Text(spine_x + spine_w + 12, top + 13, "ol",
         fmt::format("leaf uplinks: {} per leaf per direction", up));
    Text(spine_x + spine_w + 12, top + 26, "ol",
         fmt::format("oversubscription {}:1{}", FormatCount(ov), ov == 1 ? " (non-blocking)" : ""));
  }
}

std::vector<std::string> Renderer::LegendNotes() const {
  std::vector<std::string> notes;
  const std::string per_acc = FormatRate(sys_.ScaleUpBandwidth().value);
  const std::string& tech = sys_.accelerator.scale_up_technology;
  if (sys_.topology == ScaleUpTopology::kMesh) {
    notes.push_back(fmt::format(
        "Scale-up: {} full mesh: every pair of the {} {}s of a domain linked directly, {} per "
        "link per direction ({} per {}).",
        tech.substr(0, tech.find(',')), domain_, acc_word_, FormatRate(mesh_bw_), per_acc,
        acc_word_));
  } else if (sys_.tiers.size() >= 2) {
    // "Unified Bus (UB)" -> "UB".
    std::string short_tech = tech;
    const auto open = tech.find('('), close = tech.find(')');
    if (open != std::string::npos && close > open)
      short_tech = tech.substr(open + 1, close - open - 1);
    notes.push_back(fmt::format(
        "Scale-up: two-tier {} Clos: {} ({} chips per {}) under {} ({} chips per domain); each "
        "{}'s uplinks are as wide as its downlinks ({} per direction); domain of {} {}s, {} per {} "
        "per direction.",
        short_tech, sys_.tiers[0].name, static_cast<int>(sys_.tiers[0].chips.value), node_word_,
        sys_.tiers[1].name, static_cast<int>(sys_.tiers[1].chips.value), node_word_,
        FormatRate(uplink_bw_), domain_, acc_word_, per_acc, acc_word_));
  } else {
    const SwitchTier& t = sys_.tiers.front();
    notes.push_back(fmt::format(
        "Scale-up: {}, switched through {} ({} chips{} per {}); domain of {} {}s; {} per {} per "
        "direction ({} per domain){}.",
        tech, t.name, static_cast<int>(t.chips.value),
        t.trays ? fmt::format(" in {} trays", static_cast<int>(t.trays->value)) : "",
        t.per_node ? node_word_ : "domain", domain_, acc_word_, per_acc, acc_word_,
        FormatRate(sys_.ScaleUpBandwidth().value * domain_),
        sys_.in_network_reduction ? "; the switches reduce in-network" : ""));
  }
  if (layout_ != Layout::kInNode) {
    notes.push_back(fmt::format(
        "A thick line bundles the scale-up links of one {} (its {} {}s){}; labels give the "
        "bandwidth per {} per direction.",
        node_word_, per_node_, acc_word_,
        layout_ == Layout::kTopBar ? fmt::format("; a trunk bundles a column of {}s", node_word_)
                                   : "",
        acc_word_));
  }
  notes.push_back(fmt::format(
      "Scale-out: rail-optimised: NIC r of every {} goes to the leaf of rail r, {} {}s per leaf, "
      "leaves under one logical spine; {} × {} NICs per {} ({} per {}).",
      node_word_, topo_.fabric().nodes_per_leaf, node_word_,
      FormatCount(sys_.nics_per_accelerator.value), FormatRate(sys_.NicRate().value, true),
      acc_word_, FormatRate(nic_bw_, true), acc_word_));
  notes.push_back(fmt::format("Host: {} × {}; {} per {} per direction.",
                              static_cast<int>(sys_.cpus.value), sys_.cpu_model,
                              FormatRate(host_bw_), acc_word_));
  // Totals.
  int su_switches = 0, su_chips = 0, trays = 0, leaves = 0, spines = 0;
  for (const TopoNode& n : nodes_) {
    if (n.kind != NodeKind::kSwitch) continue;
    if (n.tier <= 1) {
      ++su_switches;
      su_chips += n.chips;
    }
    leaves += n.tier == 2;
    spines += n.tier == 3;
  }
  if (sys_.topology == ScaleUpTopology::kSwitched && sys_.tiers.front().trays) {
    trays = static_cast<int>(sys_.tiers.front().trays->value) * topo_.DomainCount();
  }
  const int accs = topo_.AcceleratorCount();
  std::string totals =
      fmt::format("Totals: {} {}s · {} of {} · {} in {}", accs, acc_word_,
                  Count(topo_.DomainCount(), "scale-up domain", "scale-up domains"), domain_,
                  Count(nodes_per_system_ * systems_, node_word_, node_word_ + "s"),
                  Count(systems_, "system", "systems"));
  if (su_switches > 0) {
    totals += fmt::format(" · {} scale-up switch chips{}", su_chips,
                          trays > 0 ? fmt::format(" in {} trays", trays) : "");
  }
  totals += fmt::format(
      " · {} leaf switches{} · {} NICs · {} CPUs", leaves, spines > 0 ? " + 1 spine" : "",
      FormatCount(accs * sys_.nics_per_accelerator.value), topo_.CountNodes(NodeKind::kCpu));
  if (drawn_ < systems_) totals += fmt::format(" (the first {} systems drawn)", drawn_);
  notes.push_back(totals);
  notes.push_back(fmt::format(
      "Bandwidth per direction: scale-up {} per {} ({} per domain) · scale-out {} per {} ({} in "
      "all) · host {} per {}.",
      per_acc, acc_word_, FormatRate(sys_.ScaleUpBandwidth().value * domain_),
      FormatRate(nic_bw_, true), acc_word_, FormatRate(nic_bw_ * accs, true), FormatRate(host_bw_),
      acc_word_));
  return notes;
}

struct Swatch {
  std::string cls;  // line class, or rect class when `box`
  bool box;
  std::string label;
};

std::vector<Swatch> Swatches() {
  return {{"su bundle", false, "scale-up link"},
          {"so", false, "scale-out link"},
          {"ho", false, "host link (CPU ↔ accelerator)"},
          {"acc", true, "accelerator"},
          {"nic r0", true, "NIC (coloured by rail)"},
          {"cpu", true, "CPU"},
          {"sw", true, "scale-up switch"},
          {"spine", true, "scale-out switch"}};
}

double Renderer::LegendHeight(double width) const {
  double h = 46 + (per_node_ > 1 ? 22 : 0);
  const std::vector<std::string> notes = LegendNotes();
  for (std::size_t i = 0; i < notes.size(); ++i) {
    h += 16 * Wrap(notes[i], width - 24, i + 2 >= notes.size() ? 13 : 11.5).size();
  }
  return h + 8;
}

void Renderer::DrawLegend(double x, double y, double width) {
  Rect(x, y, width, LegendHeight(width), "leg", 8);
  double cx = x + 12, cy = y + 20;
  for (const Swatch& s : Swatches()) {
    const double w = 30 + TextWidth(s.label, 11) + 22;
    if (cx + w > x + width - 12) {
      cx = x + 12;
      cy += 20;
    }
    if (s.box) {
      Rect(cx, cy - 9, 24, 12, s.cls + " lg", 2);
    } else {
      Line(cx, cy - 3, cx + 24, cy - 3, s.cls + " lg");
    }
    Text(cx + 30, cy + 1, "lt", s.label);
    cx += w;
  }
  cy += 24;
  if (per_node_ > 1) {
    Text(x + 12, cy, "lt", "rails:");
    for (int r = 0; r < std::min(per_node_, kRailColors); ++r) {
      const double rx = x + 60 + r * 52;
      Rect(rx, cy - 9, 20, 11, "nic " + Rail(r) + " lg", 2);
      Text(rx + 24, cy + 1, "lt", std::to_string(r));
    }
    if (per_node_ > kRailColors) Text(x + 60 + kRailColors * 52, cy, "lt", "(colours repeat)");
    cy += 22;
  }
  const std::vector<std::string> notes = LegendNotes();
  for (std::size_t i = 0; i < notes.size(); ++i) {
    const bool caption = i + 2 >= notes.size();
    for (const std::string& line : Wrap(notes[i], width - 24, caption ? 13 : 11.5)) {
      Text(x + 12, cy, caption ? "cap" : "lt", line);
      cy += 16;
    }
  }
}

std::string Renderer::Render() {
  // Systems: side by side, wrapping; the rest of a large cluster summarised in one box.
  const bool more = drawn_ < systems_;
  const int slots = drawn_ + (more ? 1 : 0);
  const double more_w = 240, more_h = std::min(sys_h_, 120.0);
  const int per_row =
      std::max(1, static_cast<int>((std::max(3200.0, sys_w_) + kGap * 2) / (sys_w_ + kGap * 2)));
  const int rows = (slots + per_row - 1) / per_row;
  double systems_w = 0;
  for (int r = 0; r < rows; ++r) {
    double w = 0;
    for (int i = r * per_row; i < std::min(slots, (r + 1) * per_row); ++i) {
      w += (i < drawn_ ? sys_w_ : more_w) + (w > 0 ? kGap * 2 : 0);
    }
    systems_w = std::max(systems_w, w);
  }
  const bool fabric = total_leaves_ > 0;
  const int leaf_slots =
      static_cast<int>(leaves_.size()) + (total_leaves_ > static_cast<int>(leaves_.size()));
  const std::string title = systems_ > 1 ? fmt::format("{} × {}", systems_, sys_.name) : sys_.name;
  const std::string subtitle = fmt::format(
      "{} {}s in {} · scale-up: {}, {} of {} · scale-out: {} per {} on {} · aiinfra",
      topo_.AcceleratorCount(), acc_word_, Count(systems_, "system", "systems"),
      sys_.accelerator.scale_up_technology, Count(topo_.DomainCount(), "domain", "domains"),
      domain_, FormatRate(nic_bw_, true), acc_word_, Count(per_node_, "rail", "rails"));
  double content_w = std::max({systems_w, kMinWidth, TextWidth(title, 20), TextWidth(subtitle, 12),
                               leaf_slots * (kLeafW + 8.0) + 10, fabric ? 220 + 2 * 330.0 : 0});
  const double width = content_w + 2 * kMargin;
  const double fabric_top = 70;
  const double systems_top = fabric ? fabric_top + (spine_ >= 0 ? 86 : 0) + kLeafH + 80 : 70;
  std::vector<double> sys_x(drawn_), sys_y(drawn_);
  double y = systems_top, more_x = 0, more_y = 0;
  for (int r = 0; r < rows; ++r) {
    double row_w = 0;
    for (int i = r * per_row; i < std::min(slots, (r + 1) * per_row); ++i) {
      row_w += (i < drawn_ ? sys_w_ : more_w) + (row_w > 0 ? kGap * 2 : 0);
    }
    double x = kMargin + (content_w - row_w) / 2;
    for (int i = r * per_row; i < std::min(slots, (r + 1) * per_row); ++i) {
      if (i < drawn_) {
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
  const double height = legend_y + LegendHeight(content_w) + kMargin;

  out_.reserve(static_cast<std::size_t>(drawn_) * per_system_ * 700 + 20000);
  Add(R"(<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{}" height="{}" viewBox="0 0 {} {}">)",
      N(width), N(height), N(width), N(height));
  Add("\n<title>{}</title>\n<style type=\"text/css\"><![CDATA[{}]]></style>\n",
      XmlEscape(title + " — topology"), kStyle);
  Rect(0, 0, width, height, "bg", 0);
  Text(kMargin, 34, "h1", title);
  Text(kMargin, 54, "sub", subtitle);
  if (fabric) DrawFabric(sys_x, sys_y, fabric_top, content_w);
  for (int s = 0; s < drawn_; ++s) DrawSystem(s, sys_x[s], sys_y[s]);
  if (more) {
    const int rest = systems_ - drawn_;
    Rect(more_x, more_y, more_w, more_h, "more", 10);
    Text(more_x + more_w / 2, more_y + more_h / 2 - 4, "sh",
         fmt::format("… {} more {}", rest, rest == 1 ? "system" : "systems"));
    Text(more_x + more_w / 2, more_y + more_h / 2 + 14, "cl",
         fmt::format("{} {}s, same as above", rest * per_system_, acc_word_));
  }
  DrawLegend(kMargin, legend_y, content_w);
  out_ += "</svg>\n";
  return std::move(out_);
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderTopologySvg(const Topology& topology) { return Renderer(topology).Render(); }

}  // namespace aiinfra::hw
