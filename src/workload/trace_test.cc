#include "workload/trace.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <sstream>

#include "workload/sampling.h"

namespace aiinfra::workload {
namespace {

struct Read {
  std::vector<RequestSpec> requests;
  std::vector<std::string> warnings;
  double mean_rate = 0;
};

Result<Read> ReadAll(const std::string& text, TraceFormat format, TraceOptions options = {},
                     const std::string& name = "t.csv") {
  AIINFRA_TRY(auto reader, TraceReader::FromStream(std::make_unique<std::istringstream>(text), name,
                                                   format, options));
  Read out;
  while (true) {
    AIINFRA_TRY(std::optional<RequestSpec> r, reader->Next());
    if (!r) break;
    out.requests.push_back(std::move(*r));
  }
  EXPECT_EQ(static_cast<int64_t>(out.requests.size()), reader->rows());
  out.warnings = reader->warnings();
  out.mean_rate = reader->mean_rate();
  return out;
}

// Requests on a 1 ms grid (every format's resolution divides it), first at 0, as a reader
// returns them: ids in order, each its own session.
std::vector<RequestSpec> Sample(int n, bool hashes) {
  Rng rng(5);
  std::vector<RequestSpec> out;
  int64_t ms = 0;
  for (int i = 0; i < n; ++i) {
    RequestSpec r;
    r.id = i;
    r.session_id = i;
    r.arrival = static_cast<double>(ms) / 1000.0;
    ms += static_cast<int64_t>(Exponential(rng, 1.0 / 700));
    r.input_tokens = 1 + static_cast<int64_t>(Uniform01(rng) * 9000);
    r.output_tokens = 1 + static_cast<int64_t>(Uniform01(rng) * 900);
    if (hashes) {
      for (int64_t b = 0; b < r.input_tokens / 512; ++b) r.prefix_hashes.push_back(rng() >> 1);
      r.hash_block_tokens = r.prefix_hashes.empty() ? 0 : 512;
    }
    out.push_back(r);
  }
  return out;
}

TEST(TraceTest, EachFormatRoundTripsThroughItsWriter) {
  for (TraceFormat format : {TraceFormat::kAzure, TraceFormat::kSplitwise, TraceFormat::kBurstGpt,
                             TraceFormat::kMooncake}) {
    SCOPED_TRACE(TraceFormatName(format));
    const std::vector<RequestSpec> written = Sample(300, format == TraceFormat::kMooncake);
    auto text = FormatTrace(format, written);
    ASSERT_TRUE(text.has_value()) << text.error().ToString();
    auto read = ReadAll(*text, format);
    ASSERT_TRUE(read.has_value()) << read.error().ToString();
    EXPECT_TRUE(read->warnings.empty());
    ASSERT_EQ(read->requests.size(), written.size());
    for (size_t i = 0; i < written.size(); ++i) {
      RequestSpec got = read->requests[i];
      if (format == TraceFormat::kAzure) {
        // 100 ns ticks: equal to the tick.
        ASSERT_NEAR(got.arrival, written[i].arrival, 1e-7) << i;
        got.arrival = written[i].arrival;
      }
      ASSERT_EQ(got, written[i]) << "request " << i;
    }
  }
}

std::string TracesDir() {
  return (std::filesystem::path(AIINFRA_SOURCE_DIR) / ".." / "shared" / "data" / "traces").string();
}

TEST(TraceTest, ReadsTheRealSplitwiseConversationTrace) {
  const std::string path = TracesDir() + "/splitwise_conv.csv";
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "no " << path << " (../shared/data/traces is absent outside the workspace)";
  }
  auto reader = TraceReader::Open(path, TraceFormat::kSplitwise);
  ASSERT_TRUE(reader.has_value()) << reader.error().ToString();
  EXPECT_EQ((*reader)->rows(), 19366);
  EXPECT_TRUE((*reader)->warnings().empty());
  auto first = (*reader)->Next();
  ASSERT_TRUE(first.has_value() && first->has_value());
  EXPECT_DOUBLE_EQ((*first)->arrival, 0.0);
  EXPECT_EQ((*first)->input_tokens, 374);
  EXPECT_EQ((*first)->output_tokens, 44);
  int64_t n = 1;
  double last = 0;
  while (auto r = (*reader)->Next()) {
    if (!r->has_value()) break;
    ASSERT_GE((*r)->arrival, last);
    last = (*r)->arrival;
    ++n;
  }
  EXPECT_EQ(n, 19366);
  EXPECT_DOUBLE_EQ(last, 3501.721937);  // the file's last row: one hour of traffic
}

TEST(TraceTest, MalformedRowNamesFileLineAndColumn) {
  const std::string text =
      "arrived_at,num_prefill_tokens,num_decode_tokens\n0.0,374,44\n1.5,12x,9\n";
  auto read = ReadAll(text, TraceFormat::kSplitwise, {}, "bad.csv");
  ASSERT_FALSE(read.has_value());
  const Error& e = read.error();
  EXPECT_EQ(e.code, ErrorCode::kInvalidInput);
  EXPECT_EQ(e.where.file, "bad.csv");
  EXPECT_EQ(e.where.line, 3);
  EXPECT_EQ(e.where.field, "num_prefill_tokens");
  EXPECT_NE(e.message.find("malformed number \"12x\"; write a whole number"), std::string::npos);
  EXPECT_EQ(e.ToString().rfind("bad.csv:3", 0), 0u) << e.ToString();

  auto negative =
      ReadAll("arrived_at,num_prefill_tokens,num_decode_tokens\n0,5,-3\n", TraceFormat::kSplitwise);
  ASSERT_FALSE(negative.has_value());
  EXPECT_NE(negative.error().message.find("negative token count -3"), std::string::npos);

  auto short_row =
      ReadAll("arrived_at,num_prefill_tokens,num_decode_tokens\n0,5\n", TraceFormat::kSplitwise);
  ASSERT_FALSE(short_row.has_value());
  EXPECT_NE(short_row.error().message.find("the row has 2 fields"), std::string::npos);
}

TEST(TraceTest, MissingColumnListsWhatTheHeaderHas) {
  auto read = ReadAll("time,ContextTokens,GeneratedTokens\n", TraceFormat::kAzure);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().where.line, 1);
  EXPECT_EQ(read.error().where.field, "TIMESTAMP");
  EXPECT_NE(read.error().message.find("this one has: time, ContextTokens"), std::string::npos);
}

