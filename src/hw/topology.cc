#include "hw/topology.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <limits>
#include <queue>
#include <tuple>

namespace aiinfra::hw {
namespace {

// Latencies of the links that have no catalog figure. A peer-to-peer transfer through the
// CPU's root complex costs about a microsecond per PCIe hop (NCCL's tuning model charges 1 us per
// PCI ring step, NVIDIA/nccl src/graph/tuning.cc, hwLat); so it never beats a scale-up path of
// the same domain. A NIC sits on a PCIe switch beside its GPU (GPUDirect RDMA): a quarter of
// that, the rest of the NIC-to-NIC latency is in the system's scale-out figure. Estimates.
constexpr double kHostLinkLatency = 1e-6;
constexpr double kNicAttachLatency = 0.25e-6;

}  // namespace

const char* NodeKindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kAccelerator:
      return "accelerator";
    case NodeKind::kSwitch:
      return "switch";
    case NodeKind::kNic:
      return "nic";
    case NodeKind::kCpu:
      return "cpu";
  }
  return "?";
}

const char* LinkKindName(LinkKind kind) {
  switch (kind) {
    case LinkKind::kScaleUp:
      return "scale-up";
    case LinkKind::kScaleOut:
      return "scale-out";
    case LinkKind::kHost:
      return "host";
  }
  return "?";
}

int Topology::AddNode(TopoNode node) {
  nodes_.push_back(std::move(node));
  adjacency_.emplace_back();
  return static_cast<int>(nodes_.size()) - 1;
}

void Topology::AddLink(int a, int b, double bandwidth, double latency, LinkKind kind) {
  links_.push_back(TopoLink{a, b, bandwidth, latency, kind});
  const int id = static_cast<int>(links_.size()) - 1;
  adjacency_[a].push_back(id);
  adjacency_[b].push_back(id);
}

