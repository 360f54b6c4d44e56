#include "metrics/prometheus.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace aiinfra::metrics::prom {
namespace {

TEST(PrometheusTest, CounterAndGaugeText) {
  Registry reg;
  auto& requests = reg.AddCounter("app_requests_total", "Requests served.", {"model_name", "code"});
  requests.With({"m2", "200"}).Inc(3);
  requests.With({"m1", "500"}).Inc();
  requests.With({"m1", "200"}).Inc(0.5);
  auto& up = reg.AddGauge("app_up", "Whether it is up.");
  up.With({}).Set(1);
  EXPECT_EQ(reg.Render(),
            "# HELP app_requests_total Requests served.\n"
            "# TYPE app_requests_total counter\n"
            "app_requests_total{model_name=\"m1\",code=\"200\"} 0.5\n"
            "app_requests_total{model_name=\"m1\",code=\"500\"} 1\n"
            "app_requests_total{model_name=\"m2\",code=\"200\"} 3\n"
            "# HELP app_up Whether it is up.\n"
            "# TYPE app_up gauge\n"
            "app_up 1\n");
}

TEST(PrometheusTest, HistogramIsCumulative) {
  Registry reg;
  auto& h = reg.AddHistogram("lat_seconds", "Latency.", {"model_name"}, {0.25, 1});
  auto& m = h.With({"x"});
  for (double v : {0.125, 0.25, 0.5, 2.0}) m.Observe(v);  // 0.25 is counted in le="0.25"
  reg.AddHistogram("empty_seconds", "No labels.", {}, {0.5});
  EXPECT_EQ(reg.Render(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{model_name=\"x\",le=\"0.25\"} 2\n"
            "lat_seconds_bucket{model_name=\"x\",le=\"1\"} 3\n"
            "lat_seconds_bucket{model_name=\"x\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{model_name=\"x\"} 2.875\n"
            "lat_seconds_count{model_name=\"x\"} 4\n"
            "# HELP empty_seconds No labels.\n"
            "# TYPE empty_seconds histogram\n"
            "empty_seconds_bucket{le=\"0.5\"} 0\n"
            "empty_seconds_bucket{le=\"+Inf\"} 0\n"
            "empty_seconds_sum 0\n"
            "empty_seconds_count 0\n");
  EXPECT_EQ(m.bucket_counts(), (std::vector<std::uint64_t>{2, 1, 1}));
}

TEST(PrometheusTest, Escaping) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(EscapeHelp("x \\ \"y\"\nz"), "x \\\\ \"y\"\\nz");  // quotes stay in HELP
  Registry reg;
  reg.AddGauge("g", "Line one.\nLine two.", {"path"}).With({"C:\\models\\\"q\"\n"}).Set(2);
  EXPECT_EQ(reg.Render(),
            "# HELP g Line one.\\nLine two.\n"
            "# TYPE g gauge\n"
            "g{path=\"C:\\\\models\\\\\\\"q\\\"\\n\"} 2\n");
}

TEST(PrometheusTest, Values) {
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(1e-5), "1e-05");
  EXPECT_EQ(FormatValue(2560), "2560");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(PrometheusTest, Names) {
  EXPECT_TRUE(ValidMetricName("vllm:time_to_first_token_seconds"));
  EXPECT_TRUE(ValidMetricName("_x9"));
  EXPECT_FALSE(ValidMetricName("9x"));
  EXPECT_FALSE(ValidMetricName("a-b"));
  EXPECT_FALSE(ValidMetricName(""));
  EXPECT_TRUE(ValidLabelName("model_name"));
  EXPECT_FALSE(ValidLabelName("__name__"));
  EXPECT_FALSE(ValidLabelName("a:b"));
}

TEST(PrometheusTest, VllmBuckets) {
  EXPECT_EQ(kTtftBuckets.front(), 0.001);
  EXPECT_EQ(kTtftBuckets.back(), 2560.0);
  EXPECT_EQ(kInterTokenBuckets.front(), 0.01);
  EXPECT_EQ(kInterTokenBuckets.back(), 80.0);
  EXPECT_EQ(kRequestLatencyBuckets.front(), 0.3);
  EXPECT_EQ(kRequestLatencyBuckets.back(), 7680.0);
  EXPECT_TRUE(std::is_sorted(kTtftBuckets.begin(), kTtftBuckets.end()));
  EXPECT_TRUE(std::is_sorted(kInterTokenBuckets.begin(), kInterTokenBuckets.end()));
  EXPECT_TRUE(std::is_sorted(kRequestLatencyBuckets.begin(), kRequestLatencyBuckets.end()));
  EXPECT_EQ(TokenCountBuckets(100), (std::vector<double>{1, 2, 5, 10, 20, 50, 100}));
  const auto b = TokenCountBuckets(4096);
  EXPECT_EQ(b.size(), 11u);  // 1 2 5 10 20 50 100 200 500 1000 2000
  EXPECT_EQ(b.back(), 2000);
}

TEST(PrometheusTest, VllmMetricSet) {
  Registry reg;
  VllmMetrics vllm(reg, "llama", 1000);
  vllm.SetScheduler(3, 1, 0.5);
  RequestRecord r(0.2);  // the spec's example: ttft 0.8, e2e 2.3, icl {0.5, 1.0}
  r.t_sched = 0.5;
  r.n_in = 100;
  r.n_cached = 40;
  r.AddChunk(1.0, 1);
  r.AddChunk(1.5, 2);
  r.AddChunk(2.5, 1);
  r.Finish(Outcome::kOk, 2.5);
  vllm.ObserveFinished(r, "length");
  RequestRecord failed(0);
  failed.n_in = 7;
  failed.FinishError(1, 500, "server_error");
  vllm.ObserveFinished(failed);
  RequestRecord dropped(0);
  dropped.n_in = 1000;
  dropped.Finish(Outcome::kDropped, 0);
  vllm.ObserveFinished(dropped);

  const std::string text = reg.Render();
  for (std::string_view name :
       {kNumRequestsRunning, kNumRequestsWaiting, kKvCacheUsagePerc, kPromptTokensTotal,
        kGenerationTokensTotal, kRequestSuccessTotal, kPrefixCacheQueriesTotal,
        kPrefixCacheHitsTotal, kTimeToFirstTokenSeconds, kInterTokenLatencySeconds,
        kRequestTimePerOutputTokenSeconds, kE2eRequestLatencySeconds, kRequestQueueTimeSeconds,
        kRequestPrefillTimeSeconds, kRequestDecodeTimeSeconds, kRequestPromptTokens,
        kRequestGenerationTokens}) {
    EXPECT_NE(text.find(fmt::format("# TYPE {} ", name)), std::string::npos) << name;
  }
  auto has = [&](const std::string& line) {
    EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\n" << text;
  };
  has("vllm:num_requests_running{model_name=\"llama\"} 3");
  has("vllm:kv_cache_usage_perc{model_name=\"llama\"} 0.5");
  has("vllm:prompt_tokens_total{model_name=\"llama\"} 107");  // not the dropped request
  has("vllm:generation_tokens_total{model_name=\"llama\"} 4");
  has("vllm:prefix_cache_hits_total{model_name=\"llama\"} 40");
  has("vllm:request_success_total{model_name=\"llama\",finished_reason=\"abort\"} 1");
  has("vllm:request_success_total{model_name=\"llama\",finished_reason=\"length\"} 1");
  has("vllm:time_to_first_token_seconds_bucket{model_name=\"llama\",le=\"0.75\"} 0");
  has("vllm:time_to_first_token_seconds_bucket{model_name=\"llama\",le=\"1\"} 1");
  has("vllm:time_to_first_token_seconds_count{model_name=\"llama\"} 1");
  // One observation per chunk gap (vLLM's per-step ITL): 0.5 and 1.0.
  has("vllm:inter_token_latency_seconds_bucket{model_name=\"llama\",le=\"0.5\"} 1");
  has("vllm:inter_token_latency_seconds_count{model_name=\"llama\"} 2");
  has("vllm:inter_token_latency_seconds_sum{model_name=\"llama\"} 1.5");
  has("vllm:request_time_per_output_token_seconds_count{model_name=\"llama\"} 1");
  has("vllm:request_queue_time_seconds_sum{model_name=\"llama\"} 0.3");
  has("vllm:request_prefill_time_seconds_sum{model_name=\"llama\"} 0.5");
  has("vllm:request_decode_time_seconds_sum{model_name=\"llama\"} 1.5");
  has("vllm:request_prompt_tokens_bucket{model_name=\"llama\",le=\"100\"} 1");
  has("vllm:request_generation_tokens_bucket{model_name=\"llama\",le=\"2\"} 0");
  has("vllm:request_generation_tokens_bucket{model_name=\"llama\",le=\"5\"} 1");
  EXPECT_EQ(text.find("e2e_request_latency_seconds_count{model_name=\"llama\"} 2"),
            std::string::npos);  // failures stay out of histograms
}

}  // namespace
}  // namespace aiinfra::metrics::prom