TEST(TraceTest, UnsortedRowsAreSortedWithAWarning) {
  const std::string text =
      "arrived_at,num_prefill_tokens,num_decode_tokens\n0,10,1\n5,20,2\n2,30,3\n9,40,4\n";
  auto read = ReadAll(text, TraceFormat::kSplitwise, {}, "unsorted.csv");
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  ASSERT_EQ(read->warnings.size(), 1u);
  EXPECT_EQ(read->warnings[0],
            "unsorted.csv:4: rows are not in time order (time 2 after 5); sorted 4 rows in "
            "memory");
  std::vector<int64_t> inputs;
  for (const RequestSpec& r : read->requests) inputs.push_back(r.input_tokens);
  EXPECT_EQ(inputs, (std::vector<int64_t>{10, 30, 20, 40}));
  EXPECT_EQ(read->requests[1].id, 1u);
}

// 2000 rows of Poisson arrivals at 4/s.
std::string PoissonTrace() {
  Rng rng(3);
  std::string text = "arrived_at,num_prefill_tokens,num_decode_tokens\n";
  double t = 0;
  for (int i = 0; i < 2000; ++i) {
    text += std::to_string(t) + ",100,10\n";
    t += Exponential(rng, 4);
  }
  return text;
}

double MeasuredRate(const std::vector<RequestSpec>& r) {
  return (r.size() - 1) / (r.back().arrival - r.front().arrival);
}

