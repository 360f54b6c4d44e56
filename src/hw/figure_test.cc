#include "hw/figure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiinfra::hw {
namespace {

using ::testing::HasSubstr;

Result<Figure> Read(const std::string& yaml, Quantity kind) {
  auto doc = ParseYaml("f: " + yaml + "\n", "fig.yaml");
  EXPECT_TRUE(doc) << doc.error().ToString();
  return ReadFigure(YamlMap::From(*doc)->Required("f").value(), kind);
}

TEST(FigureTest, ReadsValueAndProvenanceInSiUnits) {
  auto f = Read("{value: 900GB/s, source: https://x, note: bidir halved}", Quantity::kRate);
  ASSERT_TRUE(f) << f.error().ToString();
  EXPECT_DOUBLE_EQ(f->value, 900e9);
  EXPECT_EQ(f->source, "https://x");
  EXPECT_EQ(f->note, "bidir halved");
  EXPECT_FALSE(f->is_estimated());
  EXPECT_EQ(f->where.line, 1);
  EXPECT_EQ(FormatFigure(*f, Quantity::kRate), "900GB/s");
  auto e = Read("{value: 1us, estimated: from NCCL}", Quantity::kDuration);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->is_estimated());
  EXPECT_DOUBLE_EQ(e->value, 1e-6);
}

TEST(FigureTest, RejectsMissingOrDoubleProvenanceAndWrongUnits) {
  EXPECT_THAT(Read("{value: 8}", Quantity::kCount).error().message, HasSubstr("source"));
  EXPECT_THAT(Read("{value: 8, source: a, estimated: b}", Quantity::kCount).error().message,
              HasSubstr("not both"));
  auto unit = Read("{value: 80GB, source: a}", Quantity::kRate);
  ASSERT_FALSE(unit);
  EXPECT_EQ(unit.error().where.field, "f.value");
  EXPECT_FALSE(Read("{value: 8, source: a, typo: 1}", Quantity::kCount));
  EXPECT_FALSE(Read("8", Quantity::kCount));  // a bare number has no provenance
  auto zero =
      ReadPositiveFigure(YamlMap::From(ParseYaml("f: {value: 0, source: a}\n", "z.yaml").value())
                             ->Required("f")
                             .value(),
                         Quantity::kCount);
  ASSERT_FALSE(zero);
  EXPECT_THAT(zero.error().message, HasSubstr("greater than zero"));
}

}  // namespace
}  // namespace aiinfra::hw
