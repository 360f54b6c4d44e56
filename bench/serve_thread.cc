#include "serve_thread.h"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <ctime>

#include "host_stats.h"
#include "net/http_server.h"

namespace aiinfra::bench {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::unique_ptr<ServeThread> ServeThread::Start(EngineFactory make_engine,
                                                serve::ServiceOptions options, int cpu) {
  auto s = std::unique_ptr<ServeThread>(new ServeThread);
  std::promise<std::string> started;
  std::future<std::string> url = started.get_future();
  s->thread_ = std::thread(&ServeThread::Run, s.get(), std::move(make_engine), std::move(options),
                           cpu, std::move(started));
  s->url_ = url.get();
  if (s->url_.empty()) {
    s->thread_.join();
    s->stopped_ = true;
    return nullptr;
  }
  return s;
}

ServeThread::~ServeThread() { Stop(); }

void ServeThread::Run(EngineFactory make_engine, serve::ServiceOptions options, int cpu,
                      std::promise<std::string> started) {
  tid_ = gettid();
  pthread_setname_np(pthread_self(), "serve");  // for perf: --comms serve
  if (cpu >= 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pinned_ = sched_setaffinity(0, sizeof one, &one) == 0;
  }
  std::unique_ptr<serve::TokenEngine> engine = make_engine(io_);
  if (!engine) {
    started.set_value("");
    return;
  }
  auto service = std::make_unique<serve::Service>(*engine, std::move(options));
  net::HttpServerOptions ho;
  ho.address = "127.0.0.1";
  ho.port = 0;
  ho.error_body = [&service](int status, std::string_view path, std::string_view message) {
    return service->ServerError(status, path, message);
  };
  auto server = net::HttpServer::Start(
      io_, ho, [&service](const net::HttpRequest& req, net::ResponseWriter& w) {
        return service->Handle(req, w);
      });
  if (!server) {
    fmt::print(stderr, "serve_bench: cannot start the server: {}\n", server.error().ToString());
    started.set_value("");
    return;
  }

  // Peaks, sampled on this thread.
  asio::steady_timer sampler(io_);
  bool stopping = false;
  std::function<void()> sample = [&] {
    counts_.peak_in_flight =
        std::max(counts_.peak_in_flight, static_cast<int64_t>(engine->in_flight()));
    counts_.peak_connections = std::max(counts_.peak_connections,
                                        static_cast<int64_t>((*server)->stats().connections_open));
    if (stopping) return;
    sampler.expires_after(10ms);
    sampler.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) sample();
    });
  };
  sample();
  shutdown_ = [&] {
    stopping = true;
    sample();
    sampler.cancel();
    (*server)->Shutdown(0ms);
    engine->Abort();
  };
  started.set_value(fmt::format("http://127.0.0.1:{}", (*server)->port()));
  io_.run();

  counts_.connections_accepted = (*server)->stats().connections_accepted;
  counts_.requests = (*server)->stats().requests;
  counts_.service = service->counters();
  server->reset();
  service.reset();
  engine.reset();
  counts_.cpu = ThreadCpu();
  counts_.wait = ThreadWaitSeconds(gettid());
  finished_ = true;
}

double ServeThread::CpuSeconds() const {
  if (stopped_) return counts_.cpu;
  clockid_t id;
  if (pthread_getcpuclockid(const_cast<std::thread&>(thread_).native_handle(), &id) != 0) return 0;
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double ServeThread::WaitSeconds() const {
  return stopped_ ? counts_.wait : ThreadWaitSeconds(tid_);
}

ServeThread::Counts ServeThread::Stop() {
  if (stopped_) return counts_;
  asio::post(io_, [this] { shutdown_(); });
  // Everything should be closed at once (the load is over); a server that does not finish in
  // 5 s is stopped where it stands.
  for (int i = 0; i < 500 && !finished_; ++i) std::this_thread::sleep_for(10ms);
  if (!finished_) {
    fmt::print(stderr, "serve_bench: the server did not finish its shutdown in 5 s: stopped\n");
    io_.stop();
  }
  thread_.join();
  stopped_ = true;
  return counts_;
}

}  // namespace aiinfra::bench