TEST(TraceTest, SpeedupAndRescaleGiveTheExpectedMeanRate) {
  const std::string text = PoissonTrace();
  auto plain = ReadAll(text, TraceFormat::kSplitwise);
  ASSERT_TRUE(plain.has_value());
  const double natural = MeasuredRate(plain->requests);
  EXPECT_NEAR(natural, 4, 0.3);
  EXPECT_NEAR(plain->mean_rate, natural, 1e-9);

  TraceOptions faster;
  faster.speedup = 2.5;
  auto fast = ReadAll(text, TraceFormat::kSplitwise, faster);
  ASSERT_TRUE(fast.has_value());
  EXPECT_NEAR(MeasuredRate(fast->requests), 2.5 * natural, 1e-9);
  EXPECT_NEAR(fast->requests[10].arrival, plain->requests[10].arrival / 2.5, 1e-12);

  TraceOptions rescaled;
  rescaled.rate = 50;
  auto at50 = ReadAll(text, TraceFormat::kSplitwise, rescaled);
  ASSERT_TRUE(at50.has_value());
  EXPECT_NEAR(MeasuredRate(at50->requests), 50, 1e-9);
  EXPECT_NEAR(at50->mean_rate, 50, 1e-9);

  TraceOptions both;
  both.rate = 5;
  both.speedup = 2;
  auto error = ReadAll(text, TraceFormat::kSplitwise, both);
  ASSERT_FALSE(error.has_value());
  EXPECT_EQ(error.error().where.field, "rate");
}

TEST(TraceTest, WindowAndRowLimit) {
  const std::string text =
      "arrived_at,num_prefill_tokens,num_decode_tokens\n0,1,1\n1,2,1\n2,3,1\n3,4,1\n4,5,1\n";
  TraceOptions window;
  window.window_start = 1;
  window.window_end = 4;
  auto read = ReadAll(text, TraceFormat::kSplitwise, window);
  ASSERT_TRUE(read.has_value());
  ASSERT_EQ(read->requests.size(), 3u);
  EXPECT_EQ(read->requests[0].input_tokens, 2);
  EXPECT_DOUBLE_EQ(read->requests[0].arrival, 0);  // times start at the window's start
  EXPECT_DOUBLE_EQ(read->requests[2].arrival, 2);

  TraceOptions limit;
  limit.max_rows = 2;
  read = ReadAll(text, TraceFormat::kSplitwise, limit);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->requests.size(), 2u);

  window.window_start = 10;
  window.window_end = 20;
  auto none = ReadAll(text, TraceFormat::kSplitwise, window);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, ErrorCode::kNoResult);
}

TEST(TraceTest, BurstGptSkipsFailedRequestsWithAWarning) {
  const std::string text =
      "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
      "5,ChatGPT,472,18,490,Conversation log\n"
      "45,ChatGPT,1087,0,1087,Conversation log\n"
      "118,GPT-4,417,276,693,\"API log\"\n";
  auto read = ReadAll(text, TraceFormat::kBurstGpt, {}, "burst.csv");
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  ASSERT_EQ(read->requests.size(), 2u);
  EXPECT_DOUBLE_EQ(read->requests[1].arrival, 113);  // from the first row at 5 s
  EXPECT_EQ(read->requests[1].output_tokens, 276);
  ASSERT_EQ(read->warnings.size(), 1u);
  EXPECT_NE(read->warnings[0].find("skipped 1 rows with 0 input or 0 output tokens"),
            std::string::npos);
}

TEST(TraceTest, AzureTimestamps) {
  auto a = ParseAzureTimestamp("2023-11-16 18:15:46.6805900");
  auto b = ParseAzureTimestamp("2023-11-16 18:15:50.0000001");
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(*b - *a, 3319410100);
  EXPECT_EQ(FormatAzureTimestamp(*a), "2023-11-16 18:15:46.6805900");
  // An offset is applied; "T" and "Z" are accepted.
  EXPECT_EQ(*ParseAzureTimestamp("2024-05-10 01:00:00+01:00"),
            *ParseAzureTimestamp("2024-05-10T00:00:00Z"));
  EXPECT_FALSE(ParseAzureTimestamp("2023-13-01 00:00:00").has_value());
  EXPECT_FALSE(ParseAzureTimestamp("yesterday").has_value());

  const std::string text =
      "TIMESTAMP,ContextTokens,GeneratedTokens\n"
      "2023-11-16 18:15:46.6805900,374,44\n"
      "2023-11-16 18:15:50.9951690,396,109\n";
  auto read = ReadAll(text, TraceFormat::kAzure);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_NEAR(read->requests[1].arrival, 4.314579, 1e-9);

  auto bad =
      ReadAll("TIMESTAMP,ContextTokens,GeneratedTokens\n16/11/2023,1,1\n", TraceFormat::kAzure);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().where.field, "TIMESTAMP");
  EXPECT_NE(bad.error().message.find("YYYY-MM-DD HH:MM:SS"), std::string::npos);
}

