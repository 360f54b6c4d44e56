// The load generator against an endpoint with fixed timing on loopback: it must recover the
// endpoint's TTFT and inter-token latency (issue 6, item 5: within 2 ms at p50).
#include "loadgen/load.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include "api/ollama.h"
#include "api/openai.h"
#include "loadgen/test_endpoint.h"

namespace aiinfra::loadgen {
namespace {

// Issue 6, item 5: within 2 ms at p50. Sanitized builds (make test-asan) run the client and the
// endpoint several times slower, which adds milliseconds of their own.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kTolerance = 0.010;
#else
constexpr double kTolerance = 0.002;
#endif

using testing::Endpoint;

double P50(const metrics::RunSummary& s, metrics::MetricId id) {
  return s.overall.metrics[static_cast<size_t>(id)].percentiles[0];
}

TEST(LoadTest, ClosedLoopRecoversTheEndpointsTtftAndItl) {
  Endpoint endpoint;
  for (const char* api : {"chat", "ollama-generate"}) {
    // Timing on a machine shared with other tests: a run whose client or endpoint was
    // descheduled for milliseconds is repeated, up to 3 runs; the closest must be within the
    // tolerance (a bias of the measurement would miss in every run).
    double ttft = 0, itl = 0, miss = 1e9;
    for (int attempt = 0; attempt < 3 && miss > kTolerance; ++attempt) {
      LoadSpec spec;
      spec.url = endpoint.url();
      spec.request.api = ParseApiKind(api).value();
      spec.request.model = "m";
      spec.prompts.output = workload::Distribution::Fixed(10).value();
      spec.prompts.input = workload::Distribution::Fixed(32).value();
      spec.concurrency = 4;
      spec.num_requests = 16;
      metrics::MetricsCollector collector;
      auto r = RunLoad(spec, collector);
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_EQ(r->sent, 16u);
      EXPECT_LE(r->connections, 4u) << api;  // kept alive and reused
      const metrics::RunSummary s = collector.Summarize();
      EXPECT_EQ(s.overall.completed, 16u) << api;
      EXPECT_EQ(s.overall.output_tokens, 16u * 10) << api;  // the endpoint's usage counts
      const double t = P50(s, metrics::MetricId::kTtft), i = P50(s, metrics::MetricId::kItl);
      const double m = std::max(std::abs(t - 0.040), std::abs(i - 0.010));
      if (m < miss) {
        miss = m;
        ttft = t;
        itl = i;
      }
    }
    EXPECT_NEAR(ttft, 0.040, kTolerance) << api;
    EXPECT_NEAR(itl, 0.010, kTolerance) << api;
  }
}

TEST(LoadTest, OpenLoopSendsOnScheduleWhateverIsInFlight) {
  Endpoint endpoint;
  // As above: up to 3 runs, the one with the smallest send lag must meet the bound.
  double best_lag = 1e9, span = 0;
  for (int attempt = 0; attempt < 3 && best_lag >= 2.5 * kTolerance; ++attempt) {
    LoadSpec spec;
    spec.url = endpoint.url();
    spec.request.model = "m";
    spec.prompts.output = workload::Distribution::Fixed(20).value();  // 230 ms each: several
                                                                      // in flight at 50/s
    spec.arrivals = workload::ArrivalSpec{workload::ConstantArrivals{50}};
    spec.num_requests = 25;
    metrics::MetricsCollector collector;
    std::vector<double> sends;
    auto r = RunLoad(spec, collector,
                     [&](const SentRequest& rec) { sends.push_back(rec.record.t_send); });
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(collector.Summarize().overall.completed, 25u);
    ASSERT_EQ(sends.size(), 25u);
    EXPECT_GT(r->connections, 4u);  // more than one in flight at a time
    std::sort(sends.begin(), sends.end());
    if (r->send_lag_p99 < best_lag) {
      best_lag = r->send_lag_p99;
      span = sends.back() - sends.front();
    }
  }
  EXPECT_LT(best_lag, 2.5 * kTolerance);
  EXPECT_NEAR(span, 24 * 0.02, 0.01);  // on schedule, not slowed by the answers
}

TEST(LoadTest, RefusalsAndUnreachableEndpointsAreErrorRecords) {
  Endpoint endpoint;
  LoadSpec spec;
  spec.url = endpoint.url();
  spec.request.model = "bad";
  spec.num_requests = 3;
  metrics::MetricsCollector refused;
  std::vector<std::pair<int, std::string>> errors;
  std::vector<std::string> messages;
  ASSERT_TRUE(RunLoad(spec, refused, [&](const SentRequest& rec) {
    errors.emplace_back(rec.record.http_status, rec.record.error_type);
    messages.emplace_back(rec.error);
  }));
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], std::make_pair(400, std::string("invalid_request_error")));
  EXPECT_EQ(messages[0], "HTTP 400: no such model");  // the endpoint's message, for the JSONL
  EXPECT_EQ(refused.Summarize().overall.completed, 0u);

