#include "report/html_report.h"

#include <gtest/gtest.h>

namespace aiinfra::report {
namespace {

TEST(HtmlReportTest, EmbedsTheDataAndTheLibraryOrSaysHowToGetIt) {
  nlohmann::ordered_json data{{"title", "t"}, {"subtitle", "</script><b>x</b>"}};
  auto html = RenderHtmlReport(data);
  if (!HtmlReportAvailable()) {
    ASSERT_FALSE(html);
    EXPECT_NE(html.error().message.find("scripts/setup.sh"), std::string::npos);
    GTEST_SKIP() << "built without the chart library: only the error is checked";
  }
  ASSERT_TRUE(html) << html.error().message;
  EXPECT_EQ(html->rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html->find("uPlot"), std::string::npos);       // the library is inline
  EXPECT_EQ(html->find("src=\"http"), std::string::npos);  // nothing is fetched
  // The data's "</script>" cannot end the data element early.
  EXPECT_NE(html->find(R"("subtitle":"<\/script><b>x<\/b>")"), std::string::npos);
  EXPECT_EQ(html->find("\"</script><b>"), std::string::npos);
}

}  // namespace
}  // namespace aiinfra::report
