#include "loadgen/load.h"

#include <fmt/format.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <limits>
#include <memory>

#include "net/http_client.h"
#include "workload/sampling.h"
#include "workload/trace.h"

namespace aiinfra::loadgen {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kThinkStream = 0x7468696e6bULL;  // "think"

// What Send reports back to a conversation.
struct SendOutcome {
  bool ok = false;
  int64_t prompt_tokens = 0;  // the endpoint's count when it reported one, else the planned
  int64_t answer_tokens = 0;
  std::string text;
};

// Who sent a request and what it planned: the fields of SentRequest besides the record.
struct Meta {
  uint64_t session = 0;
  int turn = 0;
  double scheduled = 0;
  int64_t planned_input = 0;
  int64_t planned_output = 0;
  int prefix_group = -1;
};

// The open loop's clock: waits for a due time on a timerfd of its own, watched by the event
// loop as a descriptor. Why not an Asio timer: the loop runs the handlers of one epoll wake-up
// in order, descriptors first and expired timers after all of them, so at a high request rate a
// send due in the middle of a burst of streamed chunks would wait for the whole burst (the
// send-time error p99 grew to milliseconds). As a descriptor, the send takes its place among the
// events in the order they became ready: only the chunks that arrived before it go first.
class SendClock {
 public:
  explicit SendClock(asio::io_context& io)
      : fd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)), desc_(io) {
    if (fd_ >= 0) desc_.assign(fd_);
  }
  ~SendClock() {
    boost::system::error_code ec;
    desc_.close(ec);  // closes fd_
  }
  SendClock(const SendClock&) = delete;
  SendClock& operator=(const SendClock&) = delete;

  // Returns at `due` (steady_clock is CLOCK_MONOTONIC), at once when it has passed. Falls back
  // to an Asio timer if no timerfd could be made.
  awaitable<void> Until(Clock::time_point due) {
    if (Clock::now() >= due) co_return;
    if (fd_ < 0) {
      asio::steady_timer timer(desc_.get_executor());
      timer.expires_at(due);
      co_await timer.async_wait(asio::use_awaitable);
      co_return;
    }
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(due.time_since_epoch());
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(ns.count() / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(ns.count() % 1'000'000'000);
    timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
    boost::system::error_code ec;
    co_await desc_.async_wait(asio::posix::descriptor_base::wait_read,
                              asio::redirect_error(asio::use_awaitable, ec));
    uint64_t expirations = 0;
    [[maybe_unused]] const ssize_t n = read(fd_, &expirations, sizeof expirations);
  }

 private:
  int fd_;
  asio::posix::stream_descriptor desc_;
};

int64_t Words(const std::string& text) {
  if (text.empty()) return 0;
  return 1 + std::count(text.begin(), text.end(), ' ');
}

class Runner {
 public:
  Runner(const LoadSpec& spec, const net::Url& url, const PromptMaker& prompts,
         std::unique_ptr<workload::TraceReader> trace, metrics::MetricsCollector& collector,
         const std::function<void(const SentRequest&)>& on_request,
         const std::function<void(uint64_t, uint64_t)>& progress)
      : spec_(spec),
        url_(url),
        prompts_(prompts),
        trace_(std::move(trace)),
        collector_(collector),
        on_request_(on_request),
        progress_(progress) {}

  Result<LoadResult> Run() {
    if (spec_.arrivals) {
      // Connections ahead of the clock: as many as requests are due in the first 100 ms (the
      // same process drawn again), so the first sends do not queue behind connection setup.
      auto preview = workload::MakeArrivalProcess(*spec_.arrivals, spec_.seed);
      if (!preview) return Fail(preview.error());
      int warm = 0;
      while (warm < kMaxWarmConnections && (spec_.num_requests <= 0 || warm < spec_.num_requests) &&
             RampTime((*preview)->Next(), spec_.ramp_up) < kWarmWindow) {
        ++warm;
      }
      for (int i = 0; i < warm; ++i) asio::co_spawn(io_, Warm(), asio::detached);
      io_.run();
      io_.restart();
    }
    epoch_ = Clock::now();
    if (spec_.num_requests > 0) {
      planned_ = static_cast<uint64_t>(spec_.num_requests);
    }
    if (trace_) {
      const auto rows = static_cast<uint64_t>(trace_->rows());
      planned_ = planned_ ? std::min(planned_, rows) : rows;
      result_.warnings = trace_->warnings();
      asio::co_spawn(io_, TraceLoop(), asio::detached);
    } else if (spec_.arrivals) {
      auto process = workload::MakeArrivalProcess(*spec_.arrivals, spec_.seed);
      if (!process) return Fail(process.error());
      asio::co_spawn(io_, OpenLoop(std::move(*process)), asio::detached);
    } else {
      const int users = std::max(spec_.concurrency, 1);
      for (int i = 0; i < users; ++i) {
        asio::co_spawn(io_, User(spec_.ramp_up * i / users), asio::detached);
      }
    }
    io_.run();
    if (trace_error_) return Fail(*trace_error_);
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

  // Whether request number `n` (0-based) due at `t` is within the limits.
  bool Allowed(uint64_t n, double t) const {
    if (spec_.num_requests > 0 && n >= static_cast<uint64_t>(spec_.num_requests)) return false;
    if (spec_.duration > 0 && t >= spec_.duration) return false;
    return true;
  }

  Clock::time_point At(double t) const {
    return epoch_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(t));
  }

  awaitable<void> SleepUntil(double t) {
    const Clock::time_point due = At(t);
    // Already due (a burst, or the loop ran late): send now. A timer would queue the send behind
    // every I/O completion of this turn of the loop, and arming one costs a system call.
    if (Clock::now() >= due) co_return;
    asio::steady_timer timer(io_);
    timer.expires_at(due);
    co_await timer.async_wait(asio::use_awaitable);
  }

  static constexpr int kMaxWarmConnections = 1000;
  static constexpr double kWarmWindow = 0.1;  // seconds

  awaitable<void> Warm() {
    auto c = co_await net::HttpConnection::Connect(co_await asio::this_coro::executor, url_.host,
                                                   url_.port);
    if (!c) co_return;  // the run's own requests will report it
    ++result_.connections;
    idle_.push_back(std::move(*c));
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

  // One request: exchange, record, observer.
  awaitable<SendOutcome> Send(uint64_t n, ExchangeSpec request, Meta meta) {
    metrics::RequestRecord record(Since(), spec_.keep_chunks);
    ExchangeOutput out;
    auto connection = co_await Take();
    if (!connection) {
      record.FinishError(Since(), 0, "connection");
      out.error = fmt::format("cannot connect to {}:{}", url_.host, url_.port);
    } else {
      co_await Exchange(*connection, request, epoch_, record, &out);
      if (connection->reusable()) idle_.push_back(std::move(connection));
    }
    collector_.Add(record);
    const bool ok = record.outcome() == metrics::Outcome::kOk;
    if (on_request_) {
      on_request_(SentRequest{.record = record,
                              .id = n,
                              .session = meta.session,
                              .turn = meta.turn,
                              .scheduled = meta.scheduled,
                              .planned_input = meta.planned_input,
                              .planned_output = meta.planned_output,
                              .prefix_group = meta.prefix_group,
                              .text = spec_.keep_text ? std::string_view(out.text) : "",
                              .error = out.error});
    }
    ++done_;
    if (progress_) progress_(done_, planned_);
    SendOutcome o;
    o.ok = ok;
    const bool usage = record.token_source() == metrics::TokenSource::kUsage;
    o.prompt_tokens = usage && record.n_in > 0 ? record.n_in : meta.planned_input;
    o.answer_tokens = record.n_out();
    o.text = std::move(out.text);
    co_return o;
  }

  // One conversation of spec_.turns requests; turn 0 is due at `scheduled` (open loop) or now.
  // False once a limit stopped it (the caller starts no more), true otherwise.
  awaitable<bool> Session(uint64_t session_id, double scheduled) {
    workload::Rng think_rng(
        workload::DeriveSeed(workload::DeriveSeed(spec_.seed, kThinkStream), session_id));
    std::vector<Message> history;
    int64_t context = 0;  // tokens of the conversation so far
    for (int turn = 0; turn < spec_.turns; ++turn) {
      double due = scheduled;
      if (turn > 0) {
        const double think = std::max(0.0, spec_.think_time.SampleReal(think_rng));
        due = Since() + think;
        if (spec_.duration > 0 && due >= spec_.duration) co_return false;
        co_await SleepUntil(due);
      }
      if (!Allowed(next_, due)) co_return false;
      const uint64_t n = next_++;
      ++result_.sent;
      if (turn == 0) ++result_.sessions;
      const PromptDraw draw = prompts_.Draw(n);
      ExchangeSpec request = spec_.request;
      request.history = history;
      request.prompt = turn == 0 ? prompts_.Text(n, draw) : prompts_.TurnText(n, draw.input);
      request.max_tokens = draw.output;
      Meta meta{.session = session_id,
                .turn = turn,
                .scheduled = due,
                .planned_input = context + Words(request.prompt),
                .planned_output = draw.output,
                .prefix_group = draw.prefix_group};
      const std::string prompt = request.prompt;
      SendOutcome o = co_await Send(n, std::move(request), meta);
      if (!o.ok) co_return true;
      context = o.prompt_tokens + o.answer_tokens;
      if (turn + 1 < spec_.turns) {
        history.push_back(Message{"user", prompt});
        history.push_back(Message{"assistant", std::move(o.text)});
      }
    }
    co_return true;
  }

  // Open loop: a session (of one request, without turns) per arrival.
  awaitable<void> OpenLoop(std::unique_ptr<workload::ArrivalProcess> process) {
    SendClock clock(io_);
    const auto turns = static_cast<uint64_t>(std::max(spec_.turns, 1));
    for (uint64_t k = 0;; ++k) {
      const double t = RampTime(process->Next(), spec_.ramp_up);
      if (!std::isfinite(t)) break;
      if (spec_.num_requests > 0 && k * turns >= static_cast<uint64_t>(spec_.num_requests)) break;
      if (spec_.duration > 0 && t >= spec_.duration) break;
      co_await clock.Until(At(t));
      lags_.push_back(std::max(0.0, Since() - t));
      asio::co_spawn(io_, Detach(Session(k, t)), asio::detached);
    }
  }

  awaitable<void> Detach(awaitable<bool> session) { co_await std::move(session); }

  // Closed loop: one conversation after another from `start` on.
  // (g++ 12 miscompiles a co_await in a loop condition: the loop tests a plain bool.)
  awaitable<void> User(double start) {
    if (start > 0) co_await SleepUntil(start);
    for (bool more = true; more;) {
      const uint64_t id = sessions_++;
      more = co_await Session(id, Since());
    }
  }

  awaitable<void> TraceLoop() {
    SendClock clock(io_);
    for (;;) {
      auto next = trace_->Next();
      if (!next) {
        trace_error_ = next.error();
        break;
      }
      if (!*next) break;
      const workload::RequestSpec& row = **next;
      if (!Allowed(next_, row.arrival)) break;
      const uint64_t n = next_++;
      co_await clock.Until(At(row.arrival));
      lags_.push_back(std::max(0.0, Since() - row.arrival));
      ++result_.sent;
      ++result_.sessions;
      ExchangeSpec request = spec_.request;
      request.max_tokens = row.output_tokens;
      if (row.prefix_hashes.empty()) {
        request.prompt = prompts_.TurnText(n, row.input_tokens);
      } else {
        auto text = FromBlocks(row.prefix_hashes, row.hash_block_tokens, row.input_tokens,
                               workload::DeriveSeed(spec_.seed, n));
        if (!text) {
          trace_error_ = text.error();
          break;
        }
        request.prompt = std::move(*text);
      }
      Meta meta{.session = n,
                .scheduled = row.arrival,
                .planned_input = row.input_tokens,
                .planned_output = row.output_tokens};
      asio::co_spawn(io_, Discard(Send(n, std::move(request), meta)), asio::detached);
    }
  }

  awaitable<void> Discard(awaitable<SendOutcome> send) { co_await std::move(send); }

  const LoadSpec& spec_;
  net::Url url_;
  const PromptMaker& prompts_;
  std::unique_ptr<workload::TraceReader> trace_;
  std::optional<Error> trace_error_;
  metrics::MetricsCollector& collector_;
  const std::function<void(const SentRequest&)>& on_request_;
  const std::function<void(uint64_t, uint64_t)>& progress_;
  asio::io_context io_;
  Clock::time_point epoch_;
  std::vector<std::unique_ptr<net::HttpConnection>> idle_;
  std::vector<double> lags_;
  uint64_t next_ = 0, done_ = 0, planned_ = 0, sessions_ = 0;
  LoadResult result_;
};

}  // namespace

LoadSpec::LoadSpec() : think_time(workload::Distribution::Fixed(0).value()) {}

double RampTime(double u, double ramp) {
  if (!(ramp > 0) || !std::isfinite(u)) return u;
  if (u < ramp / 2) return std::sqrt(2 * ramp * std::max(u, 0.0));
  return u + ramp / 2;
}

Result<LoadResult> RunLoad(const LoadSpec& spec, metrics::MetricsCollector& collector,
                           const std::function<void(const SentRequest&)>& on_request,
                           const std::function<void(uint64_t, uint64_t)>& progress) {
  AIINFRA_TRY(net::Url url, net::ParseUrl(spec.url));
  if (spec.num_requests <= 0 && spec.duration <= 0 && !spec.trace) {
    return Fail(ErrorCode::kUsage, "give a number of requests or a duration for the load");
  }
  if (spec.turns < 1) {
    return Fail(ErrorCode::kUsage, fmt::format("--turns must be >= 1, got {}", spec.turns));
  }
  if (!(spec.ramp_up >= 0) || !std::isfinite(spec.ramp_up)) {
    return Fail(ErrorCode::kUsage, "--ramp-up must be a duration >= 0");
  }
  std::unique_ptr<workload::TraceReader> trace;
  if (spec.trace) {
    if (spec.arrivals) {
      return Fail(ErrorCode::kUsage, "--trace gives the arrival times: drop --rate");
    }
    if (spec.ramp_up > 0 || spec.turns > 1) {
      return Fail(ErrorCode::kUsage,
                  "--trace replays the trace's own times and single requests: drop --ramp-up "
                  "and --turns");
    }
    workload::TraceOptions options;
    options.speedup = spec.trace->speedup;
    AIINFRA_TRY(trace, workload::TraceReader::Open(spec.trace->path, spec.trace->format, options));
  }
  LoadSpec s = spec;
  if (s.request.path.empty()) {
    // A base URL with a path prefix ("http://host/openai") puts the API's path after it.
    std::string base = url.target == "/" ? "" : url.target;
    if (!base.empty() && base.back() == '/') base.pop_back();
    s.request.path = base + std::string(DefaultPath(s.request.api));
  }
  AIINFRA_TRY(PromptMaker prompts, PromptMaker::Create(s.prompts, s.seed));
  Runner runner(s, url, prompts, std::move(trace), collector, on_request, progress);
  return runner.Run();
}

}  // namespace aiinfra::loadgen
