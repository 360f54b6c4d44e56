#include "loadgen/load.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <limits>
#include <memory>

#include "net/http_client.h"

namespace aiinfra::loadgen {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using Clock = std::chrono::steady_clock;

class Runner {
 public:
  Runner(const LoadSpec& spec, const net::Url& url, metrics::MetricsCollector& collector,
         const std::function<void(const metrics::RequestRecord&)>& on_record,
         const std::function<void(uint64_t, uint64_t)>& progress)
      : spec_(spec), url_(url), collector_(collector), on_record_(on_record), progress_(progress) {}

  Result<LoadResult> Run() {
    epoch_ = Clock::now();
    if (spec_.arrivals) {
      auto process = workload::MakeArrivalProcess(*spec_.arrivals, spec_.seed);
      if (!process) return Fail(process.error());
      asio::co_spawn(io_, OpenLoop(std::move(*process)), asio::detached);
    } else {
      for (int i = 0; i < std::max(spec_.concurrency, 1); ++i) {
        asio::co_spawn(io_, Worker(), asio::detached);
      }
    }
    io_.run();
    result_.wall_seconds = Since();
    if (!lags_.empty()) {
      std::sort(lags_.begin(), lags_.end());
      const auto at = [&](double q) {
        return lags_[static_cast<size_t>(q * static_cast<double>(lags_.size() - 1))];
      };
      result_.send_lag_p50 = at(0.5);
      result_.send_lag_p99 = at(0.99);
      result_.send_lag_max = lags_.back();
    }
    return result_;
  }

 private:
  double Since() const { return std::chrono::duration<double>(Clock::now() - epoch_).count(); }

  // Whether request number `n` (0-based) scheduled at `t` is within the limits.
  bool Allowed(uint64_t n, double t) const {
    if (spec_.num_requests > 0 && n >= static_cast<uint64_t>(spec_.num_requests)) return false;
    if (spec_.duration > 0 && t >= spec_.duration) return false;
    return true;
  }

  awaitable<std::unique_ptr<net::HttpConnection>> Take() {
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      co_return c;
    }
    auto c = co_await net::HttpConnection::Connect(co_await asio::this_coro::executor, url_.host,
                                                   url_.port);
    if (!c) co_return nullptr;
    ++result_.connections;
    co_return std::move(*c);
  }

  // One request: prompt, exchange, record.
  awaitable<void> Send(uint64_t n) {
    ExchangeSpec request = spec_.request;
    request.prompt = SyntheticPrompt(spec_.input_tokens, spec_.seed * 1'000'003 + n);
    metrics::RequestRecord record(Since());
    auto connection = co_await Take();
    if (!connection) {
      record.FinishError(Since(), 0, "connection");
    } else {
      co_await Exchange(*connection, request, epoch_, record);
      if (connection->reusable()) idle_.push_back(std::move(connection));
    }
    collector_.Add(record);
    if (on_record_) on_record_(record);
    ++done_;
    if (progress_) progress_(done_, spec_.num_requests > 0 ? spec_.num_requests : 0);
  }

  awaitable<void> OpenLoop(std::unique_ptr<workload::ArrivalProcess> process) {
    asio::steady_timer timer(io_);
    for (uint64_t n = 0;; ++n) {
      const double t = process->Next();
      if (!std::isfinite(t) || !Allowed(n, t)) break;
      timer.expires_at(
          epoch_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(t)));
      co_await timer.async_wait(asio::use_awaitable);
      lags_.push_back(std::max(0.0, Since() - t));
      ++result_.sent;
      asio::co_spawn(io_, Send(n), asio::detached);
    }
  }

  awaitable<void> Worker() {
    while (Allowed(next_, Since())) {
      const uint64_t n = next_++;
      ++result_.sent;
      co_await Send(n);
    }
  }

  const LoadSpec& spec_;
  net::Url url_;
  metrics::MetricsCollector& collector_;
  const std::function<void(const metrics::RequestRecord&)>& on_record_;
  const std::function<void(uint64_t, uint64_t)>& progress_;
  asio::io_context io_;
  Clock::time_point epoch_;
  std::vector<std::unique_ptr<net::HttpConnection>> idle_;
  std::vector<double> lags_;
  uint64_t next_ = 0, done_ = 0;
  LoadResult result_;
};

}  // namespace

Result<LoadResult> RunLoad(const LoadSpec& spec, metrics::MetricsCollector& collector,
                           const std::function<void(const metrics::RequestRecord&)>& on_record,
                           const std::function<void(uint64_t, uint64_t)>& progress) {
  AIINFRA_TRY(net::Url url, net::ParseUrl(spec.url));
  if (spec.num_requests <= 0 && spec.duration <= 0) {
    return Fail(ErrorCode::kUsage, "give a number of requests or a duration for the load");
  }
  LoadSpec s = spec;
  if (s.request.path.empty()) {
    // A base URL with a path prefix ("http://host/openai") puts the API's path after it.
    std::string base = url.target == "/" ? "" : url.target;
    if (!base.empty() && base.back() == '/') base.pop_back();
    s.request.path = base + std::string(DefaultPath(s.request.api));
  }
  Runner runner(s, url, collector, on_record, progress);
  return runner.Run();
}

}  // namespace aiinfra::loadgen
