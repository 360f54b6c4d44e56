// The throughput-interactivity Pareto frontier of deployment candidates, and its picture.
//
// Each candidate is a point: x = output tokens/s per user (interactivity, 1 / TPOT), y = output
// tokens/s per GPU (cost efficiency). Both are "higher is better". A point is on the frontier
// when no other point is at least as good on both axes and better on one: the curve inference
// benchmarks such as SemiAnalysis' InferenceMAX draw to compare serving configurations.
#pragma once

#include <string>
#include <vector>

namespace aiinfra::plan {

struct ParetoPoint {
  double x = 0;       // tokens/s per user
  double y = 0;       // tokens/s per GPU
  std::string label;  // e.g. "TP4 x8 fp8"
};

// Indices into `points` of the non-dominated points, sorted by x ascending (so by y descending;
// equal points, which do not dominate each other, by index). q dominates p when q.x >= p.x,
// q.y >= p.y and q is better on one of them. Points with a non-finite coordinate are ignored.
// O(n log n).
std::vector<int> ParetoFrontier(const std::vector<ParetoPoint>& points);

// A standalone SVG 1.1 chart (no external resources): axes from 0 with "nice" ticks labelled in
// human units (1.5k), every finite point of `all` drawn faint, the points of `frontier` (indices
// into `all`, as ParetoFrontier returns them) joined by a line in x order and labelled (where a
// label finds room without overlapping another; every point's tooltip names it), a title and a
// legend. Non-finite points and out-of-range indices are skipped; an empty set still
// draws the axes. The classes come from hw::SvgCanvas's style sheet: plot area `sys`, grid
// `dom`, axes `ho`, faint points `r3 nic`, frontier points `r1`, the frontier line `su`; each
// point is a group whose tooltip gives its label and values.
std::string RenderParetoSvg(const std::vector<ParetoPoint>& all, const std::vector<int>& frontier,
                            const std::string& title);

}  // namespace aiinfra::plan
