#include "hw/topology_svg.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "hw/catalog.h"

namespace aiinfra::hw {
namespace {

const Catalog& RealCatalog() {
  static const Catalog catalog = Catalog::Load(DataSource()).value();
  return catalog;
}

const System& FindSystem(const std::string& id) {
  auto found = RealCatalog().FindSystem(id);
  EXPECT_TRUE(found) << found.error().ToString();
  return **found;
}

// Renders `system` x `systems`; with AIINFRA_SVG_DIR set, also writes DIR/<file> for viewing.
std::string Render(const System& system, int systems = 1, const std::string& file = "",
                   double oversubscription = 1.0) {
  auto topo = Topology::Build(
      system, FabricOptions{.systems = systems, .oversubscription = oversubscription});
  EXPECT_TRUE(topo) << topo.error().ToString();
  std::string svg = RenderTopologySvg(*topo);
  if (const char* dir = std::getenv("AIINFRA_SVG_DIR"); dir != nullptr && !file.empty()) {
    std::ofstream(std::string(dir) + "/" + file) << svg;
  }
  return svg;
}

std::size_t Occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

// A small XML well-formedness check: elements closed in order, attribute values quoted and free
// of '<', every '&' an entity, comments/CDATA/declarations skipped. Returns "" when well-formed.
std::string CheckXml(const std::string& xml) {
  std::vector<std::string> open;
  std::size_t i = 0;
  int roots = 0;
  auto name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
           c == '.';
  };
  auto check_entity = [&](std::size_t at) -> bool {
    static const char* kEntities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"};
    for (const char* e : kEntities) {
      if (xml.compare(at, std::char_traits<char>::length(e), e) == 0) return true;
    }
    return false;
  };
  while (i < xml.size()) {
    if (xml[i] == '&') {
      if (!check_entity(i)) return "bare & at " + std::to_string(i);
      ++i;
      continue;
    }
    if (xml[i] != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(xml[i]))) {
        return "text outside the root at " + std::to_string(i);
      }
      ++i;
      continue;
    }
    auto skip_to = [&](const char* end) -> bool {
      const auto pos = xml.find(end, i);
      if (pos == std::string::npos) return false;
      i = pos + std::char_traits<char>::length(end);
      return true;
    };
    if (xml.compare(i, 5, "<?xml") == 0) {
      if (!skip_to("?>")) return "unterminated declaration";
      continue;
    }
    if (xml.compare(i, 4, "<!--") == 0) {
      if (!skip_to("-->")) return "unterminated comment";
      continue;
    }
    if (xml.compare(i, 9, "<![CDATA[") == 0) {
      if (!skip_to("]]>")) return "unterminated CDATA";
      continue;
    }
    if (xml.compare(i, 2, "</") == 0) {
      std::size_t j = i + 2;
      while (j < xml.size() && name_char(xml[j])) ++j;
      const std::string name = xml.substr(i + 2, j - i - 2);
      if (j >= xml.size() || xml[j] != '>') return "bad end tag " + name;
      if (open.empty() || open.back() != name) {
        return "</" + name + "> closes <" + (open.empty() ? "" : open.back()) + "> at " +
               std::to_string(i);
      }
      open.pop_back();
      i = j + 1;
      continue;
    }
    std::size_t j = i + 1;
    while (j < xml.size() && name_char(xml[j])) ++j;
    const std::string name = xml.substr(i + 1, j - i - 1);
    if (name.empty()) return "bad '<' at " + std::to_string(i);
    if (open.empty() && ++roots > 1) return "second root element " + name;
    while (true) {
      while (j < xml.size() && std::isspace(static_cast<unsigned char>(xml[j]))) ++j;
      if (j >= xml.size()) return "unterminated tag " + name;
      if (xml.compare(j, 2, "/>") == 0) {
        i = j + 2;
        break;
      }
      if (xml[j] == '>') {
        open.push_back(name);
        i = j + 1;
        break;
      }
      const std::size_t attr = j;
      while (j < xml.size() && name_char(xml[j])) ++j;
      if (j == attr) return "bad attribute in <" + name + "> at " + std::to_string(j);
      if (j >= xml.size() || xml[j] != '=') return "attribute without value in <" + name + ">";
      ++j;
      if (j >= xml.size() || (xml[j] != '"' && xml[j] != '\'')) {
        return "unquoted attribute in <" + name + "> at " + std::to_string(j);
      }
      const char quote = xml[j];
      const std::size_t end = xml.find(quote, j + 1);
      if (end == std::string::npos) return "unterminated attribute in <" + name + ">";
      for (std::size_t k = j + 1; k < end; ++k) {
        if (xml[k] == '<') return "'<' in an attribute of <" + name + ">";
        if (xml[k] == '&' && !check_entity(k)) return "bare & in an attribute of <" + name + ">";
      }
      j = end + 1;
    }
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  if (roots != 1) return "no root element";
  return "";
}