  spec.url = "http://127.0.0.1:1";  // nothing listens there
  spec.request.model = "m";
  metrics::MetricsCollector unreachable;
  errors.clear();
  ASSERT_TRUE(RunLoad(spec, unreachable, [&](const SentRequest& rec) {
    errors.emplace_back(rec.record.http_status, rec.record.error_type);
  }));
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], std::make_pair(0, std::string("connection")));

  spec.num_requests = 0;
  auto no_limit = RunLoad(spec, unreachable);
  ASSERT_FALSE(no_limit);
  EXPECT_NE(no_limit.error().message.find("number of requests or a duration"), std::string::npos);
  spec.num_requests = 1;
  spec.url = "https://x";
  EXPECT_FALSE(RunLoad(spec, unreachable));
}

TEST(LoadTest, RequestBodiesAndPrompts) {
  ExchangeSpec chat;
  chat.model = "m";
  chat.prompt = "hi";
  chat.max_tokens = 5;
  const auto body = nlohmann::json::parse(RequestBody(chat));
  EXPECT_TRUE(api::ParseChatRequest(body)) << body.dump();  // what our own server accepts
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_EQ(body["ignore_eos"], true);
  ExchangeSpec ollama = chat;
  ollama.api = ApiKind::kOllamaChat;
  EXPECT_TRUE(api::ParseOllamaChat(nlohmann::json::parse(RequestBody(ollama))));
  ExchangeSpec turn = chat;
  turn.history = {{"user", "hello"}, {"assistant", "hi there"}};
  const auto turn_body = nlohmann::json::parse(RequestBody(turn));
  ASSERT_EQ(turn_body["messages"].size(), 3u);
  EXPECT_EQ(turn_body["messages"][1]["content"], "hi there");
  EXPECT_EQ(turn_body["messages"][2]["content"], "hi");
  turn.api = ApiKind::kCompletions;
  EXPECT_EQ(nlohmann::json::parse(RequestBody(turn))["prompt"], "hello\nhi there\nhi");
  ExchangeSpec gen = chat;
  gen.api = ApiKind::kOllamaGenerate;
  EXPECT_TRUE(api::ParseOllamaGenerate(nlohmann::json::parse(RequestBody(gen))));
  ExchangeSpec comp = chat;
  comp.api = ApiKind::kCompletions;
  EXPECT_TRUE(api::ParseCompletionRequest(nlohmann::json::parse(RequestBody(comp))));
  const std::string p = SyntheticPrompt(100, 1);
  EXPECT_EQ(std::count(p.begin(), p.end(), ' '), 99);
  EXPECT_EQ(p, SyntheticPrompt(100, 1));
  EXPECT_NE(p, SyntheticPrompt(100, 2));
  EXPECT_FALSE(ParseApiKind("grpc"));
}

