#include "workload/csv.h"

#include <gtest/gtest.h>

#include <fstream>

namespace aiinfra::workload {
namespace {

std::vector<std::string> Split(std::string_view line) {
  std::vector<std::string> fields;
  auto status = SplitCsvLine(line, fields);
  EXPECT_TRUE(status.has_value()) << status.error().message;
  return fields;
}

TEST(CsvTest, SplitsPlainAndQuotedFields) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Split("a,b,c"), (V{"a", "b", "c"}));
  EXPECT_EQ(Split("a,,c\r"), (V{"a", "", "c"}));
  EXPECT_EQ(Split("\"x, y\",\"say \"\"hi\"\"\",z"), (V{"x, y", "say \"hi\"", "z"}));
  EXPECT_EQ(Split(""), (V{""}));
  EXPECT_EQ(Split("a,"), (V{"a", ""}));
}

TEST(CsvTest, RejectsBrokenQuotes) {
  std::vector<std::string> fields;
  EXPECT_FALSE(SplitCsvLine("\"open,b", fields).has_value());
  EXPECT_FALSE(SplitCsvLine("\"a\"b,c", fields).has_value());
}

TEST(CsvTest, FindsColumnsIgnoringCaseAndSpaces) {
  const std::vector<std::string> header{"Timestamp", " Request tokens ", "Model"};
  EXPECT_EQ(FindColumn(header, "request TOKENS"), 1);
  EXPECT_EQ(FindColumn(header, "timestamp"), 0);
  EXPECT_EQ(FindColumn(header, "Response tokens"), -1);
}

TEST(CsvTest, ReadsAColumnWithLocatedErrors) {
  const std::string path = testing::TempDir() + "/csv_test_column.csv";
  std::ofstream(path) << "id,len\n1,10\n\n2,20.5\n";
  auto values = ReadCsvColumn(path, "LEN");
  ASSERT_TRUE(values.has_value()) << values.error().ToString();
  EXPECT_EQ(*values, (std::vector<double>{10, 20.5}));

  std::ofstream(path) << "id,len\n1,10\n2,ten\n";
  auto bad = ReadCsvColumn(path, "len");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().where.line, 3);
  EXPECT_EQ(bad.error().where.field, "len");
  EXPECT_EQ(ReadCsvColumn(path + ".missing", "len").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace aiinfra::workload