Result<Topology> Topology::Build(const System& system, const FabricOptions& options) {
  if (options.systems < 1) {
    return Fail(ErrorCode::kUsage, "the cluster needs at least one system (--nodes >= 1)");
  }
  if (options.systems > 4096) {
    return Fail(ErrorCode::kUsage, "at most 4096 systems are modelled in one cluster");
  }
  if (!(options.oversubscription >= 1.0)) {
    return Fail(ErrorCode::kUsage, "oversubscription must be >= 1 (1 means non-blocking)");
  }
  if (options.nodes_per_leaf < 1) {
    return Fail(ErrorCode::kUsage, "nodes per leaf switch must be >= 1");
  }
  const int per_system = system.accelerator_count();
  const int per_node = system.accelerators_per_node();
  const int domain = system.domain_accelerators();
  if (system.topology == ScaleUpTopology::kSwitched) {
    const bool first_per_node = system.tiers.front().per_node;
    if (system.tiers.size() == 1 && first_per_node && domain != per_node) {
      return Fail(ErrorCode::kInvalidInput,
                  "one switch tier counted per node needs domain_size equal to the node's "
                  "accelerators",
                  Location{system.file, 0, 0, "scale_up.tiers"});
    }
    if (system.tiers.size() == 2 &&
        (!first_per_node || system.tiers[1].per_node || domain % per_node != 0)) {
      return Fail(ErrorCode::kInvalidInput,
                  "two switch tiers are modelled as a per-node first tier under a per-domain "
                  "second tier, with domains made of whole nodes",
                  Location{system.file, 0, 0, "scale_up.tiers"});
    }
  }

  Topology topo;
  topo.system_ = system;
  topo.fabric_ = options;
  const int systems = options.systems;
  const int nodes_per_system = system.node_count();
  topo.accelerator_count_ = systems * per_system;
  topo.domain_count_ = topo.accelerator_count_ / domain;

  // Accelerators first, so that accelerator i is node i.
  for (int s = 0; s < systems; ++s) {
    for (int l = 0; l < per_system; ++l) {
      const int g = s * per_system + l;
      TopoNode n;
      n.kind = NodeKind::kAccelerator;
      n.label = fmt::format("gpu{}", g);
      n.system = s;
      n.node = l / per_node;
      n.domain = g / domain;
      n.rail = l % per_node;
      n.forwards = system.AcceleratorsForward();
      topo.AddNode(std::move(n));
    }
  }

  // Host side: each node's CPUs, its accelerators split evenly over them.
  const double host_bw = system.host_link.value;
  const int cpus_per_node = std::max(
      1, system.cpus.value > 0 ? static_cast<int>(system.cpus.value) / nodes_per_system : 1);
  for (int s = 0; s < systems; ++s) {
    for (int nd = 0; nd < nodes_per_system; ++nd) {
      std::vector<int> cpus;
      for (int c = 0; c < cpus_per_node; ++c) {
        TopoNode n;
        n.kind = NodeKind::kCpu;
        n.label = fmt::format("cpu{}", (s * nodes_per_system + nd) * cpus_per_node + c);
        n.system = s;
        n.node = nd;
        cpus.push_back(topo.AddNode(std::move(n)));
      }
      for (int l = 0; l < per_node; ++l) {
        const int acc = s * per_system + nd * per_node + l;
        const int cpu = cpus[l * cpus_per_node / per_node];
        topo.AddLink(acc, cpu, host_bw, kHostLinkLatency, LinkKind::kHost);
      }
      // Sockets of one node: assumed not to be the bottleneck, so the link carries what all
      // accelerators of one socket can send.
      const double socket_bw = host_bw * std::max(1, per_node / cpus_per_node);
      for (int a = 0; a < cpus_per_node; ++a) {
        for (int b = a + 1; b < cpus_per_node; ++b) {
          topo.AddLink(cpus[a], cpus[b], socket_bw, kHostLinkLatency, LinkKind::kHost);
        }
      }
    }
  }

  // Scale-up fabric.
  const double su_bw = system.ScaleUpBandwidth().value;
  const double su_lat = system.scale_up_latency.value;
  const int domains_per_system = per_system / domain;
  for (int s = 0; s < systems; ++s) {
    for (int d = 0; d < domains_per_system; ++d) {
      const int first = s * per_system + d * domain;
      const int gdomain = first / domain;
      if (system.topology == ScaleUpTopology::kMesh3D) {
        // Neighbours along x, y and z; x varies fastest along accelerator indices.
        const auto [gx, gy, gz] = system.grid;
        const double link_bw = su_bw / system.accelerator.scale_up_links.value;
        auto index = [&](int x, int y, int z) { return first + x + gx * (y + gy * z); };
        for (int z = 0; z < gz; ++z) {
          for (int y = 0; y < gy; ++y) {
            for (int x = 0; x < gx; ++x) {
              if (x + 1 < gx)
                topo.AddLink(index(x, y, z), index(x + 1, y, z), link_bw, su_lat,
                             LinkKind::kScaleUp);
              if (y + 1 < gy)
                topo.AddLink(index(x, y, z), index(x, y + 1, z), link_bw, su_lat,
                             LinkKind::kScaleUp);
              if (z + 1 < gz)
                topo.AddLink(index(x, y, z), index(x, y, z + 1), link_bw, su_lat,
                             LinkKind::kScaleUp);
            }
          }
        }
        continue;
      }
      if (system.topology == ScaleUpTopology::kMesh) {
        if (domain < 2) continue;
        const double link_bw = su_bw / (domain - 1);
        for (int i = 0; i < domain; ++i) {
          for (int j = i + 1; j < domain; ++j) {
            topo.AddLink(first + i, first + j, link_bw, su_lat, LinkKind::kScaleUp);
          }
        }
        continue;
      }
      const SwitchTier& t0 = system.tiers.front();
      if (system.tiers.size() == 1) {
        TopoNode sw;
        sw.kind = NodeKind::kSwitch;
        sw.label = fmt::format("{}[d{}]", t0.name, gdomain);
        sw.system = s;
        sw.domain = gdomain;
        sw.tier = 0;
        sw.chips = static_cast<int>(t0.chips.value);
        if (t0.per_node) sw.node = (first % per_system) / per_node;
        const int sw_id = topo.AddNode(std::move(sw));
        for (int i = 0; i < domain; ++i) {
          topo.AddLink(first + i, sw_id, su_bw, su_lat / 2, LinkKind::kScaleUp);
        }
        continue;
      }
      // Two tiers: a first-tier switch per node, one second-tier switch for the domain; the
      // uplinks are as wide as the downlinks (a non-blocking Clos).
      const SwitchTier& t1 = system.tiers[1];
      TopoNode top;
      top.kind = NodeKind::kSwitch;
      top.label = fmt::format("{}[d{}]", t1.name, gdomain);
      top.system = s;
      top.domain = gdomain;
      top.tier = 1;
      top.chips = static_cast<int>(t1.chips.value);
      const int top_id = topo.AddNode(std::move(top));
      for (int nd = 0; nd < domain / per_node; ++nd) {
        const int node_first = first + nd * per_node;
        TopoNode l1;
        l1.kind = NodeKind::kSwitch;
        l1.label = fmt::format("{}[n{}]", t0.name, node_first / per_node);
        l1.system = s;
        l1.node = (node_first % per_system) / per_node;
        l1.domain = gdomain;
        l1.tier = 0;
        l1.chips = static_cast<int>(t0.chips.value);
        const int l1_id = topo.AddNode(std::move(l1));
        for (int i = 0; i < per_node; ++i) {
          topo.AddLink(node_first + i, l1_id, su_bw, su_lat / 4, LinkKind::kScaleUp);
        }
        topo.AddLink(l1_id, top_id, su_bw * per_node, su_lat / 4, LinkKind::kScaleUp);
      }
    }
  }

  // Scale-out fabric: rail-optimised leaves under one logical spine.
  const double nic_bw = system.NicBandwidthPerAccelerator();
  const double so_lat = system.scale_out_latency.value;
  const int total_nodes = systems * nodes_per_system;
  const int groups = (total_nodes + options.nodes_per_leaf - 1) / options.nodes_per_leaf;
  const bool need_spine = groups > 1 || per_node > 1;
  std::vector<int> leaf_ids(static_cast<std::size_t>(groups) * per_node, -1);
  std::vector<double> leaf_down(leaf_ids.size(), 0);
  for (int g = 0; g < topo.accelerator_count_; ++g) {
    const int global_node = g / per_node;
    const int rail = g % per_node;
    TopoNode nic;
    nic.kind = NodeKind::kNic;
    nic.label = fmt::format("nic{}", g);
    nic.system = g / per_system;
    nic.node = (g % per_system) / per_node;
    nic.rail = rail;
    const int nic_id = topo.AddNode(std::move(nic));
    topo.AddLink(g, nic_id, nic_bw, kNicAttachLatency, LinkKind::kScaleOut);
    const std::size_t li =
        static_cast<std::size_t>(global_node / options.nodes_per_leaf) * per_node + rail;
    if (leaf_ids[li] < 0) {
      TopoNode leaf;
      leaf.kind = NodeKind::kSwitch;
      leaf.label = fmt::format("leaf[r{},g{}]", rail, global_node / options.nodes_per_leaf);
      leaf.tier = 2;
      leaf.rail = rail;
      leaf.chips = 1;
      leaf_ids[li] = topo.AddNode(std::move(leaf));
    }
    topo.AddLink(nic_id, leaf_ids[li], nic_bw, so_lat / 2, LinkKind::kScaleOut);
    leaf_down[li] += nic_bw;
  }
  if (need_spine) {
    TopoNode spine;
    spine.kind = NodeKind::kSwitch;
    spine.label = "spine";
    spine.tier = 3;
    spine.chips = 1;
    const int spine_id = topo.AddNode(std::move(spine));
    for (std::size_t li = 0; li < leaf_ids.size(); ++li) {
      if (leaf_ids[li] < 0) continue;
      topo.AddLink(leaf_ids[li], spine_id, leaf_down[li] / options.oversubscription, so_lat / 2,
                   LinkKind::kScaleOut);
    }
  }
  return topo;
}

