#include "api/sse.h"

#include <gtest/gtest.h>

#include <vector>

namespace aiinfra::api {
namespace {

// Feeds `text` in pieces of `step` bytes and returns the events.
std::vector<SseEvent> Parse(std::string_view text, size_t step = 1000000) {
  SseParser parser;
  std::vector<SseEvent> out;
  for (size_t i = 0; i < text.size(); i += step) {
    const Status s =
        parser.Feed(text.substr(i, step), [&](const SseEvent& e) { out.push_back(e); });
    EXPECT_TRUE(s) << s.error().message;
  }
  return out;
}

TEST(SseTest, EncodesOneDataLinePerLineAndTheDoneMarker) {
  EXPECT_EQ(EncodeSse(R"({"a":1})"), "data: {\"a\":1}\n\n");
  EXPECT_EQ(EncodeSse("x\ny\r\nz", "delta", "7"),
            "event: delta\nid: 7\ndata: x\ndata: y\ndata: z\n\n");
  EXPECT_EQ(EncodeSse(""), "data: \n\n");
  EXPECT_EQ(kSseDone, "data: [DONE]\n\n");
}

TEST(SseTest, ParsesWhatItEncodesInAnySplit) {
  const std::string stream = EncodeSse(R"({"choices":[{"delta":{"content":"Hi"}}]})") +
                             EncodeSse("two\nlines", "message", "42") + std::string(kSseDone);
  for (size_t step : {1, 2, 3, 7, 1000}) {
    const std::vector<SseEvent> events = Parse(stream, step);
    ASSERT_EQ(events.size(), 3u) << step;
    EXPECT_EQ(events[0].data, R"({"choices":[{"delta":{"content":"Hi"}}]})");
    EXPECT_EQ(events[1].data, "two\nlines");
    EXPECT_EQ(events[1].event, "message");
    EXPECT_EQ(events[1].id, "42");
    EXPECT_EQ(events[2].data, "[DONE]");
    EXPECT_EQ(events[2].id, "42");  // the last event id persists
  }
}

TEST(SseTest, FollowsTheStandardsLineRules) {
  // CR, LF and CRLF line ends (a CRLF split between reads too); a BOM; comments; no space after
  // the colon; a field without a colon; unknown fields; data lines joined.
  using std::string_literals::operator""s;
  const std::string stream =
      "\xEF\xBB\xBF: keep-alive\r\n"
      "data:first\rdata: second\r\n\r\n"
      "data\n\n"
      "retry: 3000\nfoo: bar\ndata:  two spaces\n\n"
      "retry: 30x\nid: a\0b\ndata: x\n\n"s;  // s: the NUL is part of the text
  for (size_t step : {1, 2, 5, 1000}) {
    const std::vector<SseEvent> events = Parse(stream, step);
    ASSERT_EQ(events.size(), 4u) << step;
    EXPECT_EQ(events[0].data, "first\nsecond");
    EXPECT_EQ(events[1].data, "");             // "data" with no colon: an empty value
    EXPECT_EQ(events[2].data, " two spaces");  // only one space is removed
    EXPECT_EQ(events[2].retry, 3000);
    EXPECT_FALSE(events[3].retry.has_value());  // not all digits: ignored
    EXPECT_EQ(events[3].id, "");                // an id with NUL is ignored
  }
}

TEST(SseTest, DropsEventsWithoutDataAndAnUnfinishedLastEvent) {
  const std::vector<SseEvent> events = Parse("event: ping\n\nid: 1\n\ndata: kept\n\ndata: cut");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "kept");
  EXPECT_EQ(events[0].event, "");  // the type of the dropped event does not leak
  EXPECT_EQ(events[0].id, "1");
}

TEST(SseTest, AnEventPastTheLimitIsAnError) {
  SseParser parser(64);
  int seen = 0;
  const auto count = [&](const SseEvent&) { ++seen; };
  ASSERT_TRUE(parser.Feed("data: small\n\n", count));
  EXPECT_EQ(seen, 1);
  const Status long_line = parser.Feed(std::string(100, 'x'), count);
  ASSERT_FALSE(long_line);
  EXPECT_NE(long_line.error().message.find("larger than 64 bytes"), std::string::npos);
  EXPECT_FALSE(parser.Feed("data: more\n\n", count));  // unusable afterwards
  SseParser lines(64);
  std::string many;
  for (int i = 0; i < 10; ++i) many += "data: 0123456789\n";
  EXPECT_FALSE(lines.Feed(many, count));  // short lines, but one event too big
}

}  // namespace
}  // namespace aiinfra::api
