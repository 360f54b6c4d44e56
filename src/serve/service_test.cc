// The service over loopback HTTP: OpenAI's and Ollama's routes, streamed and whole, the error
// shapes, vLLM's metrics, faults, timeouts and clients that go away.
#include "serve/service.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "api/sse.h"
#include "net/http_client.h"
#include "serve/fixed_engine.h"
#include "sim/sim_test_util.h"

namespace aiinfra::serve {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using json = nlohmann::json;
using namespace std::chrono_literals;

ServiceOptions Options() {
  ServiceOptions o;
  o.model.id = "tiny";
  o.model.aliases = {"tiny:1b"};
  o.model.max_model_len = 200;
  o.model.ollama = {.name = "tiny", .family = "llama", .quantization_level = "BF16"};
  o.output_lengths = *workload::Distribution::Fixed(50);
  o.version = "test";
  return o;
}

struct Reply {
  int status = 0;
  std::string content_type;
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
};

// A service on loopback with the engine given; Call sends one request and runs the
// io_context until it is answered.
class Harness {
 public:
  Harness(std::function<std::unique_ptr<TokenEngine>(asio::io_context&)> make,
          ServiceOptions options = Options())
      : engine_(make(io_)), service_(*engine_, std::move(options)) {
    net::HttpServerOptions ho;
    ho.max_body_bytes = 4096;
    ho.error_body = [this](int status, std::string_view path, std::string_view message) {
      return service_.ServerError(status, path, message);
    };
    server_ = std::move(
        *net::HttpServer::Start(io_, ho, [this](const net::HttpRequest& r, net::ResponseWriter& w) {
          return service_.Handle(r, w);
        }));
  }
  ~Harness() {
    engine_->Abort();
    server_->Shutdown(0ms);
    io_.run_for(200ms);
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& body,
             std::function<void(Reply&)> after_first_piece = {}) {
    Reply out;
    bool done = false;
    asio::co_spawn(
        io_,
        [&]() -> awaitable<void> {
          auto c = co_await net::HttpConnection::Connect(io_.get_executor(), "127.0.0.1",
                                                         server_->port());
          if (!c) co_return;
          bool first = true;
          auto r = co_await (*c)->Request(method, path, body, {}, [&](std::string_view piece) {
            out.body += piece;
            if (first && after_first_piece) after_first_piece(out);
            first = false;
          });
          if (r) {
            out.status = r->status;
            out.content_type = r->headers["content-type"];
          }
          done = true;
        },
        asio::detached);
    for (int i = 0; i < 500 && !done; ++i) io_.run_for(10ms);
    EXPECT_TRUE(done) << method << " " << path;
    return out;
  }
  void RunFor(std::chrono::milliseconds d) { io_.run_for(d); }