std::vector<int> Topology::ScaleUpDomain(int accelerator) const {
  assert(accelerator >= 0 && accelerator < accelerator_count_);
  const int domain = system_.domain_accelerators();
  const int first = (accelerator / domain) * domain;
  std::vector<int> out(domain);
  for (int i = 0; i < domain; ++i) out[i] = first + i;
  return out;
}

int Topology::CountNodes(NodeKind kind) const {
  return static_cast<int>(std::count_if(nodes_.begin(), nodes_.end(),
                                        [&](const TopoNode& n) { return n.kind == kind; }));
}

std::vector<int> Topology::LowestLatencyTree(int from, bool scale_up_only) const {
  const int n = static_cast<int>(nodes_.size());
  using Key = std::tuple<double, int, int>;  // latency, hops, node
  std::vector<double> lat(n, std::numeric_limits<double>::infinity());
  std::vector<int> hops(n, std::numeric_limits<int>::max());
  std::vector<int> via(n, -1);  // link used to reach the node
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> queue;
  lat[from] = 0;
  hops[from] = 0;
  queue.emplace(0.0, 0, from);
  while (!queue.empty()) {
    auto [l, h, u] = queue.top();
    queue.pop();
    if (l > lat[u] || (l == lat[u] && h > hops[u])) continue;
    // Accelerators are endpoints only, unless they forward (a grid).
    if (u != from && nodes_[u].kind == NodeKind::kAccelerator && !nodes_[u].forwards) continue;
    for (int link_id : adjacency_[u]) {
      const TopoLink& link = links_[link_id];
      if (scale_up_only && link.kind != LinkKind::kScaleUp) continue;
      const int v = link.a == u ? link.b : link.a;
      const double nl = l + link.latency;
      const int nh = h + 1;
      // Exact ties on latency (common: symmetric fabrics) fall to hop count, then to the order
      // of discovery, which is fixed by construction order, so routes are deterministic.
      if (nl < lat[v] - 1e-15 || (std::abs(nl - lat[v]) <= 1e-15 && nh < hops[v])) {
        lat[v] = nl;
        hops[v] = nh;
        via[v] = link_id;
        queue.emplace(nl, nh, v);
      }
    }
  }
  return via;
}

