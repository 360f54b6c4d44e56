// The HTTP face of `aiinfra serve` (issue 6, item 3): OpenAI's and Ollama's routes over a
// TokenEngine, vLLM's metrics, health, and injected errors.
//
// Routes
//   POST /v1/chat/completions, /v1/completions   OpenAI (SSE when "stream": true)
//   GET  /v1/models                              the served model
//   POST /api/chat, /api/generate                Ollama (NDJSON unless "stream": false)
//   GET  /api/tags, /api/ps, /api/version; POST /api/show
//   GET  /metrics                                Prometheus text, vLLM's names (specs/metrics.md)
//   GET  /health                                 200 while serving (vLLM's), GET / as Ollama's
//
// A generation request becomes one sim::Sequence: its prompt tokens by the approximate
// tokenizer (text.h; a chat adds 3 per message and 3 to prime the answer, as OpenAI's cookbook
// counts), its prefix-cache block hashes from the prompt text, and its output length:
//   - with ignore_eos (vLLM) the request's max_tokens exactly (finish_reason "length");
//   - else a draw from `output_lengths` (the scenario's answer lengths), cut at max_tokens when
//     one is given ("length") and otherwise ending as the model would stop ("stop");
//   - at least min_tokens, and never past the context: prompt + output <= max_model_len (a
//     prompt that leaves no room, or max_tokens beyond it, is a 400 with vLLM's message).
// Its text is seeded (the request's "seed", else the service seed and a request counter) or
// the prompt echoed (`echo`). The `user` field (OpenAI) routes a session to one replica under a
// session-affinity router.
//
// Errors: every error body comes from ErrorFor, OpenAI's error object on /v1 routes (and
// anywhere else) and Ollama's {"error"} on /api routes; the HTTP server's own 4xx/5xx take the
// same shape through ServerError. A stream that fails after it started (its replica crashed,
// the request timed out) ends with an error event in the route's shape ("data: {"error": ...}"
// before the end, as vLLM sends it; an {"error"} line for Ollama).
//
// Threading: one thread, the engine's.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>: first.
// clang-format off
#include <utility>
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "api/ollama.h"
#include "api/openai.h"
#include "metrics/prometheus.h"
#include "net/http_server.h"
#include "serve/engine.h"
#include "workload/lengths.h"

namespace aiinfra::serve {

struct ServedModel {
  std::string id;                    // what clients send as "model" (OpenAI id)
  std::vector<std::string> aliases;  // also accepted (an Ollama-style "name:tag")
  int64_t max_model_len = 4096;      // tokens of context
  api::OllamaModel ollama;           // what /api/tags, /api/show and /api/ps say of it
  int64_t size_vram = 0;             // bytes the loaded model holds (/api/ps)
};

struct ServiceOptions {
  ServedModel model;
  uint64_t seed = 1;
  bool echo = false;
  workload::Distribution output_lengths;  // answer lengths when the model stops by itself
  int block_size = 16;                    // the engine's KV block, for prefix hashes
  double error_rate = 0;                  // fault: share of generation requests failed (500)
  double request_timeout = 600;           // seconds a generation may take before it is ended
  double started_unix = 0;                // Unix seconds at start (created, modified_at)
  std::string version;                    // /api/version
};

// An HTTP answer to an error.
struct ErrorReply {
  int status = 500;
  std::string content_type;
  std::string body;
};
// The one mapping from an API error to its answer: Ollama's {"error": message} on /api/
// routes, OpenAI's error object elsewhere.
ErrorReply ErrorFor(std::string_view path, const api::ApiError& error);

// Every JSON body serve writes: compact, UTF-8, invalid sequences (an echoed prompt's) replaced
// rather than thrown on.
std::string DumpJson(const nlohmann::ordered_json& j);

// What the service counted (also in /metrics).
struct ServiceCounters {
  uint64_t generations = 0;      // generation requests that passed validation
  uint64_t finished = 0;         // answered in full
  uint64_t cancelled = 0;        // the client went away
  uint64_t failed = 0;           // a replica crashed under it, or it timed out
  uint64_t injected_errors = 0;  // refused by the error-rate fault
  uint64_t rejected = 0;         // 4xx for bad requests
};

class Service {
 public:
  // The engine outlives the service's requests (it is Aborted before either goes away).
  Service(TokenEngine& engine, ServiceOptions options);

  boost::asio::awaitable<void> Handle(const net::HttpRequest& req, net::ResponseWriter& w);
  // For HttpServerOptions::error_body.
  net::ErrorBody ServerError(int status, std::string_view path, std::string_view message) const;
  // The /metrics exposition, gauges read from the engine now.
  std::string Metrics();
  const ServiceCounters& counters() const { return counters_; }

 private:
  enum class Format { kChat, kCompletion, kOllamaChat, kOllamaGenerate };
  // A validated generation request.
  struct Job {
    Format format = Format::kChat;
    std::string model;   // as the client named it (echoed back)
    std::string prompt;  // the text counted, hashed and echoed
    int64_t prompt_tokens = 0;
    std::optional<int64_t> max_tokens;
    int64_t min_tokens = 0;
    bool ignore_eos = false;
    std::optional<int64_t> seed;
    bool stream = false;
    bool include_usage = false;
    bool echo_prompt = false;  // completions' "echo": the prompt before the answer
    std::string user;          // session affinity
  };
  struct Flow;

  static double UnixNow();  // wall-clock seconds, for created times and Ollama's timestamps

  boost::asio::awaitable<void> Reply(net::ResponseWriter& w, std::string_view path,
                                     const Error& error);
  boost::asio::awaitable<void> Info(const net::HttpRequest& req, net::ResponseWriter& w);
  Result<Job> Parse(Format format, const net::HttpRequest& req) const;
  Status CheckModel(const std::string& model, bool ollama) const;
  // Output tokens and finish reason for a job (see the file comment).
  std::pair<int64_t, std::string> OutputLength(const Job& job, std::mt19937_64& rng) const;
  boost::asio::awaitable<void> Generate(Job job, net::ResponseWriter& w, std::string path);
  void Observe(const Flow& flow, Ending ending);

  TokenEngine& engine_;
  ServiceOptions options_;
  std::mt19937_64 rng_;
  uint64_t next_id_ = 1;
  ServiceCounters counters_;
  metrics::prom::Registry registry_;
  metrics::prom::VllmMetrics vllm_;
  metrics::prom::Family<metrics::prom::Gauge>* replicas_ = nullptr;
  metrics::prom::Family<metrics::prom::Counter>* faults_ = nullptr;
};

}  // namespace aiinfra::serve