TEST(LoadTest, RampTimeMapsTheBaseProcessOntoALinearRamp) {
  EXPECT_DOUBLE_EQ(RampTime(0.3, 0), 0.3);    // no ramp
  EXPECT_DOUBLE_EQ(RampTime(0.5, 1.0), 1.0);  // half the ramp's base time ends the ramp
  EXPECT_DOUBLE_EQ(RampTime(0.125, 1.0), 0.5);
  EXPECT_DOUBLE_EQ(RampTime(2.0, 1.0), 2.5);  // then the full rate, delayed by ramp / 2
  // The expected count by t is the integral of the ramped rate R t / T: R t^2 / (2 T) inside.
  const double rate = 40, ramp = 2;
  for (double t : {0.5, 1.0, 1.5, 2.0, 3.0}) {
    const double expected = t < ramp ? rate * t * t / (2 * ramp) : rate * (t - ramp / 2);
    // The base process's count R u at the u that maps to t.
    double lo = 0, hi = 10;
    for (int i = 0; i < 60; ++i) ((RampTime((lo + hi) / 2, ramp) < t) ? lo : hi) = (lo + hi) / 2;
    EXPECT_NEAR(rate * lo, expected, 1e-6) << t;
  }
}

TEST(LoadTest, OpenLoopRampUpSendsOnTheRampedSchedule) {
  Endpoint endpoint({.ttft = std::chrono::milliseconds(1), .itl = std::chrono::milliseconds(1)});
  LoadSpec spec;
  spec.url = endpoint.url();
  spec.request.model = "m";
  spec.prompts.output = workload::Distribution::Fixed(2).value();
  spec.arrivals = workload::ArrivalSpec{workload::ConstantArrivals{100}};
  spec.ramp_up = 0.5;
  spec.num_requests = 40;
  metrics::MetricsCollector collector;
  std::vector<double> scheduled;
  ASSERT_TRUE(
      RunLoad(spec, collector, [&](const SentRequest& r) { scheduled.push_back(r.scheduled); }));
  ASSERT_EQ(scheduled.size(), 40u);
  std::sort(scheduled.begin(), scheduled.end());
  for (size_t k = 0; k < scheduled.size(); ++k) {
    EXPECT_NEAR(scheduled[k], RampTime((k + 1) / 100.0, 0.5), 1e-9) << k;
  }
  // A quarter of the full rate's requests in the ramp (25 of the 50 the full rate would send in
  // 0.5 s: u < 0.25), then 100/s.
  EXPECT_EQ(std::count_if(scheduled.begin(), scheduled.end(), [](double t) { return t < 0.5; }),
            24);
}

TEST(LoadTest, ClosedLoopRampUpStartsUsersSpreadOverTheRamp) {
  Endpoint endpoint;
  LoadSpec spec;
  spec.url = endpoint.url();
  spec.request.model = "m";
  // 230 ms each: no user sends twice before the last one starts.
  spec.prompts.output = workload::Distribution::Fixed(20).value();
  spec.concurrency = 4;
  spec.ramp_up = 0.2;
  spec.num_requests = 4;
  metrics::MetricsCollector collector;
  std::vector<double> sends;
  ASSERT_TRUE(
      RunLoad(spec, collector, [&](const SentRequest& r) { sends.push_back(r.record.t_send); }));
  ASSERT_EQ(sends.size(), 4u);
  std::sort(sends.begin(), sends.end());
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(sends[i], 0.05 * i, 0.01) << i;
}

