#include "api/ndjson.h"

#include <gtest/gtest.h>

#include <vector>

namespace aiinfra::api {
namespace {

TEST(NdjsonTest, ParsesLinesInAnySplitWithCrlfAndBlankLines) {
  const std::string stream = EncodeNdjson({{"response", "He"}, {"done", false}}) + "\r\n" +
                             "{\"response\":\"llo\\n\",\"done\":false}\r\n" +
                             EncodeNdjson({{"done", true}, {"eval_count", 2}});
  for (size_t step : {1, 3, 1000}) {
    NdjsonParser parser;
    std::vector<nlohmann::json> values;
    for (size_t i = 0; i < stream.size(); i += step) {
      ASSERT_TRUE(parser.Feed(std::string_view(stream).substr(i, step),
                              [&](nlohmann::json&& v) { values.push_back(std::move(v)); }));
    }
    ASSERT_TRUE(parser.Finish([&](nlohmann::json&& v) { values.push_back(std::move(v)); }));
    ASSERT_EQ(values.size(), 3u) << step;
    EXPECT_EQ(values[0]["response"], "He");
    EXPECT_EQ(values[1]["response"], "llo\n");
    EXPECT_EQ(values[2]["eval_count"], 2);
  }
}

TEST(NdjsonTest, TheLastLineWithoutANewlineCountsAtTheEnd) {
  NdjsonParser parser;
  int n = 0;
  const auto count = [&](nlohmann::json&&) { ++n; };
  ASSERT_TRUE(parser.Feed("{\"a\":1}\n{\"b\":2}", count));
  EXPECT_EQ(n, 1);
  ASSERT_TRUE(parser.Finish(count));
  EXPECT_EQ(n, 2);
}

TEST(NdjsonTest, ErrorsNameTheLine) {
  NdjsonParser parser;
  const auto ignore = [](nlohmann::json&&) {};
  const Status s = parser.Feed("{\"ok\":1}\n\n{\"broken\":\n", ignore);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "NDJSON line 3 is not JSON: {\"broken\":");
  NdjsonParser small(16);
  const Status big = small.Feed(std::string(40, ' '), ignore);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("line 1 is longer than 16 bytes"), std::string::npos);
}

}  // namespace
}  // namespace aiinfra::api
