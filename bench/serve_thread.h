// The real `aiinfra serve` stack for serve_bench, in a thread of this process: net::HttpServer,
// serve::Service and a serve::TokenEngine wired as src/cli/serve_commands.cc wires them, on an
// io_context of their own that the thread runs, pinned to one CPU. While it serves, a timer on
// that thread samples the engine's requests in flight and the server's open connections every
// 10 ms, so the peaks are the server's own view.
//
// Thread safety: Start, the accessors and Stop are called from one (other) thread; the engine,
// service and server live on the serving thread only and are destroyed there.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "serve/engine.h"
#include "serve/service.h"

namespace aiinfra::bench {

class ServeThread {
 public:
  // Builds the engine on the serving thread's io_context.
  using EngineFactory =
      std::function<std::unique_ptr<serve::TokenEngine>(boost::asio::io_context& io)>;

  // nullptr (the reason on stderr) when the server cannot start. `cpu` < 0: not pinned.
  static std::unique_ptr<ServeThread> Start(EngineFactory make_engine,
                                            serve::ServiceOptions options, int cpu);
  ~ServeThread();  // Stop()

  const std::string& url() const { return url_; }
  pid_t tid() const { return tid_; }
  bool pinned() const { return pinned_; }
  // CPU seconds of the serving thread so far, and seconds it waited runnable for its CPU.
  double CpuSeconds() const;
  double WaitSeconds() const;

  struct Counts {
    int64_t peak_in_flight = 0;    // engine's requests in flight, sampled
    int64_t peak_connections = 0;  // HTTP connections open, sampled
    uint64_t connections_accepted = 0, requests = 0;
    serve::ServiceCounters service;
    double cpu = 0;   // CPU seconds of the serving thread, whole life
    double wait = 0;  // seconds it waited for its CPU, whole life
  };
  // Shuts the server down (no grace: call it once the load is over), aborts the engine, joins
  // the thread and returns its counts; again: the same counts.
  Counts Stop();

 private:
  ServeThread() = default;
  void Run(EngineFactory make_engine, serve::ServiceOptions options, int cpu,
           std::promise<std::string> started);

  boost::asio::io_context io_{1};
  std::thread thread_;
  std::string url_;
  std::atomic<pid_t> tid_{0};
  bool pinned_ = false;
  std::atomic<bool> finished_{false};
  bool stopped_ = false;
  std::function<void()> shutdown_;  // set by Run, called on the serving thread
  Counts counts_;
};

}  // namespace aiinfra::bench
