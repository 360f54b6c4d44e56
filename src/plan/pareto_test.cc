#include "plan/pareto.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hw/svg_canvas.h"

namespace aiinfra::plan {
namespace {

// The definition, O(n^2): finite points that no other finite point dominates, sorted as
// ParetoFrontier promises (x ascending, then index).
std::vector<int> BruteForceFrontier(const std::vector<ParetoPoint>& p) {
  auto finite = [&](int i) { return std::isfinite(p[i].x) && std::isfinite(p[i].y); };
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(p.size()); ++i) {
    if (!finite(i)) continue;
    bool dominated = false;
    for (int j = 0; j < static_cast<int>(p.size()) && !dominated; ++j) {
      if (j == i || !finite(j)) continue;
      dominated = p[j].x >= p[i].x && p[j].y >= p[i].y && (p[j].x > p[i].x || p[j].y > p[i].y);
    }
    if (!dominated) out.push_back(i);
  }
  std::stable_sort(out.begin(), out.end(), [&](int a, int b) { return p[a].x < p[b].x; });
  return out;
}

std::vector<ParetoPoint> Points(std::initializer_list<std::pair<double, double>> xy) {
  std::vector<ParetoPoint> out;
  for (auto [x, y] : xy) out.push_back({x, y, "p" + std::to_string(out.size())});
  return out;
}

TEST(ParetoFrontierTest, HandMadeSets) {
  EXPECT_TRUE(ParetoFrontier({}).empty());
  EXPECT_EQ(ParetoFrontier(Points({{1, 1}})), std::vector<int>{0});
  // A staircase with two dominated points inside it.
  EXPECT_EQ(ParetoFrontier(Points({{10, 100}, {20, 80}, {15, 70}, {40, 30}, {30, 20}})),
            (std::vector<int>{0, 1, 3}));
  // One point beats all.
  EXPECT_EQ(ParetoFrontier(Points({{1, 5}, {9, 9}, {5, 1}, {9, 2}, {3, 9}})), std::vector<int>{1});
  // Equal x: only the higher y survives; equal y: only the higher x.
  EXPECT_EQ(ParetoFrontier(Points({{5, 1}, {5, 3}, {2, 3}})), std::vector<int>{1});
  // Identical points do not dominate each other: both stay, by index.
  EXPECT_EQ(ParetoFrontier(Points({{4, 4}, {1, 9}, {4, 4}})), (std::vector<int>{1, 0, 2}));
  // Sorted by x ascending whatever the input order.
  EXPECT_EQ(ParetoFrontier(Points({{30, 1}, {10, 3}, {20, 2}})), (std::vector<int>{1, 2, 0}));
}

TEST(ParetoFrontierTest, NonFinitePointsAreIgnored) {
  const double inf = std::numeric_limits<double>::infinity();
  auto points = Points({{1, 1}, {std::nan(""), 5}, {inf, 2}, {2, -inf}, {0.5, 2}});
  EXPECT_EQ(ParetoFrontier(points), (std::vector<int>{4, 0}));
}

TEST(ParetoFrontierTest, MatchesBruteForceOnRandomSets) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 300; ++round) {
    const int n = std::uniform_int_distribution<int>(0, 60)(rng);
    // Small integer grids make ties in x, in y and whole duplicates common.
    const int grid = std::uniform_int_distribution<int>(2, 30)(rng);
    std::uniform_int_distribution<int> coord(0, grid);
    std::vector<ParetoPoint> points;
    for (int i = 0; i < n; ++i) {
      double x = coord(rng), y = coord(rng);
      if (round % 5 == 0) {  // and some continuous sets
        x = std::uniform_real_distribution<double>(0, 200)(rng);
        y = std::uniform_real_distribution<double>(0, 5000)(rng);
      }
      points.push_back({x, y, std::to_string(i)});
    }
    ASSERT_EQ(ParetoFrontier(points), BruteForceFrontier(points)) << "round " << round;
  }
}

// Checks that every element opened is closed in order; skips the prolog, comments and CDATA.
// Returns "" when balanced, else what went wrong.
std::string CheckBalancedTags(const std::string& svg) {
  std::vector<std::string> stack;
  size_t pos = 0;
  while ((pos = svg.find('<', pos)) != std::string::npos) {
    if (svg.compare(pos, 9, "<![CDATA[") == 0) {
      pos = svg.find("]]>", pos);
      if (pos == std::string::npos) return "unterminated CDATA";
      continue;
    }
    if (svg.compare(pos, 4, "<!--") == 0) {
      pos = svg.find("-->", pos);
      if (pos == std::string::npos) return "unterminated comment";
      continue;
    }
    const size_t end = svg.find('>', pos);
    if (end == std::string::npos) return "unterminated tag";
    std::string tag = svg.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.empty() || tag[0] == '?') continue;
    if (tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name) return "unexpected </" + name + ">";
      stack.pop_back();
      continue;
    }
    if (tag.back() == '/') continue;  // self-closing
    stack.push_back(tag.substr(0, tag.find_first_of(" \n\t")));
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  return "";
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(ParetoSvgTest, ChecksOfTheBalanceChecker) {
  EXPECT_EQ(CheckBalancedTags("<svg><g><rect/></g></svg>"), "");
  EXPECT_NE(CheckBalancedTags("<svg><g></svg>"), "");
  EXPECT_NE(CheckBalancedTags("<svg><g>"), "");
}

