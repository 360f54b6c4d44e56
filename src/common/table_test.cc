#include "common/table.h"

#include <gtest/gtest.h>

namespace aiinfra {
namespace {

TEST(TextTable, NumbersRightTextLeftWithHeaderRule) {
  TextTable t({"SYSTEM", "CHIPS", "MEMORY"});
  t.AddRow({"gb200-nvl72", "72", "13.5TB"});
  t.AddRow({"hgx-h100", "8", "640 GB"});
  EXPECT_EQ(t.Render(),
            "SYSTEM       CHIPS  MEMORY\n"
            "-----------  -----  ------\n"
            "gb200-nvl72     72  13.5TB\n"
            "hgx-h100         8  640 GB\n");
}

TEST(TextTable, MixedColumnIsLeftAlignedAndDashesDoNotCount) {
  TextTable t({"A", "B"});
  t.AddRow({"1", "x"});
  t.AddRow({"-", "22"});
  t.AddRow({"", "3"});
  t.AddRow({"100", "y"});
  EXPECT_EQ(t.Render(),
            "  A  B\n"
            "---  --\n"
            "  1  x\n"
            "  -  22\n"
            "     3\n"
            "100  y\n");
}

TEST(TextTable, WidthCountsTerminalColumnsNotBytes) {
  EXPECT_EQ(DisplayWidth("abc"), 3);
  EXPECT_EQ(DisplayWidth("20µs"), 4);
  EXPECT_EQ(DisplayWidth("—"), 1);
  EXPECT_EQ(DisplayWidth("昇腾"), 4);       // East Asian wide
  EXPECT_EQ(DisplayWidth("e\xcc\x81"), 1);  // e + combining acute
  EXPECT_EQ(DisplayWidth("\xff"), 1);       // invalid byte

  TextTable t({"NAME", "LATENCY"});
  t.AddRow({"昇腾", "20µs"});
  t.AddRow({"x", "1.5ms"});
  EXPECT_EQ(t.Render(),
            "NAME  LATENCY\n"
            "----  -------\n"
            "昇腾     20µs\n"
            "x       1.5ms\n");
}

TEST(TextTable, NoTrailingSpacesAndRaggedRows) {
  TextTable t;
  t.AddRow({"a", "bbbb"});
  t.AddRow({"cccc"});
  t.AddRow({"d", "e", "f"});
  EXPECT_EQ(t.columns(), 3u);
  EXPECT_EQ(t.Render(),
            "a     bbbb\n"
            "cccc\n"
            "d     e     f\n");
}

TEST(TextTable, StyleIndentGapAndNoRule) {
  TextTable t({"K", "V"});
  t.set_style({.indent = 2, .gap = 1, .header_rule = false});
  t.AddRow({"key", "value"});
  EXPECT_EQ(t.Render(), "  K   V\n  key value\n");
}

TEST(TextTable, ExplicitAlignmentOverridesAuto) {
  TextTable t;
  t.SetAlign(0, TextTable::Align::kLeft);
  t.SetAlign(1, TextTable::Align::kRight);
  t.AddRow({"1", "ab"});
  t.AddRow({"22", "c"});
  EXPECT_EQ(t.Render(), "1   ab\n22   c\n");
}

TEST(TextTable, MaxWidthTruncatesWithEllipsis) {
  TextTable t({"NAME", "N"});
  t.SetMaxWidth(0, 5);
  t.AddRow({"abcdefgh", "1"});
  t.AddRow({"abc", "2"});
  EXPECT_EQ(t.Render(),
            "NAME   N\n"
            "-----  -\n"
            "abcd…  1\n"
            "abc    2\n");
}

TEST(TextTable, NewlinesInCellsStayOnOneLine) {
  TextTable t;
  t.AddRow({"a\nb", "c\td"});
  EXPECT_EQ(t.Render(), "a b  c d\n");
}

TEST(TextTable, EmptyTableRendersNothing) {
  EXPECT_EQ(TextTable().Render(), "");
  EXPECT_EQ(TextTable({"A"}).Render(), "A\n-\n");
}

TEST(LooksNumeric, NumbersWithUnits) {
  for (const char* yes : {"72", "+3", "-1.5", ".5", "1e-3", "2.5E+6", "13.5TB", "400 Gb/s", "20ms",
                          "20µs", "45%", "3.2x", "1.5GiB"}) {
    EXPECT_TRUE(LooksNumeric(yes)) << yes;
  }
  for (const char* no : {"", "-", "H100", "8x H100", "2024-01-01", "1.2.3", "1 2", "abc", "e5",
                         "10 Gb/s x", "1:30"}) {
    EXPECT_FALSE(LooksNumeric(no)) << no;
  }
}

}  // namespace
}  // namespace aiinfra
