#include "loadgen/load.h"

#include <fmt/format.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>
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

// The schedule's alarm: a timerfd watched by the event loop as a descriptor, armed for the next
// due time, so that a loop with nothing to do wakes when a request falls due. Its handler does
// nothing: Runner::Drive sends what is due between two handlers, whichever woke it.
class Alarm {
 public:
  explicit Alarm(asio::io_context& io)
      : fd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)), desc_(io) {
    if (fd_ >= 0) desc_.assign(fd_);
  }
  ~Alarm() {
    boost::system::error_code ec;
    desc_.close(ec);  // closes fd_
  }
  Alarm(const Alarm&) = delete;
  Alarm& operator=(const Alarm&) = delete;

  bool ok() const { return fd_ >= 0; }

  // Rings at `due` (steady_clock is CLOCK_MONOTONIC); a system call only when it changes.
  void Set(Clock::time_point due) {
    if (due != armed_) {
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(due.time_since_epoch());
      itimerspec spec{};
      spec.it_value.tv_sec = static_cast<time_t>(ns.count() / 1'000'000'000);
      spec.it_value.tv_nsec = static_cast<long>(ns.count() % 1'000'000'000);
      timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
      armed_ = due;
    }
    if (!waiting_) {
      waiting_ = true;
      desc_.async_wait(
          asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code&) {
            waiting_ = false;
            uint64_t expirations = 0;
            [[maybe_unused]] const ssize_t n = read(fd_, &expirations, sizeof expirations);
          });
    }
  }

  // Rings no more; the loop can then run out of work.
  void Off() {
    boost::system::error_code ec;
    desc_.cancel(ec);
  }

 private:
  int fd_;
  asio::posix::stream_descriptor desc_;
  Clock::time_point armed_{};
  bool waiting_ = false;
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
    } else if (spec_.arrivals) {
      AIINFRA_TRY(process_, workload::MakeArrivalProcess(*spec_.arrivals, spec_.seed));
    } else {
      const int users = std::max(spec_.concurrency, 1);
      for (int i = 0; i < users; ++i) {
        asio::co_spawn(io_, User(spec_.ramp_up * i / users), asio::detached);
      }
    }
    if (trace_ || process_) {
      AIINFRA_CHECK_OK(Drive());
    } else {
      io_.run();
    }
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

  // A request numbered and built, not yet sent.
  struct Planned {
    uint64_t n = 0;
    ExchangeSpec request;
    Meta meta;
  };

  // A request issued: its record, whose t_send is the issue time, and the connection it was
  // written on (null when none was idle: Send connects first).
  struct Issued {
    std::unique_ptr<net::HttpConnection> connection;
    metrics::RequestRecord record;
  };

  // Numbers and builds turn `turn` of conversation `session_id`, due at `due`: nullopt once a
  // limit stops it. `context` is the conversation's tokens so far.
  std::optional<Planned> Plan(uint64_t session_id, int turn, double due,
                              const std::vector<Message>& history, int64_t context) {
    if (!Allowed(next_, due)) return std::nullopt;
    Planned p;
    p.n = next_++;
    ++result_.sent;
    if (turn == 0) ++result_.sessions;
    const PromptDraw draw = prompts_.Draw(p.n);
    p.request = spec_.request;
    p.request.history = history;
    p.request.prompt = turn == 0 ? prompts_.Text(p.n, draw) : prompts_.TurnText(p.n, draw.input);
    p.request.max_tokens = draw.output;
    p.meta = Meta{.session = session_id,
                  .turn = turn,
                  .scheduled = due,
                  .planned_input = context + Words(p.request.prompt),
                  .planned_output = draw.output,
                  .prefix_group = draw.prefix_group};
    return p;
  }

  // Issues a request now, from the loop rather than a coroutine: written at once on an idle
  // connection (a coroutine would wait for its turn behind every handler queued before it).
  Issued IssueNow(const ExchangeSpec& request) {
    Issued issued{nullptr, metrics::RequestRecord(Since(), spec_.keep_chunks)};
    if (!idle_.empty()) {
      issued.connection = std::move(idle_.back());
      idle_.pop_back();
      StartExchange(*issued.connection, request);
    }
    return issued;
  }

  // One request, issued now unless `issued` says it was: exchange, record, observer.
  awaitable<SendOutcome> Send(Planned planned, std::optional<Issued> issued) {
    if (!issued)
      issued.emplace(Issued{nullptr, metrics::RequestRecord(Since(), spec_.keep_chunks)});
    metrics::RequestRecord& record = issued->record;
    ExchangeOutput out;
    std::unique_ptr<net::HttpConnection> connection = std::move(issued->connection);
    const bool written = connection != nullptr;
    if (!written) connection = co_await Take();
    if (!connection) {
      record.FinishError(Since(), 0, "connection");
      out.error = fmt::format("cannot connect to {}:{}", url_.host, url_.port);
    } else {
      if (written) {
        co_await FinishExchange(*connection, planned.request, epoch_, record, &out);
      } else {
        co_await Exchange(*connection, planned.request, epoch_, record, &out);
      }
      if (connection->reusable()) idle_.push_back(std::move(connection));
    }
    collector_.Add(record);
    const bool ok = record.outcome() == metrics::Outcome::kOk;
    const Meta& meta = planned.meta;
    if (on_request_) {
      on_request_(SentRequest{.record = record,
                              .id = planned.n,
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

  // One conversation of spec_.turns requests. Turn 0 is `first` when given (open loop: issued
  // by the loop as `issued`), else planned now. False once a limit stopped it (the caller
  // starts no more), true otherwise.
  awaitable<bool> Session(uint64_t session_id, std::optional<Planned> first,
                          std::optional<Issued> issued) {
    workload::Rng think_rng(
        workload::DeriveSeed(workload::DeriveSeed(spec_.seed, kThinkStream), session_id));
    std::vector<Message> history;
    int64_t context = 0;  // tokens of the conversation so far
    for (int turn = 0; turn < spec_.turns; ++turn) {
      std::optional<Planned> planned;
      if (turn == 0 && first) {
        planned = std::move(first);
      } else {
        double due = Since();
        if (turn > 0) {
          const double think = std::max(0.0, spec_.think_time.SampleReal(think_rng));
          due += think;
          if (spec_.duration > 0 && due >= spec_.duration) co_return false;
          co_await SleepUntil(due);
        }
        planned = Plan(session_id, turn, due, history, context);
        if (!planned) co_return false;
      }
      const std::string prompt = planned->request.prompt;
      std::optional<Issued> now;
      if (turn == 0) now = std::move(issued);
      SendOutcome o = co_await Send(std::move(*planned), std::move(now));
      if (!o.ok) co_return true;
      context = o.prompt_tokens + o.answer_tokens;
      if (turn + 1 < spec_.turns) {
        history.push_back(Message{"user", prompt});
        history.push_back(Message{"assistant", std::move(o.text)});
      }
    }
    co_return true;
  }

  awaitable<void> Detach(awaitable<bool> session) { co_await std::move(session); }

  // Closed loop: one conversation after another from `start` on.
  // (g++ 12 miscompiles a co_await in a loop condition: the loop tests a plain bool.)
  awaitable<void> User(double start) {
    if (start > 0) co_await SleepUntil(start);
    for (bool more = true; more;) {
      const uint64_t id = sessions_++;
      std::optional<Planned> none;
      std::optional<Issued> not_issued;
      more = co_await Session(id, std::move(none), std::move(not_issued));
    }
  }

  // The open loop's or the trace's next request: when it is due (seconds since the start)
  // and, for a trace, its row. Nullopt when the schedule is over.
  struct Scheduled {
    double t = 0;
    std::optional<workload::RequestSpec> row;
  };

  std::optional<Scheduled> NextScheduled() {
    if (schedule_over_) return std::nullopt;
    if (trace_) {
      auto next = trace_->Next();
      if (!next) {
        trace_error_ = next.error();
        return std::nullopt;
      }
      if (!*next || !Allowed(next_, (*next)->arrival)) return std::nullopt;
      return Scheduled{(*next)->arrival, **next};
    }
    const auto turns = static_cast<uint64_t>(std::max(spec_.turns, 1));
    const double t = RampTime(process_->Next(), spec_.ramp_up);
    if (!std::isfinite(t)) return std::nullopt;
    if (spec_.num_requests > 0 && opened_ * turns >= static_cast<uint64_t>(spec_.num_requests)) {
      return std::nullopt;
    }
    if (spec_.duration > 0 && t >= spec_.duration) return std::nullopt;
    return Scheduled{t, std::nullopt};
  }

  // Sends `due` now: a trace's row as one request, an arrival as the first turn of a session.
  void Issue(Scheduled due) {
    std::optional<Planned> planned;
    uint64_t session = 0;
    if (due.row) {
      const workload::RequestSpec& row = *due.row;
      planned.emplace();
      planned->n = next_++;
      ++result_.sent;
      ++result_.sessions;
      planned->request = spec_.request;
      planned->request.max_tokens = row.output_tokens;
      if (row.prefix_hashes.empty()) {
        planned->request.prompt = prompts_.TurnText(planned->n, row.input_tokens);
      } else {
        auto text = FromBlocks(row.prefix_hashes, row.hash_block_tokens, row.input_tokens,
                               workload::DeriveSeed(spec_.seed, planned->n));
        if (!text) {
          trace_error_ = text.error();
          schedule_over_ = true;
          return;
        }
        planned->request.prompt = std::move(*text);
      }
      planned->meta = Meta{.session = planned->n,
                           .scheduled = row.arrival,
                           .planned_input = row.input_tokens,
                           .planned_output = row.output_tokens};
    } else {
      session = opened_++;
      planned = Plan(session, 0, due.t, {}, 0);
      if (!planned) {
        schedule_over_ = true;
        return;
      }
    }
    Issued issued = IssueNow(planned->request);
    lags_.push_back(std::max(0.0, issued.record.t_send - due.t));
    if (due.row) {
      asio::co_spawn(io_, Discard(Send(std::move(*planned), std::move(issued))), asio::detached);
    } else {
      asio::co_spawn(io_, Detach(Session(session, std::move(planned), std::move(issued))),
                     asio::detached);
    }
  }

  // Runs the event loop of an open loop or a trace replay, issuing each request at its time
  // between two handlers. Why not a coroutine waiting on a timer: the loop runs the handlers of
  // a wake-up in order, and a coroutine resumed at the due time, and the request it then
  // spawned, would each wait behind all the handlers queued before them (at thousands of
  // streamed chunks a second, milliseconds). Between two handlers the wait is one handler.
  Status Drive() {
    Alarm alarm(io_);
    if (!alarm.ok()) {
      return Fail(ErrorCode::kInternal,
                  fmt::format("cannot create the send clock's timer: {}", std::strerror(errno)));
    }
    // Work for the loop while requests remain to be issued: between two handlers it may have
    // none in flight, and an io_context that runs out of work stops.
    auto schedule_work = asio::make_work_guard(io_);
    std::optional<Scheduled> next = NextScheduled();
    for (;;) {
      while (next && Clock::now() >= At(next->t)) {
        Issue(std::move(*next));
        next = NextScheduled();
      }
      if (next) {
        alarm.Set(At(next->t));
      } else {
        alarm.Off();
        schedule_work.reset();
      }
      if (io_.run_one() == 0) break;
    }
    return {};
  }

  awaitable<void> Discard(awaitable<SendOutcome> send) { co_await std::move(send); }

  const LoadSpec& spec_;
  net::Url url_;
  const PromptMaker& prompts_;
  std::unique_ptr<workload::TraceReader> trace_;
  std::optional<Error> trace_error_;
  std::unique_ptr<workload::ArrivalProcess> process_;  // open loop
  bool schedule_over_ = false;
  metrics::MetricsCollector& collector_;
  const std::function<void(const SentRequest&)>& on_request_;
  const std::function<void(uint64_t, uint64_t)>& progress_;
  asio::io_context io_;
  Clock::time_point epoch_;
  std::vector<std::unique_ptr<net::HttpConnection>> idle_;
  std::vector<double> lags_;
  uint64_t next_ = 0, done_ = 0, planned_ = 0, sessions_ = 0, opened_ = 0;
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
