#include "hw/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "hw/test_fixtures.h"

namespace aiinfra::hw {
namespace {

using ::testing::HasSubstr;
using testing::kAcceleratorYaml;
using testing::kSystemYaml;
using testing::Replace;

Result<Catalog> LoadPair(const std::string& acc, const std::string& sys) {
  return Catalog::FromFiles({DataFile{"hardware/accelerators/test-gpu.yaml", "acc.yaml", acc}},
                            {DataFile{"hardware/systems/test-box.yaml", "sys.yaml", sys}});
}

TEST(CatalogTest, FixtureLoads) {
  auto catalog = LoadPair(kAcceleratorYaml, kSystemYaml);
  ASSERT_TRUE(catalog) << catalog.error().ToString();
  ASSERT_EQ(catalog->systems().size(), 1u);
  const System& sys = catalog->systems()[0];
  EXPECT_EQ(sys.accelerator.id, "test-gpu");
  EXPECT_EQ(sys.accelerator_count(), 8);
  EXPECT_EQ(sys.accelerators_per_node(), 4);
  EXPECT_DOUBLE_EQ(sys.NicRate().value, 50e9);
  EXPECT_DOUBLE_EQ(sys.ScaleUpBandwidth().value, 400e9);
  EXPECT_DOUBLE_EQ(sys.accelerator.Compute(ComputeDtype::kBF16)->value, 1e15);
  EXPECT_FALSE(sys.accelerator.Compute(ComputeDtype::kFP4).has_value());
  EXPECT_TRUE(sys.accelerator.Compute(ComputeDtype::kINT8)->is_estimated());
}

// Each bad document must fail with the file, the line of the offending node and the field.
struct BadCase {
  const char* name;
  bool in_system;
  const char* from;
  const char* to;
  int line;
  const char* field;
  const char* message;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class BadCatalogTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadCatalogTest, ErrorNamesFileLineAndField) {
  const BadCase& c = GetParam();
  std::string acc = kAcceleratorYaml;
  std::string sys = kSystemYaml;
  (c.in_system ? sys : acc) = Replace(c.in_system ? sys : acc, c.from, c.to);
  auto catalog = LoadPair(acc, sys);
  ASSERT_FALSE(catalog) << c.name;
  const Error& e = catalog.error();
  EXPECT_EQ(e.code, ErrorCode::kInvalidInput) << e.ToString();
  EXPECT_EQ(e.where.file, c.in_system ? "sys.yaml" : "acc.yaml") << e.ToString();
  EXPECT_EQ(e.where.line, c.line) << e.ToString();
  EXPECT_EQ(e.where.field, c.field) << e.ToString();
  EXPECT_THAT(e.message, HasSubstr(c.message)) << e.ToString();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadCatalogTest,
    ::testing::Values(
        BadCase{"syntax", false, "type: HBM3", "type: HBM3: x", 11, "", "YAML syntax error"},
        BadCase{"unknown field", false, "vendor: Example\n", "vendor: Example\nvendr: x\n", 4,
                "vendr", "unknown field \"vendr\""},
        BadCase{"missing field", false, "generation: Gen1\n", "", 1, "generation",
                "missing required field \"generation\""},
        BadCase{"bad unit", false, "3TB/s", "3TB", 14, "memory.bandwidth.value",
                "cannot parse \"3TB\""},
        BadCase{"negative", false, "value: 700W", "value: -700W", 21, "power.value", "negative"},
        BadCase{"no source", false, "links: {value: 16, source: https://example.org/a}",
                "links: {value: 16}", 18, "scale_up.links", "needs `source:`"},
        BadCase{"both source and estimate", false, "{value: 700W, source: https://example.org/a}",
                "{value: 700W, source: https://example.org/a, estimated: x}", 21, "power",
                "not both"},
        BadCase{"usable above capacity", false, "usable: {value: 79GB", "usable: {value: 90GB", 13,
                "memory.usable", "exceeds the capacity"},
        BadCase{"zero count", true, "accelerators: {value: 8", "accelerators: {value: 0", 4,
                "accelerators.value", "greater than zero"},
        BadCase{"fractional count", true, "nodes: {value: 2", "nodes: {value: 2.5", 5,
                "nodes.value", "whole number"},
        BadCase{"domain does not divide", true, "domain_size: {value: 8", "domain_size: {value: 3",
                12, "scale_up.domain_size", "must divide"},
        BadCase{"bad topology", true, "topology: switched", "topology: torus", 11,
                "scale_up.topology", "expected `switched`, `mesh` or `mesh3d`"},
        BadCase{"unknown accelerator", true, "accelerator: test-gpu", "accelerator: test-gpx", 3,
                "accelerator", "did you mean test-gpu"},
        BadCase{"id differs from file", true, "id: test-box", "id: other-box", 1, "id",
                "differs from the file name"},
        BadCase{"bad per", true, "per: domain", "per: rack", 15, "scale_up.tiers[0].per",
                "expected `node` or `domain`"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      std::string name = info.param.name;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(CatalogTest, EmbeddedCatalogLoadsWithEveryRequiredEntry) {
  auto catalog = Catalog::Load(DataSource());
  ASSERT_TRUE(catalog) << catalog.error().ToString();
  std::set<std::string> accelerators;
  for (const auto& a : catalog->accelerators()) accelerators.insert(a.id);
  for (const char* id :
       {"a100-sxm-80gb", "h100-sxm", "h800-sxm", "h20", "h200-sxm", "b200", "gb200", "gb300",
        "mi300x", "mi325x", "mi355x", "ascend-910c", "metax-c600"}) {
    EXPECT_TRUE(accelerators.contains(id)) << id;
  }
  std::set<std::string> systems;
  for (const auto& s : catalog->systems()) systems.insert(s.id);
  for (const char* id : {"hgx-a100", "hgx-h100", "hgx-h800", "hgx-h20", "hgx-h200", "hgx-b200",
                         "gb200-nvl72", "gb300-nvl72", "mi300x-8gpu", "mi325x-8gpu", "mi355x-8gpu",
                         "cloudmatrix-384", "metax-s8000-g2"}) {
    EXPECT_TRUE(systems.contains(id)) << id;
  }
}

TEST(CatalogTest, EmbeddedFiguresAgreeWithTheSpecTable) {
  // Spot checks against specs/hardware.md section 1 (dense peaks, per-direction bandwidths).
  auto catalog = Catalog::Load(DataSource());
  ASSERT_TRUE(catalog) << catalog.error().ToString();
  auto acc = [&](const char* id) { return *catalog->FindAccelerator(id).value(); };
  EXPECT_NEAR(acc("h100-sxm").Compute(ComputeDtype::kBF16)->value, 989.4e12, 1e12);
  EXPECT_NEAR(acc("h100-sxm").Compute(ComputeDtype::kFP8)->value, 1978.9e12, 1e12);
  EXPECT_NEAR(acc("h100-sxm").scale_up_bandwidth.value, 450e9, 1e9);
  EXPECT_NEAR(acc("b200").Compute(ComputeDtype::kFP4)->value, 9000e12, 1e12);
  EXPECT_NEAR(acc("gb200").Compute(ComputeDtype::kFP4)->value, 10000e12, 1e12);
  EXPECT_NEAR(acc("gb200").scale_up_bandwidth.value, 900e9, 1e9);
  EXPECT_NEAR(acc("mi300x").Compute(ComputeDtype::kBF16)->value, 1307.4e12, 1e12);
  EXPECT_NEAR(acc("h200-sxm").memory_bandwidth.value, 4.8e12, 0.01e12);
  EXPECT_FALSE(acc("ascend-910c").Compute(ComputeDtype::kFP8).has_value());
  EXPECT_FALSE(acc("h100-sxm").Compute(ComputeDtype::kFP4).has_value());
  auto sys = [&](const char* id) { return *catalog->FindSystem(id).value(); };
  EXPECT_EQ(sys("gb200-nvl72").accelerator_count(), 72);
  EXPECT_EQ(sys("gb200-nvl72").domain_accelerators(), 72);
  EXPECT_EQ(sys("gb200-nvl72").node_count(), 18);
  EXPECT_EQ(sys("cloudmatrix-384").accelerator_count(), 384);
  EXPECT_EQ(sys("cloudmatrix-384").node_count(), 48);
  EXPECT_EQ(sys("cloudmatrix-384").tiers.size(), 2u);
  EXPECT_EQ(sys("hgx-h100").accelerator_count(), 8);
  // Usable memory is modelled separately from the marketing capacity.
  EXPECT_LT(acc("b200").memory_usable.value, acc("b200").memory_capacity.value);
}

// Every `source:` in data/hardware is one or more URLs; every `estimated:` says something.
TEST(CatalogTest, EverySourceIsAUrlAndEveryEstimateHasReasoning) {
  int figures = 0;
  for (const char* dir : {"hardware/accelerators", "hardware/systems", "hardware/collective"}) {
    const std::vector<DataFile> files = DataSource().List(dir).value();
    for (const DataFile& file : files) {
      std::function<void(const YAML::Node&)> walk = [&](const YAML::Node& node) {
        if (node.IsMap()) {
          if (node["source"]) {
            ++figures;
            const std::string src = node["source"].as<std::string>();
            std::size_t start = 0;
            while (start < src.size()) {
              const std::size_t end = std::min(src.find(" ; ", start), src.size());
              const std::string url = src.substr(start, end - start);
              EXPECT_TRUE(url.starts_with("https://") || url.starts_with("http://"))
                  << file.display << ": " << url;
              start = end + 3;
            }
          }
          if (node["estimated"]) {
            ++figures;
            EXPECT_GT(node["estimated"].as<std::string>().size(), 20u) << file.display;
          }
          for (const auto& kv : node) walk(kv.second);
        } else if (node.IsSequence()) {
          for (const auto& item : node) walk(item);
        }
      };
      walk(YAML::Load(file.contents));
    }
  }
  EXPECT_GT(figures, 250);  // 27 files of about 10 figures each
}

TEST(CatalogTest, UnknownNamesSuggestCloseOnes) {
  auto catalog = Catalog::Load(DataSource());
  ASSERT_TRUE(catalog) << catalog.error().ToString();
  auto missing = catalog->FindSystem("gb200-nvl27");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(missing.error().message, HasSubstr("gb200-nvl72"));
}

TEST(CatalogTest, OverlayDirectoryMustExist) {
  auto catalog = Catalog::Load(DataSource("/nonexistent/aiinfra-data"));
  ASSERT_FALSE(catalog);
  EXPECT_EQ(catalog.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(catalog.error().message, HasSubstr("/nonexistent/aiinfra-data"));
}

}  // namespace
}  // namespace aiinfra::hw
