#include "hw/topology.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "hw/catalog.h"
#include "hw/test_fixtures.h"

namespace aiinfra::hw {
namespace {

using testing::kAcceleratorYaml;
using testing::kSystemYaml;
using testing::Replace;

System FixtureSystem(const std::string& sys_yaml = kSystemYaml) {
  auto catalog = Catalog::FromFiles(
      {DataFile{"hardware/accelerators/test-gpu.yaml", "acc.yaml", kAcceleratorYaml}},
      {DataFile{"hardware/systems/test-box.yaml", "sys.yaml", sys_yaml}});
  EXPECT_TRUE(catalog) << catalog.error().ToString();
  return catalog->systems().at(0);
}

const Catalog& RealCatalog() {
  static const Catalog catalog = Catalog::Load(DataSource()).value();
  return catalog;
}

TEST(TopologyTest, OneSwitchedSystem) {
  auto topo = Topology::Build(FixtureSystem());
  ASSERT_TRUE(topo) << topo.error().ToString();
  EXPECT_EQ(topo->AcceleratorCount(), 8);
  EXPECT_EQ(topo->DomainCount(), 1);
  EXPECT_EQ(topo->ScaleUpDomain(3), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(topo->CountNodes(NodeKind::kCpu), 4);
  EXPECT_EQ(topo->CountNodes(NodeKind::kNic), 8);
  const Route& r = topo->RouteBetween(0, 5);
  ASSERT_EQ(r.hops.size(), 2u);  // gpu -> switch -> gpu
  EXPECT_DOUBLE_EQ(r.bandwidth, 400e9);
  EXPECT_NEAR(r.latency, 1e-6, 1e-12);
  for (const Hop& h : r.hops) EXPECT_EQ(topo->links()[h.link].kind, LinkKind::kScaleUp);
}

TEST(TopologyTest, AcrossSystemsSameRailStaysUnderOneLeaf) {
  auto topo = Topology::Build(FixtureSystem(), FabricOptions{.systems = 2});
  ASSERT_TRUE(topo) << topo.error().ToString();
  EXPECT_EQ(topo->AcceleratorCount(), 16);
  EXPECT_FALSE(topo->SameDomain(0, 8));
  const Route& same_rail = topo->RouteBetween(0, 8);  // both local index 0 of their node
  EXPECT_EQ(same_rail.hops.size(), 4u);               // gpu, nic, leaf, nic, gpu
  EXPECT_DOUBLE_EQ(same_rail.bandwidth, 50e9);
  const Route& cross_rail = topo->RouteBetween(1, 8);
  EXPECT_EQ(cross_rail.hops.size(), 6u);  // through the spine
  EXPECT_GT(cross_rail.latency, same_rail.latency);
}

TEST(TopologyTest, BisectionOfSwitchedMeshAndCluster) {
  auto one = Topology::Build(FixtureSystem());
  ASSERT_TRUE(one);
  std::vector<int> all8 = {0, 1, 2, 3, 4, 5, 6, 7};
  // The halves are the two nodes: 4 GPUs' NVLink-style bandwidth plus their 4 rail NICs.
  EXPECT_NEAR(one->BisectionBandwidth(all8), 4 * 400e9 + 4 * 50e9, 1e6);
  EXPECT_NEAR(one->BisectionBandwidth({2, 6}), 400e9 + 50e9, 1e6);
  EXPECT_EQ(one->BisectionBandwidth({3}), 0);

  std::string mesh_yaml = Replace(kSystemYaml, "topology: switched", "topology: mesh");
  mesh_yaml = Replace(mesh_yaml,
                      "  tiers:\n    - name: xswitch\n      per: domain\n"
                      "      chips: {value: 4, source: https://example.org/s}\n",
                      "");
  auto mesh = Topology::Build(FixtureSystem(mesh_yaml));
  ASSERT_TRUE(mesh) << mesh.error().ToString();
  // 4 x 4 pairs cross the cut, each link 400/7 GB/s; plus the 4 rail NICs.
  EXPECT_NEAR(mesh->BisectionBandwidth(all8), 16 * 400e9 / 7 + 4 * 50e9, 1e6);

  auto two = Topology::Build(FixtureSystem(), FabricOptions{.systems = 2});
  ASSERT_TRUE(two);
  std::vector<int> all16(16);
  for (int i = 0; i < 16; ++i) all16[i] = i;
  EXPECT_NEAR(two->BisectionBandwidth(all16), 8 * 50e9, 1e6);

  // Every node under its own leaves and 2:1 oversubscribed uplinks: the spine halves it.
  auto thin = Topology::Build(
      FixtureSystem(), FabricOptions{.systems = 2, .oversubscription = 2, .nodes_per_leaf = 1});
  ASSERT_TRUE(thin);
  EXPECT_NEAR(thin->BisectionBandwidth(all16), 8 * 25e9, 1e6);
}

TEST(TopologyTest, RejectsBadFabricOptions) {
  EXPECT_EQ(Topology::Build(FixtureSystem(), FabricOptions{.systems = 0}).error().code,
            ErrorCode::kUsage);
  EXPECT_EQ(Topology::Build(FixtureSystem(), FabricOptions{.oversubscription = 0.5}).error().code,
            ErrorCode::kUsage);
}

TEST(TopologyTest, RealSystemsBuild) {
  for (const System& sys : RealCatalog().systems()) {
    auto topo = Topology::Build(sys, FabricOptions{.systems = 2});
    ASSERT_TRUE(topo) << sys.id << ": " << topo.error().ToString();
    EXPECT_EQ(topo->AcceleratorCount(), 2 * sys.accelerator_count()) << sys.id;
    // Inside a domain the route is scale-up only; across systems it uses the NICs.
    const int last = sys.domain_accelerators() - 1;
    if (last > 0) {
      for (const Hop& h : topo->RouteBetween(0, last).hops) {
        EXPECT_EQ(topo->links()[h.link].kind, LinkKind::kScaleUp) << sys.id;
      }
    }
    bool uses_nic = false;
    for (const Hop& h : topo->RouteBetween(0, sys.accelerator_count()).hops) {
      uses_nic = uses_nic || topo->links()[h.link].kind == LinkKind::kScaleOut;
    }
    EXPECT_TRUE(uses_nic) << sys.id;
  }
}

TEST(TopologyTest, CloudMatrixTwoTierRoutes) {
  const System& cm = *RealCatalog().FindSystem("cloudmatrix-384").value();
  auto topo = Topology::Build(cm);
  ASSERT_TRUE(topo);
  EXPECT_EQ(topo->DomainCount(), 1);
  const Route& in_node = topo->RouteBetween(0, 7);
  const Route& across = topo->RouteBetween(0, 383);
  EXPECT_EQ(in_node.hops.size(), 2u);  // NPU -> L1 -> NPU
  EXPECT_EQ(across.hops.size(), 4u);   // NPU -> L1 -> L2 -> L1 -> NPU
  EXPECT_GT(across.latency, in_node.latency);
  // Non-blocking Clos: the full bisection of 384 NPUs is half of them at full UB bandwidth.
  std::vector<int> all(384);
  for (int i = 0; i < 384; ++i) all[i] = i;
  // (plus the NICs, which join the two halves through the RDMA plane).
  const double expected = 192 * (cm.ScaleUpBandwidth().value + cm.NicBandwidthPerAccelerator());
  EXPECT_NEAR(topo->BisectionBandwidth(all), expected, 1e-6 * expected);
}

TEST(TopologyTest, MetaxGridForwardsAndStaysOnMetaxLink) {
  const System& mx = *RealCatalog().FindSystem("metax-s8000-g2").value();
  ASSERT_EQ(mx.topology, ScaleUpTopology::kMesh3D);
  ASSERT_EQ(mx.grid, (std::array<int, 3>{4, 4, 4}));
  auto topo = Topology::Build(mx);
  ASSERT_TRUE(topo);
  const double link_bw = mx.ScaleUpBandwidth().value / mx.accelerator.scale_up_links.value;
  // Corner to corner of a 4x4x4 grid: 3 hops in each dimension, through other GPUs.
  const Route& far = topo->RouteBetween(0, 63);
  EXPECT_EQ(far.hops.size(), 9u);
  EXPECT_NEAR(far.latency, 9 * mx.scale_up_latency.value, 1e-12);
  EXPECT_DOUBLE_EQ(far.bandwidth, link_bw);
  for (const Hop& h : far.hops) EXPECT_EQ(topo->links()[h.link].kind, LinkKind::kScaleUp);
  EXPECT_EQ(topo->RouteBetween(0, 1).hops.size(), 1u);   // x neighbour
  EXPECT_EQ(topo->RouteBetween(0, 16).hops.size(), 1u);  // z neighbour
  // Halves z<2 and z>=2 are joined by the 16 links of one grid plane, plus the NICs of the
  // 4 servers on each side.
  std::vector<int> all(64);
  for (int i = 0; i < 64; ++i) all[i] = i;
  EXPECT_NEAR(topo->BisectionBandwidth(all), 16 * link_bw + 32 * mx.NicBandwidthPerAccelerator(),
              1e3);
}

// Property test: on random groups of a 4-system cluster of every catalog system, routes are
// well-formed (start and end at the right accelerators, pass through a third one only in a grid,
// are as wide as their narrowest link) and bisection is positive and bounded by the group's
// injection bandwidth.
TEST(TopologyTest, RandomGroupsProperties) {
  std::mt19937_64 rng(7);
  for (const System& sys : RealCatalog().systems()) {
    auto topo = Topology::Build(sys, FabricOptions{.systems = 4, .oversubscription = 2});
    ASSERT_TRUE(topo) << sys.id;
    const int n = topo->AcceleratorCount();
    std::uniform_int_distribution<int> pick(0, n - 1);
    for (int trial = 0; trial < 20; ++trial) {
      const int a = pick(rng);
      int b = pick(rng);
      if (a == b) b = (a + 1) % n;
      const Route& r = topo->RouteBetween(a, b);
      ASSERT_FALSE(r.hops.empty()) << sys.id;
      int at = a;
      double narrowest = 1e300;
      for (std::size_t i = 0; i < r.hops.size(); ++i) {
        const TopoLink& l = topo->links()[r.hops[i].link];
        EXPECT_EQ(r.hops[i].forward ? l.a : l.b, at);
        at = r.hops[i].forward ? l.b : l.a;
        if (i + 1 < r.hops.size() && topo->nodes()[at].kind == NodeKind::kAccelerator) {
          EXPECT_TRUE(topo->nodes()[at].forwards) << sys.id;
        }
        narrowest = std::min(narrowest, l.bandwidth);
      }
      EXPECT_EQ(at, b);
      EXPECT_DOUBLE_EQ(r.bandwidth, narrowest);
      EXPECT_GT(r.latency, 0);
      EXPECT_NEAR(topo->RouteBetween(b, a).latency, r.latency, 1e-12) << sys.id;
    }
    for (int trial = 0; trial < 3; ++trial) {
      std::set<int> group;
      const int size = 2 + static_cast<int>(rng() % 15);
      while (static_cast<int>(group.size()) < size) group.insert(pick(rng));
      const std::vector<int> members(group.begin(), group.end());
      const double bisection = topo->BisectionBandwidth(members);
      EXPECT_GT(bisection, 0) << sys.id;
      // No cut can carry more than what half the group can inject over all its links.
      double injection = 0;
      for (std::size_t i = 0; i < members.size() / 2; ++i) {
        for (const TopoLink& l : topo->links()) {
          if (l.a == members[i] || l.b == members[i]) injection += l.bandwidth;
        }
      }
      EXPECT_LE(bisection, injection * (1 + 1e-9)) << sys.id;
    }
  }
}

}  // namespace
}  // namespace aiinfra::hw