const std::vector<int>& Topology::Tree(int from) const {
  assert(from >= 0 && from < accelerator_count_);
  if (trees_.empty()) trees_.resize(accelerator_count_);
  std::vector<int>& tree = trees_[from];
  if (!tree.empty()) return tree;
  // Inside a scale-up domain traffic stays on the scale-up fabric, as NCCL keeps peer traffic
  // on NVLink even where a NIC path would be shorter (a 9-hop grid route, say); between
  // domains the lowest-latency path over any link wins. One tree serves both: every node the
  // scale-up links reach keeps its scale-up predecessor; routes to other domains never pass
  // through those nodes (accelerators do not forward, except in a grid, where a neighbour's
  // detour is never faster than the source's own NIC).
  tree = LowestLatencyTree(from, /*scale_up_only=*/false);
  const std::vector<int> inside = LowestLatencyTree(from, /*scale_up_only=*/true);
  for (std::size_t v = 0; v < tree.size(); ++v) {
    if (inside[v] >= 0) tree[v] = inside[v];
  }
  return tree;
}

Route Topology::RouteBetween(int from, int to) const {
  assert(from != to && to >= 0 && to < accelerator_count_);
  Route r;
  r.bandwidth = std::numeric_limits<double>::infinity();
  ForEachHop(from, to, [&](const Hop& h) {
    r.hops.push_back(h);
    r.bandwidth = std::min(r.bandwidth, links_[h.link].bandwidth);
    r.latency += links_[h.link].latency;
  });
  std::reverse(r.hops.begin(), r.hops.end());
  return r;
}