// ParseAzureTimestamp multiplied seconds by 1e9 in int64, which overflows outside 1677..2262, and
// the reader subtracted two such counts: years 0001 and 9999 gave garbage (and UB) silently.
TEST(TraceTest, AzureTimestampsOutsideTheirYearsAreRowErrors) {
  EXPECT_EQ(*ParseAzureTimestamp("1970-01-01 00:00:00"), 0);
  auto last = ParseAzureTimestamp("2199-12-31 23:59:59.9999999");
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, kAzureEndSecond * 1000000000 - 100);
  for (const char* text : {"0001-01-01 00:00:00", "1677-09-21 00:12:43", "1969-12-31 23:59:59",
                           "1970-01-01 00:30:00+01:00", "2200-01-01 00:00:00",
                           "2262-04-11 23:47:17", "9999-12-31 23:59:59"}) {
    SCOPED_TRACE(text);
    auto ns = ParseAzureTimestamp(text);
    ASSERT_FALSE(ns.has_value());
    EXPECT_EQ(ns.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(ns.error().message.find("outside the years 1970 to 2199"), std::string::npos);
  }
  auto read = ReadAll(
      "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1,1\n"
      "9999-12-31 23:59:59,2,2\n",
      TraceFormat::kAzure, {}, "far.csv");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().ToString().rfind("far.csv:3: TIMESTAMP: timestamp \"9999-12-31", 0), 0u)
      << read.error().ToString();

  // The extremes of int64 format without overflow.
  EXPECT_EQ(FormatAzureTimestamp(INT64_MAX), "2262-04-11 23:47:16.8547758");
  EXPECT_EQ(FormatAzureTimestamp(INT64_MIN), "1677-09-21 00:12:43.1452241");
  EXPECT_EQ(FormatAzureTimestamp(-1), "1969-12-31 23:59:59.9999999");
}

RequestSpec At(double arrival) {
  RequestSpec r;
  r.arrival = arrival;
  r.input_tokens = 10;
  r.output_tokens = 2;
  return r;
}

// The azure writer added arrivals to 2023-11-16 in int64 nanoseconds (overflow past 2262), the
// mooncake writer computed llround(arrival * 1000) (overflow past ~9e15 s): both UB. Writers now
// refuse what their reader would not read back.
TEST(TraceTest, WritersRefuseArrivalsTheirFormatCannotHold) {
  const double last_azure = static_cast<double>(kAzureEndSecond - kAzureWriteEpochSecond);
  auto ok = FormatTraceRow(TraceFormat::kAzure, At(last_azure - 1));
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(*ok, "2199-12-31 23:59:59.0000000,10,2\n");
  for (double arrival : {last_azure, 1e12, -1.8e9}) {
    SCOPED_TRACE(arrival);
    auto refused = FormatTraceRow(TraceFormat::kAzure, At(arrival));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(refused.error().where.field, "arrival");
    EXPECT_NE(refused.error().message.find("azure times run from 1970 to 2199"), std::string::npos)
        << refused.error().ToString();
  }
  for (TraceFormat format : {TraceFormat::kMooncake, TraceFormat::kSplitwise,
                             TraceFormat::kBurstGpt, TraceFormat::kAzure}) {
    SCOPED_TRACE(TraceFormatName(format));
    for (double arrival : {1e16, 9.3e15, -2e15, std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity()}) {
      auto refused = FormatTraceRow(format, At(arrival));
      ASSERT_FALSE(refused.has_value()) << arrival;
      EXPECT_EQ(refused.error().where.field, "arrival");
    }
    RequestSpec big = At(1);
    big.input_tokens = kMaxTokens + 1;
    auto refused = FormatTraceRow(format, big);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().where.field, "input_tokens");
  }
  // The largest mooncake arrival reads back.
  auto row = FormatTraceRow(TraceFormat::kMooncake, At(kMaxTraceSeconds));
  ASSERT_TRUE(row.has_value());
  auto back = ReadAll(*row, TraceFormat::kMooncake);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();

  // A writer that refuses a request writes nothing of it.
  std::ostringstream out;
  TraceWriter writer(out, TraceFormat::kSplitwise);
  EXPECT_TRUE(writer.Write(At(1)).has_value());
  EXPECT_FALSE(writer.Write(At(1e20)).has_value());
  EXPECT_EQ(out.str(), "arrived_at,num_prefill_tokens,num_decode_tokens\n1,10,2\n");
  auto all = FormatTrace(TraceFormat::kMooncake, {At(0), At(1e17)});
  ASSERT_FALSE(all.has_value());
  EXPECT_NE(all.error().message.find("beyond the limit of +-1e15 s"), std::string::npos);
}

