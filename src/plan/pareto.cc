#include "plan/pareto.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/units.h"
#include "hw/svg_canvas.h"

namespace aiinfra::plan {
namespace {

bool IsFinite(const ParetoPoint& p) { return std::isfinite(p.x) && std::isfinite(p.y); }

// Layout (px).
constexpr double kWidth = 820;
constexpr double kLeft = 92;  // room for the y tick labels and the y axis title
constexpr double kRight = 36;
constexpr double kTop = 72;  // title and subtitle
constexpr double kPlotHeight = 400;
constexpr double kBelowPlot = 56;  // x tick labels and the x axis title
constexpr double kLegendGap = 14;
constexpr double kBottom = 16;
constexpr double kLabelSize = 9;  // class bl

// A 1-2-2.5-5 step giving about `ticks` intervals over [0, max], and the axis end: the first
// step multiple at or above max (plus a margin so that no point sits on the frame).
struct Axis {
  double step = 0.2;
  double end = 1;
};

Axis NiceAxis(double max, int ticks = 5) {
  if (!(max > 0) || !std::isfinite(max)) return Axis{};
  const double raw = max * 1.04 / ticks;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  double step = 10;
  for (double candidate : {1.0, 2.0, 2.5, 5.0}) {
    if (norm <= candidate) {
      step = candidate;
      break;
    }
  }
  step *= magnitude;
  return Axis{step, std::ceil(max * 1.04 / step) * step};
}

}  // namespace

std::vector<int> ParetoFrontier(const std::vector<ParetoPoint>& points) {
  std::vector<int> order;
  for (int i = 0; i < static_cast<int>(points.size()); ++i) {
    if (IsFinite(points[i])) order.push_back(i);
  }
  // Best x first; within one x, best y first; equal points by index.
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    if (points[a].x != points[b].x) return points[a].x > points[b].x;
    if (points[a].y != points[b].y) return points[a].y > points[b].y;
    return a < b;
  });
  std::vector<int> frontier;
  double best_y = -INFINITY;  // the best y among points of strictly greater x
  for (size_t g = 0; g < order.size();) {
    // One group of equal x: only its top y can survive, and only above every greater x's y.
    size_t end = g;
    while (end < order.size() && points[order[end]].x == points[order[g]].x) ++end;
    const double top = points[order[g]].y;
    if (top > best_y) {
      for (size_t k = g; k < end && points[order[k]].y == top; ++k) frontier.push_back(order[k]);
    }
    best_y = std::max(best_y, top);
    g = end;
  }
  // Collected by x descending; the contract is x ascending, equal points by index.
  std::stable_sort(frontier.begin(), frontier.end(),
                   [&](int a, int b) { return points[a].x < points[b].x; });
  return frontier;
}