double Topology::BisectionBandwidth(std::vector<int> accelerators) const {
  std::sort(accelerators.begin(), accelerators.end());
  accelerators.erase(std::unique(accelerators.begin(), accelerators.end()), accelerators.end());
  if (accelerators.size() < 2) return 0;
  const int n = static_cast<int>(nodes_.size());
  const int source = n;
  const int sink = n + 1;
  std::vector<bool> member(n, false);
  for (int a : accelerators) member[a] = true;

  // Dinic's max-flow on the directed graph (each link: one edge per direction).
  struct Edge {
    int to;
    double cap;
    int rev;
  };
  std::vector<std::vector<Edge>> g(n + 2);
  auto add = [&](int u, int v, double cap) {
    g[u].push_back(Edge{v, cap, static_cast<int>(g[v].size())});
    g[v].push_back(Edge{u, 0, static_cast<int>(g[u].size()) - 1});
  };
  for (const TopoLink& link : links_) {
    auto blocked = [&](int v) {
      return nodes_[v].kind == NodeKind::kAccelerator && !member[v] && !nodes_[v].forwards;
    };
    const bool a_blocked = blocked(link.a);
    const bool b_blocked = blocked(link.b);
    if (a_blocked || b_blocked) continue;
    add(link.a, link.b, link.bandwidth);
    add(link.b, link.a, link.bandwidth);
  }
  const double inf = std::numeric_limits<double>::infinity();
  const std::size_t half = accelerators.size() / 2;
  for (std::size_t i = 0; i < accelerators.size(); ++i) {
    if (i < half) {
      add(source, accelerators[i], inf);
    } else {
      add(accelerators[i], sink, inf);
    }
  }
  // Traffic may not pass through a member accelerator either: Dinic below skips expanding
  // from accelerators other than via the source/sink edges.
  auto transit_ok = [&](int u) {
    return u >= n || nodes_[u].kind != NodeKind::kAccelerator || nodes_[u].forwards;
  };
  double flow = 0;
  const double eps = 1e-6;
  std::vector<int> level(n + 2), it(n + 2);
  while (true) {
    std::fill(level.begin(), level.end(), -1);
    std::queue<int> q;
    level[source] = 0;
    q.push(source);
    while (!q.empty()) {
      const int u = q.front();
      q.pop();
      // A first-half accelerator is entered only from the source; it may then send out.
      // Any other accelerator reached is a sink-side member and only forwards to the sink.
      if (!transit_ok(u) && level[u] != 1) {
        for (const Edge& e : g[u]) {
          if (e.to == sink && e.cap > eps && level[sink] < 0) {
            level[sink] = level[u] + 1;
            q.push(sink);
          }
        }
        continue;
      }
      for (const Edge& e : g[u]) {
        if (e.cap > eps && level[e.to] < 0) {
          level[e.to] = level[u] + 1;
          q.push(e.to);
        }
      }
    }
    if (level[sink] < 0) break;
    std::fill(it.begin(), it.end(), 0);
    std::function<double(int, double)> dfs = [&](int u, double pushed) -> double {
      if (u == sink) return pushed;
      const bool restricted = !transit_ok(u) && level[u] != 1;
      for (int& i = it[u]; i < static_cast<int>(g[u].size()); ++i) {
        Edge& e = g[u][i];
        if (e.cap <= eps || level[e.to] != level[u] + 1) continue;
        if (restricted && e.to != sink) continue;
        const double got = dfs(e.to, std::min(pushed, e.cap));
        if (got > eps) {
          e.cap -= got;
          g[e.to][e.rev].cap += got;
          return got;
        }
      }
      return 0;
    };
    while (true) {
      const double pushed = dfs(source, inf);
      if (pushed <= eps) break;
      flow += pushed;
    }
  }
  return flow;
}

}  // namespace aiinfra::hw