void ExpectDocument(const std::string& svg) {
  EXPECT_EQ(CheckXml(svg), "");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u) << svg.substr(0, 80);
  EXPECT_NE(svg.find(R"(xmlns="http://www.w3.org/2000/svg")"), std::string::npos);
  EXPECT_NE(svg.find("viewBox=\"0 0 "), std::string::npos);
  EXPECT_NE(svg.find("<title>"), std::string::npos);
  EXPECT_NE(svg.find("<style"), std::string::npos);
  EXPECT_EQ(svg.find("href"), std::string::npos);  // no external resources
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

TEST(TopologySvgTest, CheckerRejectsBrokenXml) {
  EXPECT_EQ(CheckXml(R"(<svg a="1"><g><text>x &amp; y</text></g></svg>)"), "");
  EXPECT_NE(CheckXml("<svg><g></svg></g>"), "");
  EXPECT_NE(CheckXml("<svg a=1></svg>"), "");
  EXPECT_NE(CheckXml("<svg><text>a & b</text></svg>"), "");
  EXPECT_NE(CheckXml("<svg><g>"), "");
}

TEST(TopologySvgTest, HgxH100ServerWithNvSwitchBar) {
  const std::string svg = Render(FindSystem("hgx-h100"), 1, "hgx-h100.svg");
  ExpectDocument(svg);
  EXPECT_EQ(Occurrences(svg, R"(class="acc")"), 8u);
  EXPECT_EQ(Occurrences(svg, R"(class="sw t0")"), 1u);  // the NVSwitch bar on the board
  EXPECT_EQ(Occurrences(svg, R"(class="cpu")"), 2u);
  std::size_t nics = 0;
  for (int rail = 0; rail < 8; ++rail) {
    nics += Occurrences(svg, "class=\"nic r" + std::to_string(rail) + "\"");
  }
  EXPECT_EQ(nics, 8u);  // one per GPU, coloured by rail (the legend's swatches are "lg")
  EXPECT_NE(svg.find("NVSwitch (3rd gen) · 4 chips"), std::string::npos);
  EXPECT_NE(svg.find("NIC 400Gb/s"), std::string::npos);
  EXPECT_NE(svg.find("450GB/s per GPU per direction"), std::string::npos);
}

TEST(TopologySvgTest, Nvl72ShowsNineSwitchTraysAndEighteenComputeTrays) {
  const std::string svg = Render(FindSystem("gb200-nvl72"), 1, "gb200-nvl72.svg");
  ExpectDocument(svg);
  EXPECT_EQ(Occurrences(svg, R"(class="acc")"), 72u);
  EXPECT_EQ(Occurrences(svg, R"(class="switch-tray")"), 9u);
  EXPECT_EQ(Occurrences(svg, R"(class="node")"), 18u);
  EXPECT_NE(svg.find("compute tray 17"), std::string::npos);
  EXPECT_NE(svg.find("18 chips in 9 trays"), std::string::npos);
  // One bundled line per tray, not one per GPU and switch chip.
  EXPECT_EQ(Occurrences(svg, R"(<line class="su bundle")"), 18u);
  EXPECT_NE(svg.find("4 × 900GB/s"), std::string::npos);
  EXPECT_LT(svg.size(), 300'000u);
  RecordProperty("nvl72_svg_bytes", std::to_string(svg.size()));
}

TEST(TopologySvgTest, CloudMatrixTwoTierClos) {
  const std::string svg = Render(FindSystem("cloudmatrix-384"), 1, "cloudmatrix-384.svg");
  ExpectDocument(svg);
  EXPECT_EQ(Occurrences(svg, R"(class="acc")"), 384u);
  EXPECT_EQ(Occurrences(svg, R"(class="sw t0")"), 48u);  // L1 in every node
  EXPECT_EQ(Occurrences(svg, R"(class="sw t1")"), 1u);   // the L2 tier above all nodes
  EXPECT_NE(svg.find("UB switch L2"), std::string::npos);
  EXPECT_NE(svg.find("two-tier UB Clos"), std::string::npos);
  EXPECT_NE(svg.find("NPU 383"), std::string::npos);
  EXPECT_LT(svg.size(), 1'000'000u);
  RecordProperty("cloudmatrix_svg_bytes", std::to_string(svg.size()));
}

TEST(TopologySvgTest, Mi300xMeshDrawsEveryPair) {
  const std::string svg = Render(FindSystem("mi300x-8gpu"), 1, "mi300x-8gpu.svg");
  ExpectDocument(svg);
  EXPECT_EQ(Occurrences(svg, R"(class="acc")"), 8u);
  EXPECT_EQ(Occurrences(svg, R"(<line class="su")"), 28u);  // 8 choose 2
  EXPECT_NE(svg.find("full mesh"), std::string::npos);
  EXPECT_NE(svg.find("per link per direction"), std::string::npos);
}

TEST(TopologySvgTest, ThreeHgxSystemsUnderRailLeavesAndSpine) {
  const std::string svg = Render(FindSystem("hgx-h100"), 3, "hgx-h100-x3.svg");
  ExpectDocument(svg);
  EXPECT_EQ(Occurrences(svg, R"(class="acc")"), 24u);
  EXPECT_EQ(Occurrences(svg, R"(class="sys")"), 3u);
  EXPECT_EQ(Occurrences(svg, "<rect class=\"leaf r"), 8u);  // one leaf per rail
  EXPECT_EQ(Occurrences(svg, R"(class="spine")"), 1u);
  // One line per system and rail, coloured by rail.
  EXPECT_EQ(Occurrences(svg, "<line class=\"so r"), 24u);
  EXPECT_NE(svg.find("system 2"), std::string::npos);
  EXPECT_NE(svg.find("oversubscription 1:1 (non-blocking)"), std::string::npos);
}

TEST(TopologySvgTest, OversubscriptionIsLabelled) {
  const std::string svg = Render(FindSystem("hgx-h100"), 2, "", 3.0);
  ExpectDocument(svg);
  EXPECT_NE(svg.find("oversubscription 3:1"), std::string::npos);
}

TEST(TopologySvgTest, LargeClusterIsSummarised) {
  const std::string svg = Render(FindSystem("hgx-h100"), 100, "hgx-h100-x100.svg");
  ExpectDocument(svg);
  EXPECT_EQ(Occurrences(svg, R"(class="acc")"), 64u);  // 8 systems in full
  EXPECT_NE(svg.find("… 92 more systems"), std::string::npos);
  EXPECT_NE(svg.find("800 GPUs"), std::string::npos);
  EXPECT_LT(svg.size(), 1'000'000u);

  const std::string huge = Render(FindSystem("hgx-h100"), 4096);
  ExpectDocument(huge);
  EXPECT_EQ(Occurrences(huge, R"(class="acc")"), 64u);
  EXPECT_NE(huge.find("… 4088 more systems"), std::string::npos);
  EXPECT_NE(huge.find("… 1016 more"), std::string::npos);  // 128 leaf groups x 8 rails
  EXPECT_LT(huge.size(), 1'000'000u);

  const std::string racks = Render(FindSystem("gb200-nvl72"), 7, "gb200-nvl72-x7.svg");
  ExpectDocument(racks);
  EXPECT_EQ(Occurrences(racks, R"(class="switch-tray")") % 9, 0u);
  EXPECT_NE(racks.find("more system"), std::string::npos);
}

TEST(TopologySvgTest, TextIsEscaped) {
  System evil = FindSystem("hgx-h100");
  evil.name = R"(Evil <&> "box" 'x')";
  evil.cpu_model = "CPU <model> & co";
  const std::string svg = Render(evil, 2);
  ExpectDocument(svg);
  EXPECT_NE(svg.find("Evil &lt;&amp;&gt; &quot;box&quot; &apos;x&apos;"), std::string::npos);
  EXPECT_EQ(svg.find("<&>"), std::string::npos);
  EXPECT_EQ(svg.find("<model>"), std::string::npos);
}

TEST(TopologySvgTest, EveryCatalogSystemRenders) {
  for (const System& system : RealCatalog().systems()) {
    for (int systems : {1, 2}) {
      SCOPED_TRACE(system.id + " x" + std::to_string(systems));
      const std::string svg = Render(system, systems, systems == 1 ? system.id + ".svg" : "");
      ExpectDocument(svg);
      const int drawn = std::min(systems, std::max(1, 400 / system.accelerator_count()));
      EXPECT_EQ(Occurrences(svg, R"(class="acc")"),
                static_cast<std::size_t>(drawn * system.accelerator_count()));
    }
  }
}

}  // namespace
}  // namespace aiinfra::hw