TEST(ParetoSvgTest, ChartIsWellFormedAndLabelsTheFrontier) {
  std::vector<ParetoPoint> points = {{12, 2400, "TP8 x1 fp8"},        {25, 1800, "TP4 x2 fp8"},
                                     {40, 900, "TP2 x4 <bf16>"},      {20, 1000, "TP4 x2 bf16"},
                                     {70, 300, "TP1 x8 fp8 & eager"}, {35, 500, "PP2 TP4"},
                                     {std::nan(""), 10, "broken"}};
  const std::vector<int> frontier = ParetoFrontier(points);
  ASSERT_EQ(frontier, (std::vector<int>{0, 1, 2, 4}));
  const std::string svg = RenderParetoSvg(points, frontier, "Llama 3.1 70B on H200 & friends");

  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(CheckBalancedTags(svg), "");
  // A sparse frontier has room for every label on the chart; labels are escaped text.
  for (const char* label :
       {"TP8 x1 fp8", "TP4 x2 fp8", "TP2 x4 &lt;bf16&gt;", "TP1 x8 fp8 &amp; eager"}) {
    EXPECT_NE(svg.find(std::string(">") + label + "</text>"), std::string::npos) << label;
  }
  EXPECT_NE(svg.find("Llama 3.1 70B on H200 &amp; friends"), std::string::npos);
  EXPECT_EQ(svg.find("<bf16>"), std::string::npos);
  // Dominated points are drawn (as faint points with tooltips) but not labelled on the chart.
  EXPECT_NE(svg.find("<title>PP2 TP4:"), std::string::npos);
  EXPECT_EQ(svg.find(">PP2 TP4</text>"), std::string::npos);
  // The broken point is skipped; no coordinate is NaN or infinite.
  EXPECT_EQ(svg.find("broken"), std::string::npos);
  EXPECT_EQ(Lower(svg).find("nan"), std::string::npos);
  EXPECT_EQ(Lower(svg).find("inf"), std::string::npos);
  // Axes, human tick units, the legend and the summary.
  EXPECT_NE(svg.find("tokens/s per user"), std::string::npos);
  EXPECT_NE(svg.find("tokens/s per GPU"), std::string::npos);
  EXPECT_NE(svg.find(">2.5k</text>"), std::string::npos);
  EXPECT_NE(svg.find("Pareto frontier"), std::string::npos);
  EXPECT_NE(svg.find("6 operating points, 4 on the Pareto frontier"), std::string::npos);
  // The frontier line: one segment per pair of neighbours.
  size_t segments = 0;
  for (size_t p = 0; (p = svg.find("<line class=\"su\"", p)) != std::string::npos; ++p) ++segments;
  EXPECT_EQ(segments, 3u);
}

// The chart labels (class bl) as boxes: x, baseline y, width from the canvas's text metrics.
struct LabelBox {
  double x0, y0, x1, y1;
  std::string text;
};
std::vector<LabelBox> ChartLabels(const std::string& svg) {
  std::vector<LabelBox> out;
  const std::string open = "<text class=\"bl\" x=\"";
  for (size_t p = 0; (p = svg.find(open, p)) != std::string::npos;) {
    p += open.size();
    const double x = std::stod(svg.substr(p));
    p = svg.find("y=\"", p) + 3;
    const double y = std::stod(svg.substr(p));
    p = svg.find('>', p) + 1;
    const std::string text = svg.substr(p, svg.find("</text>", p) - p);
    out.push_back({x, y - 9, x + hw::TextWidth(text, 9), y + 2, text});
  }
  return out;
}

TEST(ParetoSvgTest, DenseFrontierLabelsDoNotOverlap) {
  // 40 points on one convex curve: all on the frontier, far too close to label each.
  std::vector<ParetoPoint> points;
  for (int i = 0; i < 40; ++i) {
    const double x = 5 + 4.5 * i;
    points.push_back({x, 4000 / (1 + x / 20), "config number " + std::to_string(i)});
  }
  const std::vector<int> frontier = ParetoFrontier(points);
  ASSERT_EQ(frontier.size(), 40u);
  const std::string svg = RenderParetoSvg(points, frontier, "dense");
  EXPECT_EQ(CheckBalancedTags(svg), "");
  const auto labels = ChartLabels(svg);
  EXPECT_GE(labels.size(), 8u);
  EXPECT_LT(labels.size(), 40u);
  for (size_t a = 0; a < labels.size(); ++a) {
    for (size_t b = a + 1; b < labels.size(); ++b) {
      const LabelBox &p = labels[a], &q = labels[b];
      const bool overlap = p.x0 < q.x1 && q.x0 < p.x1 && p.y0 < q.y1 && q.y0 < p.y1;
      EXPECT_FALSE(overlap) << p.text << " / " << q.text;
    }
  }
  // Every frontier point still names itself in its tooltip.
  for (int i : frontier) {
    EXPECT_NE(svg.find("<title>" + points[i].label + ":"), std::string::npos) << i;
  }
}

TEST(ParetoSvgTest, EmptyAndDegenerateInputsStillDrawAxes) {
  for (const auto& points :
       {std::vector<ParetoPoint>{}, Points({{0, 0}}), Points({{1e-9, 5e7}, {3e6, 1e-12}})}) {
    const std::string svg = RenderParetoSvg(points, ParetoFrontier(points), "t");
    EXPECT_EQ(CheckBalancedTags(svg), "");
    EXPECT_EQ(Lower(svg).find("nan"), std::string::npos);
    EXPECT_NE(svg.find("tokens/s per user"), std::string::npos);
  }
  // Out-of-range frontier indices are skipped.
  auto points = Points({{1, 1}});
  const std::string svg = RenderParetoSvg(points, {-1, 0, 5}, "t");
  EXPECT_EQ(CheckBalancedTags(svg), "");
}

}  // namespace
}  // namespace aiinfra::plan
