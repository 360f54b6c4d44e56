#include "hw/collective_tuning.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiinfra::hw {
namespace {

using ::testing::HasSubstr;

constexpr const char* kTuning = R"(launch_latency: {value: 6us, source: https://x}
step_overhead: {value: 0.5us, estimated: e}
scale_up_efficiency: {value: 0.8, estimated: e}
nvls_efficiency: {value: 0.6, estimated: e}
scale_out_efficiency: {value: 0.9, estimated: e}
host_efficiency: {value: 0.8, estimated: e}
moe_efficiency: {value: 0.95, estimated: e}
)";

TEST(CollectiveTuningTest, EmbeddedFileLoadsWithEveryFigureSourced) {
  auto t = CollectiveTuning::Load(DataSource());
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_GT(t->launch_latency.value, 0);
  for (const Figure* f : {&t->scale_up_efficiency, &t->nvls_efficiency, &t->scale_out_efficiency,
                          &t->host_efficiency, &t->moe_efficiency}) {
    EXPECT_GT(f->value, 0);
    EXPECT_LE(f->value, 1);
    EXPECT_FALSE(f->source.empty() && f->estimated.empty());
  }
  EXPECT_DOUBLE_EQ(t->Efficiency(LinkKind::kScaleOut), t->scale_out_efficiency.value);
}

TEST(CollectiveTuningTest, RejectsEfficienciesAboveOneAndUnknownFields) {
  ASSERT_TRUE(CollectiveTuning::Parse(kTuning, "t.yaml"));
  std::string above = kTuning;
  above.replace(above.find("0.9"), 3, "1.2");
  auto bad = CollectiveTuning::Parse(above, "t.yaml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where.line, 5);
  EXPECT_THAT(bad.error().message, HasSubstr("fraction"));
  auto extra = CollectiveTuning::Parse(std::string(kTuning) + "tree_efficiency: 1\n", "t.yaml");
  ASSERT_FALSE(extra);
  EXPECT_EQ(extra.error().where.field, "tree_efficiency");
  std::string missing = kTuning;
  missing.erase(missing.find("moe_efficiency"));
  EXPECT_THAT(CollectiveTuning::Parse(missing, "t.yaml").error().message,
              HasSubstr("moe_efficiency"));
}

}  // namespace
}  // namespace aiinfra::hw
