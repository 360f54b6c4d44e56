// For loadgen's tests: an OpenAI- and Ollama-compatible endpoint on loopback with fixed timing,
// on its own thread for the test's lifetime. It streams max_tokens (num_predict) pieces "tok":
// the first after `ttft`, the others `itl` apart; its usage reports the prompt's words (every
// message's or the prompt's) as prompt tokens, so a test can check what was sent. Model "bad"
// gets a 400 with the API's error object. With `serial`, it serves one request at a time (each
// waits for the previous to end): a server of fixed capacity, to saturate. Every request body
// is kept (bodies()).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/ndjson.h"
#include "api/ollama.h"
#include "api/openai.h"
#include "api/sse.h"
#include "net/http_server.h"

namespace aiinfra::loadgen::testing {

struct EndpointTiming {
  std::chrono::milliseconds ttft{40};
  std::chrono::milliseconds itl{10};
  bool serial = false;
};

inline int64_t WordCount(const std::string& text) {
  int64_t n = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

class Endpoint {
 public:
  explicit Endpoint(EndpointTiming timing = {}) : timing_(timing) {
    auto s = net::HttpServer::Start(io_, {}, Handler());
    if (s) server_ = std::move(*s);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Endpoint() {
    boost::asio::post(io_, [this] {
      if (server_) server_->Shutdown(std::chrono::milliseconds(0));
    });
    thread_.join();
  }
  bool ok() const { return server_ != nullptr; }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_ ? server_->port() : 0);
  }
  // The bodies received so far, parsed, in arrival order.
  std::vector<nlohmann::json> bodies() {
    std::lock_guard<std::mutex> lock(mutex_);
    return bodies_;
  }

 private:
  net::HttpHandler Handler() {
    namespace asio = boost::asio;
    return [this](const net::HttpRequest& req, net::ResponseWriter& w) -> asio::awaitable<void> {
      const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        bodies_.push_back(body);
      }
      const bool ollama = req.path.starts_with("/api/");
      if (body.value("model", "") == "bad") {
        api::ApiError e{400, "invalid_request_error", "no such model", "model", ""};
        const std::string text = ollama ? api::OllamaErrorJson(e).dump() : api::ErrorJson(e).dump();
        const std::string type = "application/json";
        co_await w.Send(400, std::string_view(type), text);
        co_return;
      }
      int64_t words = 0;
      if (body.contains("messages")) {
        for (const auto& m : body["messages"]) words += WordCount(m.value("content", ""));
      } else {
        words = WordCount(body.value("prompt", ""));
      }
      const int64_t n = ollama ? body["options"]["num_predict"].get<int64_t>()
                               : body["max_tokens"].get<int64_t>();
      asio::steady_timer t(co_await asio::this_coro::executor);
      if (timing_.serial) {
        // Start when the previous request ends; all of this runs on the server's one thread.
        const auto service = timing_.ttft + timing_.itl * (n > 0 ? n - 1 : 0);
        const auto start = std::max(std::chrono::steady_clock::now(), busy_until_);
        busy_until_ = start + service;
        t.expires_at(start);
        co_await t.async_wait(asio::use_awaitable);
      }
      const std::string type = ollama ? "application/x-ndjson" : "text/event-stream";
      if (!co_await w.Start(200, std::string_view(type))) co_return;
      const api::ResponseHeader h{"c", 0, "m"};
      for (int64_t i = 0; i < n; ++i) {
        t.expires_after(i == 0 ? timing_.ttft : timing_.itl);
        co_await t.async_wait(asio::use_awaitable);
        const std::string piece =
            ollama ? api::EncodeNdjson(api::OllamaGenerateChunk("m", 0, "tok "))
                   : api::EncodeSse(api::ChatChunk(h, "tok ", i == 0, std::nullopt, true).dump());
        if (!co_await w.Write(piece)) co_return;
      }
      std::string tail;
      if (ollama) {
        tail = api::EncodeNdjson(api::OllamaGenerateDone(
            "m", 0, "", "length", {.prompt_eval_count = words, .eval_count = n}));
      } else {
        tail = api::EncodeSse(api::ChatChunk(h, "", false, "length", true).dump()) +
               api::EncodeSse(api::ChatUsageChunk(h, {words, n, 0}).dump()) +
               std::string(api::kSseDone);
      }
      co_await w.Write(tail);
      co_await w.End();
    };
  }

  EndpointTiming timing_;
  boost::asio::io_context io_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<nlohmann::json> bodies_;
  std::chrono::steady_clock::time_point busy_until_{};
};

}  // namespace aiinfra::loadgen::testing
