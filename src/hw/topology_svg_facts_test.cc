#include "hw/topology_svg_facts.h"

#include <gtest/gtest.h>

#include <string>

#include "hw/catalog.h"

namespace aiinfra::hw {
namespace {

const Catalog& RealCatalog() {
  static const Catalog catalog = Catalog::Load(DataSource()).value();
  return catalog;
}

Topology Build(const std::string& id, int systems = 1) {
  auto system = RealCatalog().FindSystem(id);
  EXPECT_TRUE(system) << system.error().ToString();
  auto topo = Topology::Build(**system, FabricOptions{.systems = systems});
  EXPECT_TRUE(topo) << topo.error().ToString();
  return std::move(*topo);
}

TEST(PictureFactsTest, HgxServerHasItsSwitchBarInside) {
  const Topology topo = Build("hgx-h100", 3);
  const PictureFacts f(topo);
  EXPECT_EQ(f.layout, DomainLayout::kInNode);
  EXPECT_EQ(f.bar, NodeBar::kPerDomain);
  EXPECT_EQ(f.node_word, "server");
  EXPECT_EQ(f.AccName(12), "GPU 12");
  EXPECT_EQ(f.drawn, 3);
  EXPECT_EQ(f.leaves.size(), 8u);  // one rail leaf per GPU of a server
  EXPECT_EQ(f.total_leaves, 8);
  EXPECT_GE(f.spine, 0);
  EXPECT_EQ(f.rail_nics.size(), 3u * 8u);  // every system on every leaf
  EXPECT_EQ(f.CpusOf(0, 0).size(), 2u);
  EXPECT_TRUE(f.CpusOf(5, 0).empty());  // no such system
  for (int g = 0; g < 8; ++g) EXPECT_GE(f.acc_cpu[g], 0) << g;
  EXPECT_GT(f.nic_bw, 0);
  EXPECT_GT(f.host_bw, 0);
  EXPECT_EQ(f.Title(), "3 × " + topo.system().name);
}

TEST(PictureFactsTest, SpanningDomainsGetAColumnOrATopBar) {
  const Topology nvl72 = Build("gb200-nvl72");
  const PictureFacts column(nvl72);
  EXPECT_EQ(column.layout, DomainLayout::kColumn);
  EXPECT_EQ(column.bar, NodeBar::kNone);
  EXPECT_EQ(column.node_word, "compute tray");

  const Topology cloudmatrix = Build("cloudmatrix-384");
  const PictureFacts top_bar(cloudmatrix);
  EXPECT_EQ(top_bar.layout, DomainLayout::kTopBar);
  EXPECT_EQ(top_bar.bar, NodeBar::kFirstTier);
  EXPECT_EQ(top_bar.acc_word, "NPU");
  EXPECT_GT(top_bar.uplink_bw, 0);
}

TEST(PictureFactsTest, MeshInsideANodeIsDrawnInTheNode) {
  const Topology topo = Build("mi300x-8gpu");
  const PictureFacts f(topo);
  EXPECT_EQ(f.layout, DomainLayout::kInNode);
  EXPECT_EQ(f.bar, NodeBar::kNone);
  EXPECT_GT(f.mesh_bw, 0);
}

TEST(PictureFactsTest, LargeClustersDrawTheirFirstSystems) {
  const Topology topo = Build("hgx-h100", 100);
  const PictureFacts f(topo);
  EXPECT_EQ(f.drawn, kMaxSystemsDrawn);
  EXPECT_EQ(f.rail_nics.rbegin()->first.first, kMaxSystemsDrawn - 1);  // only drawn systems
}

TEST(PictureFactsTest, LegendEndsWithTotalsAndBandwidths) {
  const Topology topo = Build("hgx-h100", 2);
  const Legend legend = PictureFacts(topo).MakeLegend();
  EXPECT_EQ(legend.captions, 2u);
  ASSERT_GE(legend.notes.size(), 2u);
  EXPECT_EQ(legend.notes[legend.notes.size() - 2].rfind("Totals: 16 GPUs", 0), 0u);
  EXPECT_EQ(legend.notes.back().rfind("Bandwidth per direction:", 0), 0u);
  EXPECT_EQ(legend.key_title, "rails:");
  EXPECT_EQ(legend.keys.size(), 8u);
  EXPECT_EQ(legend.key_note, "");  // 8 rails, 8 colours
}

}  // namespace
}  // namespace aiinfra::hw