// A trace file in the test's temporary folder.
std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(LoadTest, TraceReplaySendsEachRowAtItsTimeWithItsLengths) {
  Endpoint endpoint({.ttft = std::chrono::milliseconds(5), .itl = std::chrono::milliseconds(1)});
  LoadSpec spec;
  spec.url = endpoint.url();
  spec.request.model = "m";
  spec.trace = TraceReplay{
      .path = WriteTemp("replay.csv",
                        "arrived_at,num_prefill_tokens,num_decode_tokens\n10.0,5,3\n10.1,6,4\n"
                        "10.3,7,5\n"),
      .format = workload::TraceFormat::kSplitwise,
      .speedup = 2};
  metrics::MetricsCollector collector;
  std::map<uint64_t, std::tuple<double, int64_t, uint32_t, uint32_t>> got;
  auto r = RunLoad(spec, collector, [&](const SentRequest& s) {
    got[s.id] = {s.scheduled, s.planned_output, s.record.n_in, s.record.n_out()};
  });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->sent, 3u);
  ASSERT_EQ(got.size(), 3u);
  const double times[] = {0, 0.05, 0.15};  // from the first row, twice as fast
  for (uint64_t i = 0; i < 3; ++i) {
    const auto [t, planned, n_in, n_out] = got[i];
    EXPECT_NEAR(t, times[i], 1e-9) << i;
    EXPECT_EQ(planned, 3 + static_cast<int64_t>(i)) << i;
    EXPECT_EQ(n_in, 5 + i) << i;  // the endpoint counts the prompt's words
    EXPECT_EQ(n_out, 3 + i) << i;
  }
  EXPECT_LT(r->send_lag_p99, 0.02);

  // The rows' limit, and a trace that does not parse: the reader's error names file:line.
  spec.num_requests = 2;
  metrics::MetricsCollector limited;
  ASSERT_TRUE(RunLoad(spec, limited));
  EXPECT_EQ(limited.Summarize().overall.requests, 2u);
  spec.trace->path =
      WriteTemp("bad.csv", "arrived_at,num_prefill_tokens,num_decode_tokens\nx,1,1\n");
  auto bad = RunLoad(spec, limited);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().ToString().find("bad.csv:2"), std::string::npos) << bad.error().ToString();
  spec.arrivals = workload::ArrivalSpec{workload::PoissonArrivals{1}};
  EXPECT_FALSE(RunLoad(spec, limited));  // a trace has its own times
}

TEST(LoadTest, MooncakeTracePromptsShareTextWhereTheirBlocksDo) {
  Endpoint endpoint({.ttft = std::chrono::milliseconds(1), .itl = std::chrono::milliseconds(1)});
  LoadSpec spec;
  spec.url = endpoint.url();
  spec.request.model = "m";
  spec.request.api = ApiKind::kCompletions;
  // Blocks of 512 tokens: rows 0 and 1 share block 7, row 2 shares none.
  spec.trace = TraceReplay{
      .path = WriteTemp("mooncake.jsonl",
                        "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 2, "
                        "\"hash_ids\": [7, 8]}\n"
                        "{\"timestamp\": 10, \"input_length\": 700, \"output_length\": 2, "
                        "\"hash_ids\": [7, 9]}\n"
                        "{\"timestamp\": 20, \"input_length\": 520, \"output_length\": 2, "
                        "\"hash_ids\": [5, 6]}\n"),
      .format = workload::TraceFormat::kMooncake};
  metrics::MetricsCollector collector;
  ASSERT_TRUE(RunLoad(spec, collector));
  auto bodies = endpoint.bodies();
  ASSERT_EQ(bodies.size(), 3u);
  std::sort(bodies.begin(), bodies.end(), [](const auto& a, const auto& b) {
    return testing::WordCount(a["prompt"]) < testing::WordCount(b["prompt"]);
  });
  // By length: 520 (blocks 5, 6), 600 (7, 8), 700 (7, 9).
  std::vector<std::string> prompts;
  for (const auto& b : bodies) prompts.push_back(b["prompt"]);
  EXPECT_EQ(testing::WordCount(prompts[0]), 520);
  EXPECT_EQ(testing::WordCount(prompts[2]), 700);
  const auto first_words = [](const std::string& p, int n) {
    size_t at = 0;
    for (int i = 0; i < n; ++i) at = p.find(' ', at) + 1;
    return p.substr(0, at);
  };
  EXPECT_EQ(first_words(prompts[1], 512), first_words(prompts[2], 512));
  EXPECT_NE(first_words(prompts[1], 520), first_words(prompts[2], 520));
  EXPECT_NE(first_words(prompts[0], 20), first_words(prompts[1], 20));
}

