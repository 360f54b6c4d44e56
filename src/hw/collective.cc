#include "hw/collective.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "common/units.h"

namespace aiinfra::hw {
namespace {

struct Flow {
  int src;
  int dst;
  double bytes;
};

// Traffic a rank exchanges with its domain's in-network-reduction switch.
struct SwitchTraffic {
  int rank;
  double up;    // bytes rank -> switch
  double down;  // bytes switch -> rank
};

struct PhasePlan {
  std::string name;
  std::vector<Flow> flows;
  std::vector<SwitchTraffic> nvls;
  int steps = 1;
};

// Finds the link joining accelerator `acc` to its first-tier scale-up switch.
int SwitchLinkOf(const Topology& topo, int acc) {
  for (int i : topo.LinksOf(acc)) {
    const TopoLink& l = topo.links()[i];
    const int other = l.a == acc ? l.b : l.a;
    if (l.kind == LinkKind::kScaleUp && topo.nodes()[other].kind == NodeKind::kSwitch) return i;
  }
  return -1;
}

PhaseCost Evaluate(const Topology& topo, const CollectiveTuning& tuning, const PhasePlan& plan) {
  // Bytes per directed channel (link * 2 + direction); dense, since an all-to-all over
  // thousands of ranks touches most of them millions of times.
  std::vector<double> load(topo.links().size() * 2, 0.0);
  double route_latency = 0;
  for (const Flow& f : plan.flows) {
    if (f.bytes <= 0 || f.src == f.dst) continue;
    double latency = 0;
    topo.ForEachHop(f.src, f.dst, [&](const Hop& h) {
      load[h.Channel()] += f.bytes;
      latency += topo.links()[h.link].latency;
    });
    route_latency = std::max(route_latency, latency);
  }
  for (const SwitchTraffic& t : plan.nvls) {
    const int link = SwitchLinkOf(topo, t.rank);
    const bool acc_is_a = topo.links()[link].a == t.rank;
    load[Hop{link, acc_is_a}.Channel()] += t.up;
    load[Hop{link, !acc_is_a}.Channel()] += t.down;
    route_latency = std::max(route_latency, 2 * topo.links()[link].latency);
  }
  PhaseCost cost;
  cost.name = plan.name;
  cost.steps = plan.steps;
  double worst = 0;
  for (std::size_t channel = 0; channel < load.size(); ++channel) {
    const double bytes = load[channel];
    if (bytes <= 0) continue;
    const TopoLink& link = topo.links()[channel / 2];
    const bool nvls_link = !plan.nvls.empty() && link.kind == LinkKind::kScaleUp;
    const double eff = nvls_link ? tuning.nvls_efficiency.value : tuning.Efficiency(link.kind);
    const double t = bytes / (link.bandwidth * eff);
    if (t > worst) {
      worst = t;
      const bool forward = channel % 2 == 0;
      const TopoNode& from = topo.nodes()[forward ? link.a : link.b];
      const TopoNode& to = topo.nodes()[forward ? link.b : link.a];
      cost.bottleneck = fmt::format("{}->{} ({}, {} x {:.2f})", from.label, to.label,
                                    LinkKindName(link.kind), FormatRate(link.bandwidth), eff);
    }
  }
  cost.latency = plan.steps * (route_latency + tuning.step_overhead.value);
  cost.time = worst + cost.latency;
  return cost;
}

// Groups ranks by scale-up domain, keeping domain order and rank order.
std::vector<std::vector<int>> ByDomain(const Topology& topo, const std::vector<int>& ranks) {
  std::map<int, std::vector<int>> groups;
  for (int r : ranks) groups[topo.nodes()[r].domain].push_back(r);
  std::vector<std::vector<int>> out;
  for (auto& [d, members] : groups) out.push_back(std::move(members));
  return out;
}

bool Uniform(const std::vector<std::vector<int>>& domains) {
  for (const auto& d : domains) {
    if (d.size() != domains.front().size()) return false;
  }
  return true;
}

// A Hamiltonian cycle of a 3D grid, as indices within the domain (x fastest in the index), or
// a snake path when no cycle exists (every extent odd). The grid is seen as a 2D grid: columns
// along dimension dims[0], rows along a snake over the other two, so consecutive rows are
// neighbours. With an even number of rows the cycle runs along row 0, snakes back and forth
// over columns 1.. of the other rows, and returns up column 0.
std::vector<int> GridCycle(const System& sys, const std::array<int, 3>& dims) {
  const auto& g = sys.grid;
  int width = g[dims[0]];
  int height = g[dims[1]] * g[dims[2]];
  auto index = [&](int col, int row) {
    int coord[3];
    coord[dims[0]] = col;
    const int c = row / g[dims[1]];
    const int b = row % g[dims[1]];
    coord[dims[1]] = c % 2 == 0 ? b : g[dims[1]] - 1 - b;
    coord[dims[2]] = c;
    return coord[0] + g[0] * (coord[1] + g[1] * coord[2]);
  };
  std::vector<int> order;
  if (height % 2 == 0 && width >= 2) {
    for (int x = 0; x < width; ++x) order.push_back(index(x, 0));
    for (int y = 1; y < height; ++y) {
      for (int i = 1; i < width; ++i) order.push_back(index(y % 2 == 1 ? width - i : i, y));
    }
    for (int y = height - 1; y >= 1; --y) order.push_back(index(0, y));
    return order;
  }
  for (int y = 0; y < height; ++y) {  // snake path; the ring closes over a longer route
    for (int i = 0; i < width; ++i) order.push_back(index(y % 2 == 1 ? width - 1 - i : i, y));
  }
  return order;
}

// The rings (orders of ranks) a ring algorithm runs concurrently, each carrying an equal share:
// - across domains with the same number of ranks each, NCCL runs one ring per local rank
//   ("channel"), rotated so that each ring leaves every domain from a different rank, so the
//   inter-domain traffic spreads over all rails instead of one NIC;
// - inside one 3D grid, six rings: a Hamiltonian cycle for each of the three dimension orders,
//   in both directions, so every neighbour link carries traffic, not one in six;
// - otherwise one ring in rank order.
std::vector<std::vector<int>> RingOrders(const Topology& topo,
                                         const std::vector<std::vector<int>>& domains) {
  std::vector<std::vector<int>> orders;
  const std::size_t m = domains.front().size();
  const System& sys = topo.system();
  const auto& first = domains.front();
  const bool one_grid =
      domains.size() == 1 && sys.topology == ScaleUpTopology::kMesh3D && m > 2 &&
      std::all_of(first.begin(), first.end(), [&](int r) { return topo.SameDomain(first[0], r); });
  if (one_grid) {
    const int base = first[0] - first[0] % sys.domain_accelerators();
    const std::set<int> members(first.begin(), first.end());
    for (const std::array<int, 3>& dims : {std::array<int, 3>{0, 1, 2}, {1, 2, 0}, {2, 0, 1}}) {
      std::vector<int> order;
      for (int i : GridCycle(sys, dims)) {
        if (members.contains(base + i)) order.push_back(base + i);
      }
      orders.push_back(order);
      std::reverse(order.begin(), order.end());
      orders.push_back(std::move(order));
    }
    return orders;
  }
  const bool channels = domains.size() > 1 && Uniform(domains) && m > 1;
  for (std::size_t k = 0; k < (channels ? m : 1); ++k) {
    std::vector<int> order;
    for (const auto& d : domains) {
      for (std::size_t i = 0; i < d.size(); ++i) order.push_back(d[(i + k) % d.size()]);
    }
    orders.push_back(std::move(order));
  }
  return orders;
}

// Ring flows in which every rank sends `bytes_per_rank` to its successor, split evenly over the
// concurrent rings of RingOrders.
std::vector<Flow> RingFlows(const Topology& topo, const std::vector<std::vector<int>>& domains,
                            double bytes_per_rank) {
  std::vector<Flow> flows;
  const auto orders = RingOrders(topo, domains);
  for (const std::vector<int>& order : orders) {
    for (std::size_t i = 0; i < order.size(); ++i) {
      flows.push_back(
          Flow{order[i], order[(i + 1) % order.size()], bytes_per_rank / orders.size()});
    }
  }
  return flows;
}

std::vector<Flow> DirectFlows(const std::vector<int>& ranks, double bytes_per_pair) {
  std::vector<Flow> flows;
  for (int a : ranks) {
    for (int b : ranks) {
      if (a != b) flows.push_back(Flow{a, b, bytes_per_pair});
    }
  }
  return flows;
}

// NCCL's tree all-reduce: a chain inside each domain and a double binary tree across the
// domains' first ranks. Reduction climbs and the broadcast descends, so every chain edge carries
// the whole buffer once in each direction; the two binary trees carry half each.
std::vector<Flow> TreeFlows(const std::vector<std::vector<int>>& domains, double bytes) {
  std::vector<Flow> flows;
  std::vector<int> heads;
  for (const auto& d : domains) {
    heads.push_back(d.front());
    for (std::size_t i = 0; i + 1 < d.size(); ++i) {
      flows.push_back(Flow{d[i + 1], d[i], bytes});
      flows.push_back(Flow{d[i], d[i + 1], bytes});
    }
  }
  for (int tree = 0; tree < 2; ++tree) {
    std::vector<int> order = heads;
    if (tree == 1) std::reverse(order.begin(), order.end());
    for (std::size_t i = 1; i < order.size(); ++i) {
      const int parent = order[(i - 1) / 2];
      flows.push_back(Flow{order[i], parent, bytes / 2});
      flows.push_back(Flow{parent, order[i], bytes / 2});
    }
  }
  return flows;
}

int Log2Ceil(int n) {
  int k = 0;
  while ((1 << k) < n) ++k;
  return k;
}

std::vector<int> Flatten(const std::vector<std::vector<int>>& domains) {
  std::vector<int> out;
  for (const auto& d : domains) out.insert(out.end(), d.begin(), d.end());
  return out;
}

// Does this group sit in one switched domain whose switches reduce in-network?
bool NvlsApplies(const Topology& topo, const std::vector<std::vector<int>>& domains) {
  const System& sys = topo.system();
  return sys.in_network_reduction && sys.topology == ScaleUpTopology::kSwitched &&
         sys.tiers.size() == 1 && domains.front().size() > 1;
}

// The candidate plans, with their algorithm, for one intra-domain phase of a reduction (or
// gather) run in every domain concurrently: ring always, direct on meshes, NVLS where the
// switches reduce. `kind`: 0 reduce-scatter, 1 all-gather, 2 all-reduce.
// `bytes` is the full buffer each domain reduces or gathers.
std::vector<std::pair<Algorithm, PhasePlan>> IntraCandidates(
    const Topology& topo, const std::vector<std::vector<int>>& domains, int kind, double bytes,
    const std::string& name) {
  std::vector<std::pair<Algorithm, PhasePlan>> out;
  const int m = static_cast<int>(domains.front().size());
  if (m < 2) return out;
  const double share = static_cast<double>(m - 1) / m;
  const int passes = kind == 2 ? 2 : 1;
  {
    PhasePlan ring{name + " (ring)", {}, {}, passes * (m - 1)};
    for (const auto& d : domains) {
      auto f = RingFlows(topo, {d}, passes * share * bytes);
      ring.flows.insert(ring.flows.end(), f.begin(), f.end());
    }
    out.emplace_back(Algorithm::kRing, std::move(ring));
  }
  if (topo.system().topology != ScaleUpTopology::kSwitched) {
    PhasePlan direct{name + " (direct)", {}, {}, passes};
    for (const auto& d : domains) {
      auto f = DirectFlows(d, passes * bytes / m);
      direct.flows.insert(direct.flows.end(), f.begin(), f.end());
    }
    out.emplace_back(Algorithm::kDirect, std::move(direct));
  }
  if (NvlsApplies(topo, domains)) {
    PhasePlan nvls{name + " (nvls)", {}, {}, passes};
    for (const auto& d : domains) {
      for (int r : d) {
        // Reduce-scatter: the switch reads every rank's buffer and returns one reduced chunk;
        // all-gather: each rank writes its chunk once and the switch multicasts it.
        const double up = kind == 1 ? bytes / m : bytes;
        const double down = kind == 0 ? bytes / m : bytes;
        nvls.nvls.push_back(SwitchTraffic{r, up, down});
      }
    }
    out.emplace_back(Algorithm::kNvls, std::move(nvls));
  }
  return out;
}

}  // namespace

Result<CollectiveCost> EstimateCollective(const Topology& topo, const CollectiveSpec& spec,
                                          const CollectiveTuning& tuning) {
  const int n = static_cast<int>(spec.ranks.size());
  if (n < 2) return Fail(ErrorCode::kUsage, "a collective needs at least two ranks");
  if (!(spec.bytes > 0) || !std::isfinite(spec.bytes)) {
    return Fail(ErrorCode::kUsage, "the message size must be positive");
  }
  std::set<int> seen;
  for (int r : spec.ranks) {
    if (r < 0 || r >= topo.AcceleratorCount()) {
      return Fail(ErrorCode::kUsage, fmt::format("rank {} is not an accelerator of the cluster "
                                                 "(0..{})",
                                                 r, topo.AcceleratorCount() - 1));
    }
    if (!seen.insert(r).second) {
      return Fail(ErrorCode::kUsage, fmt::format("rank {} appears twice in the group", r));
    }
  }
  const auto domains = ByDomain(topo, spec.ranks);
  const int d = static_cast<int>(domains.size());
  const std::vector<int> ordered = Flatten(domains);
  const double S = spec.bytes;
  const CollectiveOp op = spec.op;
  const bool reduction = op == CollectiveOp::kAllReduce || op == CollectiveOp::kAllGather ||
                         op == CollectiveOp::kReduceScatter;
  const bool moe = op == CollectiveOp::kMoeDispatch || op == CollectiveOp::kMoeCombine;

  // Each candidate is a list of phases; the collective takes their sum.
  std::vector<std::pair<Algorithm, std::vector<PhasePlan>>> candidates;
  auto want = [&](Algorithm a) {
    return spec.algorithm == Algorithm::kAuto || spec.algorithm == a;
  };
  // A one-phase candidate, moved in (an initializer list would copy its flows: millions of them
  // in an all-to-all over thousands of ranks).
  auto add = [&](Algorithm a, PhasePlan plan) {
    std::vector<PhasePlan> phases;
    phases.push_back(std::move(plan));
    candidates.emplace_back(a, std::move(phases));
  };

  if (reduction) {
    const int kind = op == CollectiveOp::kReduceScatter ? 0
                     : op == CollectiveOp::kAllGather   ? 1
                                                        : 2;
    const int passes = kind == 2 ? 2 : 1;
    const double share = static_cast<double>(n - 1) / n;
    if (want(Algorithm::kRing)) {
      add(Algorithm::kRing,
          PhasePlan{"ring", RingFlows(topo, domains, passes * share * S), {}, passes * (n - 1)});
    }
    if (kind == 2 && want(Algorithm::kTree)) {
      // Fewer steps than the ring across many domains, but twice the buffer per chain edge:
      // it wins on small messages over many nodes, the ring on large ones.
      std::size_t longest = 0;
      for (const auto& dom : domains) longest = std::max(longest, dom.size());
      const int steps = 2 * (static_cast<int>(longest) - 1 + Log2Ceil(d));
      add(Algorithm::kTree, PhasePlan{"tree", TreeFlows(domains, S), {}, steps});
    }
    if (d == 1) {
      // The ring over one domain is the ring candidate above; the others apply here only.
      for (auto& [a, p] : IntraCandidates(topo, domains, kind, S, "intra")) {
        if (a != Algorithm::kRing && want(a)) add(a, std::move(p));
      }
    } else if (Uniform(domains) && want(Algorithm::kHierarchical)) {
      // Reduce-scatter inside each domain, all-reduce of 1/m across domains between ranks with
      // the same local index (same rail), all-gather inside (or the gather/scatter halves).
      const int m = static_cast<int>(domains.front().size());
      const double chunk = S / m;
      auto best_intra = [&](int k, double bytes, const std::string& name) {
        PhaseCost best_cost;
        PhasePlan best;
        bool first = true;
        for (auto& [a, p] : IntraCandidates(topo, domains, k, bytes, name)) {
          const PhaseCost c = Evaluate(topo, tuning, p);
          if (first || c.time < best_cost.time) best = std::move(p), best_cost = c, first = false;
        }
        return best;
      };
      PhasePlan inter{"inter", {}, {}, 0};
      const double dshare = static_cast<double>(d - 1) / d;
      for (int j = 0; j < m; ++j) {
        std::vector<std::vector<int>> column;
        for (const auto& dom : domains) column.push_back({dom[j]});
        // Each column is one rank per domain: a plain ring across domains.
        auto f = RingFlows(topo, {Flatten(column)}, (kind == 2 ? 2 : 1) * dshare * chunk);
        inter.flows.insert(inter.flows.end(), f.begin(), f.end());
      }
      std::vector<PhasePlan> phases;
      if (kind == 2) {
        inter.name = "inter all-reduce (ring)";
        inter.steps = 2 * (d - 1);
        if (m > 1) phases.push_back(best_intra(0, S, "intra reduce-scatter"));
        phases.push_back(std::move(inter));
        if (m > 1) phases.push_back(best_intra(1, S, "intra all-gather"));
      } else if (kind == 1) {
        inter.name = "inter all-gather (ring)";
        inter.steps = d - 1;
        phases.push_back(std::move(inter));
        if (m > 1) phases.push_back(best_intra(1, S, "intra all-gather"));
      } else {
        inter.name = "inter reduce-scatter (ring)";
        inter.steps = d - 1;
        if (m > 1) phases.push_back(best_intra(0, S, "intra reduce-scatter"));
        phases.push_back(std::move(inter));
      }
      candidates.push_back({Algorithm::kHierarchical, std::move(phases)});
    }
  } else if (op == CollectiveOp::kAllToAll) {
    if (want(Algorithm::kDirect)) {
      add(Algorithm::kDirect, PhasePlan{"all-to-all", DirectFlows(ordered, S / n), {}, 1});
    }
  } else if (op == CollectiveOp::kBroadcast) {
    if (want(Algorithm::kRing)) {
      // Pipelined chain from the root; the last rank does not forward.
      auto flows = RingFlows(topo, domains, S);
      std::erase_if(flows, [&](const Flow& f) { return f.dst == ordered.front(); });
      add(Algorithm::kRing, PhasePlan{"broadcast chain", std::move(flows), {}, n - 1});
    }
  } else if (op == CollectiveOp::kSendRecv) {
    if (want(Algorithm::kRing)) {
      std::vector<Flow> flows;
      for (int i = 0; i < n; ++i) flows.push_back(Flow{ordered[i], ordered[(i + 1) % n], S});
      add(Algorithm::kRing, PhasePlan{"send/recv", std::move(flows), {}, 1});
    }
  } else if (moe) {
    const MoeRouting& r = spec.moe;
    if (r.experts < n || r.top_k < 1 || r.top_k > r.experts) {
      return Fail(ErrorCode::kUsage,
                  fmt::format("MoE routing needs top-k in [1, experts] and at least one expert "
                              "per rank (experts {}, top-k {}, ranks {})",
                              r.experts, r.top_k, n));
    }
    // Probability that a token's top-k (uniform, without replacement) misses every expert of
    // one rank: prod_{i<k} (E - e - i) / (E - i), e = E/n experts per rank.
    const double e = static_cast<double>(r.experts) / n;
    double miss = 1;
    for (int i = 0; i < r.top_k; ++i) {
      miss *= std::max(0.0, (r.experts - e - i) / (r.experts - i));
    }
    const char* name = op == CollectiveOp::kMoeDispatch ? "dispatch" : "combine";
    if (want(Algorithm::kDirect)) {
      // Every rank straight to every rank (DeepEP's low-latency kernels: pure RDMA).
      add(Algorithm::kDirect, PhasePlan{name, DirectFlows(ordered, S * (1 - miss)), {}, 1});
    }
    if (d > 1 && Uniform(domains) && want(Algorithm::kHierarchical)) {
      // DeepEP's normal kernels: a token crosses the scale-out network once per remote domain
      // that hosts one of its experts, to the rank with the same local index (same rail), which
      // forwards it over the scale-up links to the ranks that need it.
      const int m = static_cast<int>(domains.front().size());
      const double per_domain = static_cast<double>(r.experts) * m / n;
      double miss_domain = 1;
      for (int i = 0; i < r.top_k; ++i) {
        miss_domain *= std::max(0.0, (r.experts - per_domain - i) / (r.experts - i));
      }
      // The kernels pipeline the two legs (chunks are forwarded while later ones still arrive),
      // so both run as one phase whose flows share the links: two steps of latency, and the
      // busier of the NICs and the scale-up links sets the bandwidth term.
      PhasePlan plan{std::string(name) + " (scale-out once per domain, then scale-up)", {}, {}, 2};
      for (int j = 0; j < m; ++j) {
        for (const auto& a : domains) {
          for (const auto& b : domains) {
            if (&a != &b) plan.flows.push_back(Flow{a[j], b[j], S * (1 - miss_domain)});
          }
        }
      }
      // Each rank then holds its own tokens and those that arrived from the d-1 other domains
      // (all of which hit this domain): per local destination, d x S x P(token hits it).
      if (m > 1) {
        for (const auto& dom : domains) {
          auto f = DirectFlows(dom, d * S * (1 - miss));
          plan.flows.insert(plan.flows.end(), f.begin(), f.end());
        }
      }
      add(Algorithm::kHierarchical, std::move(plan));
    }
  }

  if (candidates.empty()) {
    return Fail(
        ErrorCode::kUsage,
        fmt::format("algorithm {} does not apply to {} on this group ({} ranks in {} "
                    "scale-up domain{})",
                    AlgorithmName(spec.algorithm), CollectiveOpName(op), n, d, d == 1 ? "" : "s"));
  }

  CollectiveCost best;
  bool have = false;
  for (auto& [algorithm, phases] : candidates) {
    CollectiveCost c;
    c.op = op;
    c.algorithm = algorithm;
    c.ranks = n;
    c.domains = d;
    c.bytes = S;
    c.time = tuning.launch_latency.value;
    c.latency = tuning.launch_latency.value;
    for (const PhasePlan& p : phases) {
      PhaseCost pc = Evaluate(topo, tuning, p);
      if (moe) {
        // Fine-grained token scatter does not reach bulk-copy efficiency.
        const double bw_part = (pc.time - pc.latency) / tuning.moe_efficiency.value;
        pc.time = bw_part + pc.latency;
      }
      c.time += pc.time;
      c.latency += pc.latency;
      c.phases.push_back(std::move(pc));
    }
    if (!have || c.time < best.time) {
      best = std::move(c);
      have = true;
    }
  }
  best.algbw = S / best.time;
  if (moe) {
    double sent = 0;
    for (const auto& [algorithm, phases] : candidates) {
      if (algorithm != best.algorithm) continue;
      for (const PhasePlan& p : phases) {
        for (const Flow& f : p.flows) sent += f.src == ordered.front() ? f.bytes : 0;
      }
    }
    best.busbw = sent / best.time;
  } else {
    best.busbw = best.algbw * BusBandwidthFactor(op, n);
  }
  return best;
}

}  // namespace aiinfra::hw