// Rows with a time beyond 1e15 s made the span, the mean rate and the rate rescaling's scale
// overflow to inf, and the arrivals NaN; huge token counts passed up to 1e15.
TEST(TraceTest, RowsBeyondTheTimeAndTokenLimitsAreErrors) {
  auto read = ReadAll(
      "arrived_at,num_prefill_tokens,num_decode_tokens\n0,1,1\n1.7976931348623157e308,1,1\n",
      TraceFormat::kSplitwise, {}, "far.csv");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().where.line, 3);
  EXPECT_EQ(read.error().where.field, "arrived_at");
  EXPECT_NE(read.error().message.find("beyond the limit of +-1e15 s"), std::string::npos);
  EXPECT_NE(read.error().message.find("in a finer unit than seconds"), std::string::npos);

  read = ReadAll("{\"timestamp\": 1e19, \"input_length\": 1, \"output_length\": 1}\n",
                 TraceFormat::kMooncake, {}, "far.jsonl");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().where.field, "timestamp");
  EXPECT_NE(read.error().message.find("finer unit than milliseconds"), std::string::npos);

  read = ReadAll(
      "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
      "5,ChatGPT,1000000001,18,490,Conversation log\n",
      TraceFormat::kBurstGpt, {}, "big.csv");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().ToString().rfind("big.csv:2: Request tokens: token count 1000000001 is "
                                          "above the limit",
                                          0),
            0u)
      << read.error().ToString();

  // At the limits, the arrivals are finite.
  read = ReadAll("arrived_at,num_prefill_tokens,num_decode_tokens\n-1e15,1,1\n1e15,1e9,1\n",
                 TraceFormat::kSplitwise);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(read->requests[1].arrival, 2e15);
  EXPECT_EQ(read->requests[1].input_tokens, kMaxTokens);
  EXPECT_TRUE(std::isfinite(read->mean_rate));
}