  asio::io_context io_;
  std::unique_ptr<TokenEngine> engine_;
  Service service_;
  std::unique_ptr<net::HttpServer> server_;
};

std::unique_ptr<TokenEngine> Fixed(asio::io_context& io) {
  return std::make_unique<FixedTimingEngine>(io.get_executor(),
                                             FixedTiming{.ttft = 0.005, .itl = 0.001});
}

// The data of each SSE event.
std::vector<std::string> Events(const std::string& body) {
  std::vector<std::string> out;
  api::SseParser p;
  EXPECT_TRUE(p.Feed(body, [&](const api::SseEvent& e) { out.push_back(e.data); }));
  return out;
}

const std::string kChat =
    R"({"model":"tiny","messages":[{"role":"user","content":"Hello, world!"}],)";

TEST(ServiceTest, ChatWholeAndStreamedSayTheSameWithUsage) {
  Harness h(Fixed);
  const Reply whole = h.Call("POST", "/v1/chat/completions",
                             kChat + R"("max_tokens":7,"ignore_eos":true,"seed":42})");
  ASSERT_EQ(whole.status, 200) << whole.body;
  json w = whole.Json();
  EXPECT_EQ(w["object"], "chat.completion");
  EXPECT_EQ(w["choices"][0]["finish_reason"], "length");
  // "Hello, world!" is 4 tokens; one message: 3 + 4 + 3.
  EXPECT_EQ(w["usage"]["prompt_tokens"], 10);
  EXPECT_EQ(w["usage"]["completion_tokens"], 7);
  const std::string text = w["choices"][0]["message"]["content"];
  EXPECT_FALSE(text.empty());

  const Reply streamed = h.Call(
      "POST", "/v1/chat/completions",
      kChat +
          R"("max_tokens":7,"ignore_eos":true,"seed":42,"stream":true,"stream_options":{"include_usage":true}})");
  ASSERT_EQ(streamed.status, 200);
  EXPECT_EQ(streamed.content_type, "text/event-stream");
  const auto events = Events(streamed.body);
  ASSERT_EQ(events.size(), 11u);  // role, 7 tokens, finish, usage, [DONE]
  EXPECT_EQ(json::parse(events[0])["choices"][0]["delta"]["role"], "assistant");
  std::string joined;
  for (size_t i = 1; i <= 7; ++i)
    joined += json::parse(events[i])["choices"][0]["delta"]["content"];
  EXPECT_EQ(joined, text);  // the same seed, the same words
  EXPECT_EQ(json::parse(events[8])["choices"][0]["finish_reason"], "length");
  json usage = json::parse(events[9]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 7);
  EXPECT_EQ(events[10], "[DONE]");
}

TEST(ServiceTest, AnswersStopByThemselvesUnlessIgnoringEos) {
  Harness h(Fixed);  // answers are 50 tokens long when the model stops by itself
  json a = h.Call("POST", "/v1/chat/completions", kChat + R"("max_tokens":100})").Json();
  EXPECT_EQ(a["usage"]["completion_tokens"], 50);
  EXPECT_EQ(a["choices"][0]["finish_reason"], "stop");
  json b = h.Call("POST", "/v1/completions",
                  R"({"model":"tiny:1b","prompt":"Say","max_tokens":20,"echo":true})")
               .Json();
  EXPECT_EQ(b["object"], "text_completion");
  EXPECT_EQ(b["usage"]["completion_tokens"], 20);
  EXPECT_EQ(b["choices"][0]["finish_reason"], "length");
  EXPECT_TRUE(b["choices"][0]["text"].get<std::string>().starts_with("Say"));
  // The context: a prompt of 10 tokens leaves 190; more than that is cut at the context.
  json c = h.Call("POST", "/v1/chat/completions", kChat + R"("min_tokens":500})").Json();
  EXPECT_EQ(c["error"]["param"], "min_tokens") << c;
}

TEST(ServiceTest, OllamaRoutes) {
  Harness h(Fixed);
  const Reply chat = h.Call("POST", "/api/chat",
                            R"({"model":"tiny","messages":[{"role":"user","content":"Hi"}],)"
                            R"("options":{"num_predict":3}})");
  ASSERT_EQ(chat.status, 200) << chat.body;
  EXPECT_EQ(chat.content_type, "application/x-ndjson");
  std::vector<json> lines;
  std::istringstream in(chat.body);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_FALSE(lines[0]["done"]);
  EXPECT_EQ(lines[3]["done"], true);
  EXPECT_EQ(lines[3]["done_reason"], "length");
  EXPECT_EQ(lines[3]["eval_count"], 3);
  EXPECT_EQ(lines[3]["prompt_eval_count"], 7);  // 3 + 1 + 3
  json gen = h.Call("POST", "/api/generate",
                    R"({"model":"tiny","prompt":"Why?","stream":false,)"
                    R"("options":{"num_predict":4}})")
                 .Json();
  EXPECT_EQ(gen["done"], true);
  EXPECT_EQ(gen["eval_count"], 4);
  EXPECT_FALSE(gen["response"].get<std::string>().empty());
  EXPECT_EQ(h.Call("GET", "/api/tags", "").Json()["models"][0]["name"], "tiny");
  EXPECT_EQ(h.Call("GET", "/api/ps", "").Json()["models"][0]["name"], "tiny");
  EXPECT_EQ(h.Call("POST", "/api/show", R"({"model":"tiny"})").Json()["details"]["family"],
            "llama");
  const Reply missing = h.Call("POST", "/api/show", R"({"model":"other"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.Json()["error"].is_string()) << missing.body;
  EXPECT_EQ(h.Call("GET", "/api/version", "").Json()["version"], "test");
}

TEST(ServiceTest, EveryErrorTakesItsRoutesShape) {
  Harness h(Fixed);
  const auto openai = [](const Reply& r, int status, const std::string& param) {
    EXPECT_EQ(r.status, status) << r.body;
    json j = r.Json();
    ASSERT_TRUE(j["error"].is_object()) << r.body;
    EXPECT_TRUE(j["error"]["message"].is_string());
    EXPECT_TRUE(j["error"]["type"].is_string());
    if (param.empty()) {
      EXPECT_TRUE(j["error"]["param"].is_null()) << r.body;
    } else {
      EXPECT_EQ(j["error"]["param"], param) << r.body;
    }
  };
  openai(h.Call("POST", "/v1/chat/completions", "{oops"), 400, "");
  openai(h.Call("POST", "/v1/chat/completions", kChat + R"("frobnicate":1})"), 400, "frobnicate");
  openai(h.Call("POST", "/v1/chat/completions", kChat + R"("max_tokens":"ten"})"), 400,
         "max_tokens");
  openai(h.Call("POST", "/v1/chat/completions", kChat + R"("max_tokens":1000})"), 400,
         "max_tokens");
  const Reply unknown_model =
      h.Call("POST", "/v1/completions", R"({"model":"gpt-9","prompt":"x"})");
  openai(unknown_model, 404, "model");
  EXPECT_EQ(unknown_model.Json()["error"]["code"], "model_not_found");
  openai(h.Call("GET", "/v1/chat/completions", ""), 405, "");
  openai(h.Call("GET", "/v2/nothing", ""), 404, "");
  // The HTTP server's own 413, in the shape of the route asked for.
  openai(h.Call("POST", "/v1/completions", std::string(5000, 'x')), 413, "");
  const Reply ollama_big = h.Call("POST", "/api/generate", std::string(5000, 'x'));
  EXPECT_EQ(ollama_big.status, 413);
  EXPECT_TRUE(ollama_big.Json()["error"].is_string()) << ollama_big.body;
  const Reply ollama_bad = h.Call("POST", "/api/chat", R"({"model":"tiny","messages":3})");
  EXPECT_EQ(ollama_bad.status, 400);
  EXPECT_TRUE(ollama_bad.Json()["error"].is_string()) << ollama_bad.body;
  EXPECT_EQ(h.service_.counters().rejected, 8u);  // the two 413s are the HTTP server's
  EXPECT_EQ(h.server_->stats().rejected, 2u);
  EXPECT_EQ(h.service_.counters().generations, 0u);
}

TEST(ServiceTest, InjectedErrorsAndTimeouts) {
  ServiceOptions o = Options();
  o.error_rate = 1;
  Harness failing(Fixed, o);
  const Reply r = failing.Call("POST", "/v1/chat/completions", kChat + R"("max_tokens":3})");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.Json()["error"]["type"], "server_error");
  EXPECT_EQ(failing.service_.counters().injected_errors, 1u);
  EXPECT_NE(failing.service_.Metrics().find(
                R"(aiinfra_injected_faults_total{model_name="tiny",kind="error"} 1)"),
            std::string::npos);

  o = Options();
  o.request_timeout = 0.05;
  Harness slow(
      [](asio::io_context& io) {
        return std::make_unique<FixedTimingEngine>(io.get_executor(),
                                                   FixedTiming{.ttft = 1, .itl = 0.01});
      },
      o);
  const Reply late = slow.Call("POST", "/v1/chat/completions", kChat + R"("max_tokens":3})");
  EXPECT_EQ(late.status, 500);
  EXPECT_NE(late.body.find("request-timeout"), std::string::npos) << late.body;
  EXPECT_EQ(slow.service_.counters().failed, 1u);
}

std::unique_ptr<TokenEngine> Linear(asio::io_context& io) {
  EngineOptions o;
  o.pool.make_replica = [] {
    sim::ReplicaConfig c;
    c.num_blocks = 4000;
    return sim::fakes::LinearReplica(c);
  };
  o.pool.initial_replicas = 1;
  o.faults.restart_seconds = 10;
  return std::make_unique<RealtimeEngine>(io.get_executor(), o);
}

TEST(ServiceTest, ACrashMidStreamEndsItWithAnErrorEvent) {
  Harness h(Linear);
  auto* engine = static_cast<RealtimeEngine*>(h.engine_.get());
  const Reply r = h.Call("POST", "/v1/chat/completions",
                         kChat + R"("max_tokens":100,"ignore_eos":true,"stream":true})",
                         [&](Reply&) { engine->Crash(0); });
  ASSERT_EQ(r.status, 200);
  const auto events = Events(r.body);
  ASSERT_GE(events.size(), 2u);
  json last = json::parse(events.back());
  EXPECT_EQ(last["error"]["type"], "server_error") << r.body;
  EXPECT_LT(events.size(), 20u);
  EXPECT_EQ(h.service_.counters().failed, 1u);
  EXPECT_NE(h.service_.Metrics().find(
                R"(vllm:request_success_total{model_name="tiny",finished_reason="abort"} 1)"),
            std::string::npos);
  EXPECT_NE(
      h.service_.Metrics().find(R"(aiinfra_replicas{model_name="tiny",phase="restarting"} 1)"),
      std::string::npos);
}

TEST(ServiceTest, ASharedPromptPrefixIsServedFromTheCache) {
  Harness h(Linear);
  std::string system = "You are a careful assistant.";
  for (int i = 0; i < 6; ++i) system += " Answer in short plain words and cite each source.";
  const auto ask = [&](const std::string& q) {
    return h
        .Call("POST", "/v1/chat/completions",
              R"({"model":"tiny","max_tokens":2,"messages":[{"role":"system","content":")" +
                  system + R"("},{"role":"user","content":")" + q + R"("}]})")
        .Json();
  };
  json first = ask("What is a token?");
  ASSERT_TRUE(first.contains("usage")) << first;
  EXPECT_FALSE(first["usage"].contains("prompt_tokens_details")) << first;  // none cached
  json second = ask("Why is the queue long?");
  ASSERT_TRUE(second["usage"].contains("prompt_tokens_details")) << second;
  const int cached = second["usage"]["prompt_tokens_details"]["cached_tokens"];
  EXPECT_GE(cached, 48) << second;  // the system prompt's full blocks of 16
  EXPECT_LT(cached, second["usage"]["prompt_tokens"].get<int>());
}

TEST(ServiceTest, AClientThatGoesAwayCancelsItsRequest) {
  Harness h(Fixed);
  bool closed = false;
  asio::co_spawn(
      h.io_,
      [&]() -> awaitable<void> {
        asio::ip::tcp::socket s(h.io_);
        co_await s.async_connect({asio::ip::make_address("127.0.0.1"), h.server_->port()},
                                 asio::use_awaitable);
        const std::string body = kChat + R"("max_tokens":150,"ignore_eos":true,"stream":true})";
        const std::string req =
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body;
        co_await asio::async_write(s, asio::buffer(req), asio::use_awaitable);
        char buf[512];
        co_await s.async_read_some(asio::buffer(buf), asio::use_awaitable);
        s.close();  // after the first bytes of the stream
        closed = true;
      },
      asio::detached);
  h.RunFor(500ms);
  ASSERT_TRUE(closed);
  EXPECT_EQ(h.service_.counters().cancelled, 1u);
  EXPECT_EQ(h.engine_->in_flight(), 0u);
  EXPECT_EQ(h.Call("GET", "/health", "").status, 200);  // still serving
}

}  // namespace
}  // namespace aiinfra::serve