std::string RenderParetoSvg(const std::vector<ParetoPoint>& all, const std::vector<int>& frontier,
                            const std::string& title) {
  std::vector<int> shown;  // frontier indices that can be drawn, in x order
  for (int i : frontier) {
    if (i >= 0 && i < static_cast<int>(all.size()) && IsFinite(all[i])) shown.push_back(i);
  }
  std::stable_sort(shown.begin(), shown.end(), [&](int a, int b) { return all[a].x < all[b].x; });
  int finite = 0;
  double max_x = 0, max_y = 0;
  for (const ParetoPoint& p : all) {
    if (!IsFinite(p)) continue;
    ++finite;
    max_x = std::max(max_x, p.x);
    max_y = std::max(max_y, p.y);
  }
  const Axis ax = NiceAxis(max_x), ay = NiceAxis(max_y);

  hw::Legend legend;
  legend.swatches = {{"r3 nic", true, "operating point (a deployment at one batch size)"},
                     {"r1", true, "on the frontier"},
                     {"su", false, "Pareto frontier"}};
  legend.notes = {
      "x: output tokens/s per user (interactivity, 1/TPOT); y: output tokens/s per GPU "
      "(throughput per unit of cost). Up and to the right is better; a point is on the "
      "frontier when no other operating point beats it on both."};
  const double plot_w = kWidth - kLeft - kRight;
  const double legend_y = kTop + kPlotHeight + kBelowPlot + kLegendGap;
  const double legend_w = kWidth - 40;
  const double height = legend_y + hw::LegendHeight(legend, legend_w) + kBottom;

  hw::SvgCanvas svg(kWidth, height, title, 16384 + 256 * all.size());
  svg.Rect(0, 0, kWidth, height, "bg", 0);
  // The title is fitted to the width (the full text stays in the SVG's <title>).
  svg.Text(20, 32, "h1", hw::FitText({title}, kWidth - 40, 20));
  svg.Text(20, 52, "sub",
           fmt::format("{} operating point{}, {} on the Pareto frontier", finite,
                       finite == 1 ? "" : "s", shown.size()));

  // Values to px: the plot spans [kLeft, kLeft + plot_w] x [kTop, kTop + kPlotHeight].
  auto px = [&](double x) { return kLeft + x / ax.end * plot_w; };
  auto py = [&](double y) { return kTop + kPlotHeight - y / ay.end * kPlotHeight; };
  const double bottom = kTop + kPlotHeight;

  svg.Rect(kLeft, kTop, plot_w, kPlotHeight, "sys", 0);
  // Ticks: integer multiples of the step, so no accumulated rounding reaches the labels.
  const int nx = static_cast<int>(std::lround(ax.end / ax.step));
  const int ny = static_cast<int>(std::lround(ay.end / ay.step));
  for (int k = 0; k <= nx; ++k) {
    const double v = k * ax.step, x = px(v);
    if (k > 0) svg.Line(x, kTop, x, bottom, "dom");
    svg.Line(x, bottom, x, bottom + 5, "ho");
    svg.Text(x, bottom + 18, "cl", FormatCount(v, 3));
  }
  for (int k = 0; k <= ny; ++k) {
    const double v = k * ay.step, y = py(v);
    if (k > 0) svg.Line(kLeft, y, kLeft + plot_w, y, "dom");
    svg.Line(kLeft - 5, y, kLeft, y, "ho");
    svg.Text(kLeft - 26, y + 3.5, "cl", FormatCount(v, 3));
  }
  svg.Line(kLeft, bottom, kLeft + plot_w, bottom, "ho");
  svg.Line(kLeft, kTop, kLeft, bottom, "ho");
  svg.Text(kLeft + plot_w / 2, bottom + 40, "sh", "output tokens/s per user (interactivity)");
  svg.RotatedText(kLeft - 60, kTop + kPlotHeight / 2, -90, "sh", "output tokens/s per GPU");

  auto tooltip = [](const ParetoPoint& p) {
    return fmt::format("{}: {} tokens/s/user, {} tokens/s/GPU", p.label, FormatCount(p.x, 4),
                       FormatCount(p.y, 4));
  };
  for (const ParetoPoint& p : all) {
    if (!IsFinite(p)) continue;
    svg.Open(tooltip(p));
    svg.Rect(px(p.x) - 3, py(p.y) - 3, 6, 6, "r3 nic", 3);
    svg.Close();
  }
  for (size_t k = 1; k < shown.size(); ++k) {
    const ParetoPoint &a = all[shown[k - 1]], &b = all[shown[k]];
    svg.Line(px(a.x), py(a.y), px(b.x), py(b.y), "su");
  }
  // Frontier labels: the first of four spots around the point (above or below, right or left)
  // that overlaps no label placed before; a label with no free spot is left to the tooltip, so
  // that a dense frontier stays readable.
  struct Box {
    double x0, y0, x1, y1;
  };
  std::vector<Box> placed;
  // Consecutive frontier points of one configuration form a segment; only its first point is
  // labelled (the rest keep their tooltips), so a dense frontier names each configuration once.
  std::string previous_label;
  auto collides = [&](const Box& b) {
    return std::any_of(placed.begin(), placed.end(), [&](const Box& o) {
      return b.x0 < o.x1 + 2 && o.x0 < b.x1 + 2 && b.y0 < o.y1 + 1 && o.y0 < b.y1 + 1;
    });
  };
  for (int i : shown) {
    const ParetoPoint& p = all[i];
    const double x = px(p.x), y = py(p.y);
    svg.Open(tooltip(p));
    svg.Rect(x - 4, y - 4, 8, 8, "r1", 4);
    if (p.label == previous_label) {
      svg.Close();
      continue;
    }
    previous_label = p.label;
    const std::string text = hw::FitText({p.label}, 150, kLabelSize);
    const double w = hw::TextWidth(text, kLabelSize);
    for (auto [dx, dy] : {std::pair{7.0, -8.0}, {7.0, 15.0}, {-7.0, -8.0}, {-7.0, 15.0}}) {
      const double tx = std::clamp(dx > 0 ? x + dx : x + dx - w, 4.0, kWidth - 4 - w);
      const Box box{tx, y + dy - kLabelSize, tx + w, y + dy + 2};
      if (collides(box)) continue;
      placed.push_back(box);
      svg.Text(tx, y + dy, "bl", text);
      break;
    }
    svg.Close();
  }
  svg.DrawLegend(legend, 20, legend_y, legend_w);
  return std::move(svg).Finish();
}

}  // namespace aiinfra::plan