TEST(LoadTest, ConversationsCarryTheirEarlierTurnsAndAnswers) {
  Endpoint endpoint({.ttft = std::chrono::milliseconds(2), .itl = std::chrono::milliseconds(1)});
  LoadSpec spec;
  spec.url = endpoint.url();
  spec.request.model = "m";
  spec.prompts.input = workload::Distribution::Fixed(10).value();
  spec.prompts.output = workload::Distribution::Fixed(3).value();
  spec.prompts.prefix_tokens = 4;
  spec.turns = 3;
  spec.think_time = workload::Distribution::Fixed(0.02).value();
  spec.concurrency = 2;
  spec.num_requests = 7;  // two whole conversations, then one cut after its first turn
  spec.keep_text = true;
  metrics::MetricsCollector collector;
  std::vector<std::tuple<uint64_t, int, int64_t, uint32_t, std::string>> sent;
  std::map<uint64_t, double> last_end;
  bool think_respected = true;
  auto r = RunLoad(spec, collector, [&](const SentRequest& s) {
    sent.emplace_back(s.session, s.turn, s.planned_input, s.record.n_in, std::string(s.text));
    if (s.turn > 0 && s.record.t_send < last_end[s.session] + 0.019) think_respected = false;
    last_end[s.session] = s.record.t_last();
  });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->sent, 7u);
  EXPECT_EQ(r->sessions, 3u);
  EXPECT_TRUE(think_respected);
  ASSERT_EQ(sent.size(), 7u);
  for (const auto& [session, turn, planned, n_in, text] : sent) {
    // Turn k carries the prefix, k + 1 user messages of 10 words, k answers of 3 tokens.
    EXPECT_EQ(n_in, 4 + 10 * (turn + 1) + 3 * turn) << session << "/" << turn;
    EXPECT_EQ(planned, n_in);  // the client's count agrees with the endpoint's
    EXPECT_EQ(text, "tok tok tok ");
  }
  // The bodies: turn k has 2k + 1 messages, alternating user and assistant, the assistant's
  // being the answers received.
  int by_turn[3] = {0, 0, 0};
  for (const auto& b : endpoint.bodies()) {
    const auto& m = b["messages"];
    ASSERT_EQ(m.size() % 2, 1u);
    ++by_turn[m.size() / 2];
    for (size_t i = 0; i < m.size(); ++i) {
      EXPECT_EQ(m[i]["role"], i % 2 ? "assistant" : "user");
      if (i % 2) {
        EXPECT_EQ(m[i]["content"], "tok tok tok ");
      }
    }
  }
  EXPECT_EQ(by_turn[0], 3);
  EXPECT_EQ(by_turn[1], 2);
  EXPECT_EQ(by_turn[2], 2);
}

TEST(LoadTest, LengthsAndSharedPrefixesReachTheEndpoint) {
  Endpoint endpoint({.ttft = std::chrono::milliseconds(1), .itl = std::chrono::milliseconds(0)});
  LoadSpec spec;
  spec.url = endpoint.url();
  spec.request.model = "m";
  spec.prompts.input = workload::Distribution::Uniform(5, 15).value();
  spec.prompts.output = workload::Distribution::Uniform(2, 6).value();
  spec.prompts.prefix_tokens = 8;
  spec.prompts.prefix_groups = 2;
  spec.concurrency = 4;
  spec.num_requests = 60;
  metrics::MetricsCollector collector;
  ASSERT_TRUE(RunLoad(spec, collector));
  std::set<std::string> prefixes;
  std::set<int64_t> outputs, inputs;
  for (const auto& b : endpoint.bodies()) {
    const std::string text = b["messages"][0]["content"];
    size_t at = 0;
    for (int i = 0; i < 8; ++i) at = text.find(' ', at) + 1;
    prefixes.insert(text.substr(0, at));
    inputs.insert(testing::WordCount(text) - 8);
    outputs.insert(b["max_tokens"].get<int64_t>());
  }
  EXPECT_EQ(prefixes.size(), 2u);  // two groups, both used
  EXPECT_EQ(*inputs.begin(), 5);
  EXPECT_EQ(*inputs.rbegin(), 15);
  EXPECT_EQ(outputs, (std::set<int64_t>{2, 3, 4, 5, 6}));
  EXPECT_EQ(collector.Summarize().overall.completed, 60u);
}

}  // namespace
}  // namespace aiinfra::loadgen
