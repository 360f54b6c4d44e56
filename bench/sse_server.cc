#include "sse_server.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/openai.h"
#include "api/sse.h"
#include "host_stats.h"
#include "net/http_server.h"

namespace aiinfra::bench {

namespace asio = boost::asio;
using asio::awaitable;

struct SseServer::Impl {
  SseServerOptions options;
  asio::io_context io{1};
  std::unique_ptr<net::HttpServer> server;
  std::thread thread;
  std::atomic<bool> pinned{false};
  std::atomic<pid_t> tid{0};
  std::atomic<int64_t> open{0}, peak{0};
  std::atomic<uint64_t> finished{0}, broken{0};
  // The stream's pieces, encoded once: every token chunk but the first is the same bytes.
  std::string first_piece, piece;
  api::ResponseHeader header{"chatcmpl-bench", 0, "bench"};

  awaitable<void> Handle(const net::HttpRequest& req, net::ResponseWriter& w);
};

namespace {

// Counts a stream open for the lifetime of the handler's frame, whichever way it ends.
class OpenStream {
 public:
  OpenStream(std::atomic<int64_t>& open, std::atomic<int64_t>& peak) : open_(open) {
    const int64_t now = open_.fetch_add(1, std::memory_order_relaxed) + 1;
    int64_t p = peak.load(std::memory_order_relaxed);
    while (now > p && !peak.compare_exchange_weak(p, now, std::memory_order_relaxed)) {
    }
  }
  ~OpenStream() { open_.fetch_sub(1, std::memory_order_relaxed); }
  OpenStream(const OpenStream&) = delete;
  OpenStream& operator=(const OpenStream&) = delete;

 private:
  std::atomic<int64_t>& open_;
};

}  // namespace

awaitable<void> SseServer::Impl::Handle(const net::HttpRequest& req, net::ResponseWriter& w) {
  if (req.method != "POST" || req.path != "/v1/chat/completions") {
    api::ApiError error;
    error.status = 404;
    error.message = "no such route";
    co_await w.Send(404, std::string_view("application/json"), api::ErrorJson(error).dump());
    co_return;
  }
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  int64_t n = 16;
  if (body.is_object()) {
    if (auto it = body.find("max_tokens"); it != body.end() && it->is_number_integer()) {
      n = std::clamp<int64_t>(it->get<int64_t>(), 1, 4096);
    }
  }
  OpenStream counted(open, peak);
  // (g++ 12 cannot take a braced map of string literals inside a coroutine: built first.)
  std::map<std::string, std::string> headers;
  headers.emplace(std::string("Cache-Control"), std::string("no-cache"));
  if (!co_await w.Start(200, std::string_view("text/event-stream"), std::move(headers))) {
    broken.fetch_add(1, std::memory_order_relaxed);
    co_return;
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (int64_t i = 0; i < n; ++i) {
    const auto wait = i == 0 ? options.first_delay : options.delay;
    if (wait.count() > 0) {
      timer.expires_after(wait);
      co_await timer.async_wait(asio::use_awaitable);
    }
    if (!co_await w.Write(i == 0 ? first_piece : piece)) {
      broken.fetch_add(1, std::memory_order_relaxed);
      co_return;
    }
  }
  const std::string tail =
      api::EncodeSse(api::ChatChunk(header, "", false, "length", true).dump()) +
      api::EncodeSse(api::ChatUsageChunk(header, {64, n, 0}).dump()) + std::string(api::kSseDone);
  if (!co_await w.Write(tail) || !co_await w.End()) {
    broken.fetch_add(1, std::memory_order_relaxed);
    co_return;
  }
  finished.fetch_add(1, std::memory_order_relaxed);
}

SseServer::SseServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<SseServer>> SseServer::Start(SseServerOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->first_piece =
      api::EncodeSse(api::ChatChunk(impl->header, "tok", true, std::nullopt, true).dump());
  impl->piece =
      api::EncodeSse(api::ChatChunk(impl->header, "tok", false, std::nullopt, true).dump());
  net::HttpServerOptions http;
  http.max_connections = options.max_connections;
  Impl* self = impl.get();
  AIINFRA_TRY(impl->server,
              net::HttpServer::Start(impl->io, http,
                                     [self](const net::HttpRequest& req, net::ResponseWriter& w)
                                         -> awaitable<void> { return self->Handle(req, w); }));
  impl->thread = std::thread([self] {
    self->tid = gettid();
    if (self->options.cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(self->options.cpu, &set);
      self->pinned = sched_setaffinity(0, sizeof set, &set) == 0;
    }
    self->io.run();
  });
  return std::unique_ptr<SseServer>(new SseServer(std::move(impl)));
}

SseServer::~SseServer() {
  asio::post(impl_->io, [this] { impl_->server->Shutdown(std::chrono::milliseconds(0)); });
  impl_->thread.join();
}

std::string SseServer::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->server->port());
}
bool SseServer::pinned() const { return impl_->pinned.load(); }
int64_t SseServer::open_streams() const { return impl_->open.load(std::memory_order_relaxed); }
int64_t SseServer::peak_streams() const { return impl_->peak.load(std::memory_order_relaxed); }
uint64_t SseServer::finished_streams() const {
  return impl_->finished.load(std::memory_order_relaxed);
}
uint64_t SseServer::broken_streams() const { return impl_->broken.load(std::memory_order_relaxed); }

double SseServer::WaitSeconds() const {
  const pid_t tid = impl_->tid.load();
  return tid ? ThreadWaitSeconds(tid) : 0;
}

double SseServer::CpuSeconds() const {
  clockid_t clock;
  timespec ts{};
  if (pthread_getcpuclockid(impl_->thread.native_handle(), &clock) != 0 ||
      clock_gettime(clock, &ts) != 0) {
    return 0;
  }
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace aiinfra::bench
