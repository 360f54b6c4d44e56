#include "perf/reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "perf/test_support.h"

namespace aiinfra::perf {
namespace {

TEST(ReferenceTest, EveryPublishedResultIsPredictedWithin25Percent) {
  auto rows = LoadReference(DataSource());
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_GE(rows->size(), 20u);
  CommCache comm(testing::Tuning());
  std::vector<Validation> results;
  for (const ReferenceRow& row : *rows) {
    auto v =
        ValidateRow(row, testing::Hardware(), testing::Models(), testing::Calibrations(), comm);
    ASSERT_TRUE(v) << v.error().message;
    if (row.known_miss.empty()) {
      EXPECT_LE(std::abs(v->error), 0.25)
          << row.id << ": predicted " << v->predicted << ", published " << row.published;
    } else {
      // A known miss that the model now reproduces must lose its mark.
      EXPECT_GT(std::abs(v->error), 0.25) << row.id << " is marked known_miss but is within 25%";
    }
    results.push_back(*v);
  }
  std::cout << "median absolute error " << 100 * MedianAbsoluteError(results) << "%\n";
}

TEST(ReferenceTest, EveryRowNamesItsSourceAndACatalogConfiguration) {
  auto rows = LoadReference(DataSource());
  ASSERT_TRUE(rows);
  for (const ReferenceRow& row : *rows) {
    EXPECT_TRUE(row.source.starts_with("https://")) << row.id;
    EXPECT_FALSE(row.published_as.empty()) << row.id;
    EXPECT_TRUE(testing::Models().Find(row.model)) << row.id;
    EXPECT_TRUE(testing::Hardware().FindSystem(row.system)) << row.id;
  }
}

TEST(ReferenceTest, ShippedFactorsNameRowsOfTheirAccelerator) {
  // "Fitted on" must point at published rows that exist and include the accelerator's own: a
  // factor cannot claim support from results it never saw.
  auto rows = LoadReference(DataSource());
  ASSERT_TRUE(rows);
  std::map<std::string, std::string> accelerator_of;
  for (const ReferenceRow& row : *rows) {
    accelerator_of[row.id] = (*testing::Hardware().FindSystem(row.system))->accelerator.id;
  }
  for (const Calibration& c : testing::Calibrations().all()) {
    if (c.accelerator != "default") {
      EXPECT_TRUE(testing::Hardware().FindAccelerator(c.accelerator)) << c.file;
    }
    for (const Factor* f : {&c.gemm, &c.moe_gemm, &c.attention, &c.memory, &c.step_overhead}) {
      if (f->fitted_on.empty()) continue;
      // Compute factors are shared by a chip family (H100 and H200 are both GH100), so they may
      // list rows of a sibling, but never only those of others.
      bool own = false;
      for (const std::string& id : f->fitted_on) {
        ASSERT_TRUE(accelerator_of.contains(id)) << c.file << ": unknown row " << id;
        own = own || accelerator_of[id] == c.accelerator;
      }
      EXPECT_TRUE(own) << c.file << ": a factor fitted on no row of " << c.accelerator;
    }
  }
}

TEST(ReferenceTest, MedianOfAbsoluteErrors) {
  std::vector<Validation> v(4);
  v[0].error = -0.3;
  v[1].error = 0.1;
  v[2].error = 0.05;
  v[3].error = -0.2;
  EXPECT_DOUBLE_EQ(MedianAbsoluteError(v), 0.15);
  v.pop_back();
  EXPECT_DOUBLE_EQ(MedianAbsoluteError(v), 0.1);
}

struct BadRow {
  std::string yaml;
  std::string message;
};

class BadReferenceTest : public ::testing::TestWithParam<BadRow> {};

TEST_P(BadReferenceTest, NamesLineAndField) {
  std::string base =
      "rows:\n"
      "  - id: x\n"
      "    title: t\n"
      "    source: https://example.com\n"
      "    published_as: p\n";
  DataFile f{"reference/published.yaml", "published.yaml", base + GetParam().yaml};
  auto r = ParseReference(f);
  ASSERT_FALSE(r);
  std::string text = r.error().ToString();
  EXPECT_NE(text.find(GetParam().message), std::string::npos) << text;
  EXPECT_NE(text.find("published.yaml:"), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadReferenceTest,
    ::testing::Values(
        BadRow{"    metric: tokens\n    published: 1\n    config: {}\n", "metric is one of"},
        BadRow{"    metric: ttft_s\n    published: 0\n    config: {}\n", "published must be > 0"},
        BadRow{"    metric: ttft_s\n    published: 1\n    config: {model: m, system: s, weights: "
               "fp8, tp: 2, gpus: 4, isl: 1, osl: 1}\n",
               "gpus 4 != tp x pp = 2"},
        BadRow{"    metric: ttft_s\n    published: 1\n    config: {model: m, system: s, weights: "
               "fp8, isl: 1, osl: 1, colour: red}\n",
               "colour"},
        BadRow{"    metric: ttft_s\n    published: 1\n    config: {model: m, system: s, weights: "
               "fp9, isl: 1, osl: 1}\n",
               "fp9"}),
    [](const ::testing::TestParamInfo<BadRow>& info) {
      return std::string("case") + std::to_string(info.index);
    });

}  // namespace
}  // namespace aiinfra::perf