// Two distinct times closer than ~1e-290 s made the natural rate (rows - 1) / span overflow: the
// rate option's scale became inf and arrivals NaN (0 * inf), the mean rate inf.
TEST(TraceTest, TinySpansGiveFiniteArrivalsOrARateError) {
  const std::string text = "arrived_at,num_prefill_tokens,num_decode_tokens\n0,1,1\n5e-324,1,1\n";
  auto plain = ReadAll(text, TraceFormat::kSplitwise);
  ASSERT_TRUE(plain.has_value()) << plain.error().ToString();
  EXPECT_EQ(plain->requests[1].arrival, 5e-324);
  EXPECT_EQ(plain->mean_rate, 0);  // 1 / 5e-324 is not a finite rate

  TraceOptions rated;
  rated.rate = 7;
  auto rate = ReadAll(text, TraceFormat::kSplitwise, rated);
  ASSERT_FALSE(rate.has_value());
  EXPECT_EQ(rate.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(rate.error().where.file, "t.csv");
  EXPECT_EQ(rate.error().where.field, "rate");
  EXPECT_NE(rate.error().message.find("too little for a finite time scale"), std::string::npos);

  // A short but normal span rescales exactly.
  auto short_span = ReadAll("arrived_at,num_prefill_tokens,num_decode_tokens\n0,1,1\n1e-300,1,1\n",
                            TraceFormat::kSplitwise, rated);
  ASSERT_TRUE(short_span.has_value()) << short_span.error().ToString();
  EXPECT_NEAR(short_span->requests[1].arrival, 1.0 / 7, 1e-15);
  EXPECT_NEAR(short_span->mean_rate, 7, 1e-12);

  // With a window starting far before the rows, the arrivals would overflow: an error too.
  rated.window_start = -1e15;
  rate = ReadAll("arrived_at,num_prefill_tokens,num_decode_tokens\n0,1,1\n1e-300,1,1\n",
                 TraceFormat::kSplitwise, rated);
  ASSERT_FALSE(rate.has_value());
  EXPECT_EQ(rate.error().where.field, "rate");
}

TEST(TraceTest, OptionsOutOfRangeAreErrors) {
  const std::string text = "arrived_at,num_prefill_tokens,num_decode_tokens\n0,1,1\n1,1,1\n";
  TraceOptions o;
  o.speedup = 1e12;
  auto read = ReadAll(text, TraceFormat::kSplitwise, o);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().where.field, "speedup");
  o = {};
  o.rate = 1e300;  // the scale would underflow to 0
  read = ReadAll(text, TraceFormat::kSplitwise, o);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().where.field, "rate");
  o = {};
  o.window_start = -1e300;  // arrivals (time - start) would overflow
  read = ReadAll(text, TraceFormat::kSplitwise, o);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().where.field, "window");
}

TEST(TraceTest, MooncakeLinesAndTheirErrors) {
  const std::string text =
      "{\"timestamp\": 0, \"input_length\": 6755, \"output_length\": 500, \"hash_ids\": [0, 1]}\n"
      "{\"timestamp\": 3052, \"input_length\": 2287, \"output_length\": 316, \"hash_ids\": [0, 42]}"
      "\n";
  auto read = ReadAll(text, TraceFormat::kMooncake);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_DOUBLE_EQ(read->requests[1].arrival, 3.052);  // milliseconds
  EXPECT_EQ(read->requests[1].prefix_hashes, (std::vector<uint64_t>{0, 42}));
  EXPECT_EQ(read->requests[1].hash_block_tokens, 512);

  auto bad =
      ReadAll("{\"timestamp\": 0, \"input_length\": 5}\n", TraceFormat::kMooncake, {}, "m.jsonl");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().where.field, "output_length");
  bad = ReadAll("{\"timestamp\": 0,\n", TraceFormat::kMooncake);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("not a JSON object"), std::string::npos);
  bad = ReadAll("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1.5}\n",
                TraceFormat::kMooncake);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("not a whole number"), std::string::npos);
  bad =
      ReadAll("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": [-1]}\n",
              TraceFormat::kMooncake);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().where.field, "hash_ids");
}

TEST(TraceTest, OpenNamesAMissingFile) {
  auto reader = TraceReader::Open("/nonexistent/trace.csv", TraceFormat::kSplitwise);
  ASSERT_FALSE(reader.has_value());
  EXPECT_EQ(reader.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(reader.error().where.file, "/nonexistent/trace.csv");
}

TEST(TraceTest, FormatNames) {
  EXPECT_EQ(*ParseTraceFormat("vidur"), TraceFormat::kSplitwise);
  for (TraceFormat f : {TraceFormat::kAzure, TraceFormat::kSplitwise, TraceFormat::kBurstGpt,
                        TraceFormat::kMooncake}) {
    EXPECT_EQ(*ParseTraceFormat(TraceFormatName(f)), f);
  }
  EXPECT_FALSE(ParseTraceFormat("sharegpt").has_value());
}

}  // namespace
}  // namespace aiinfra::workload
