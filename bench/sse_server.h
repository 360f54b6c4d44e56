// A loopback endpoint for the load generator's benchmark (bench/loadgen_bench.cc): POST
// /v1/chat/completions answered with a fixed-timing SSE stream in the OpenAI
// chat.completion.chunk shape (role first, one "tok" per chunk, a finish chunk, the usage chunk,
// `data: [DONE]`), on net::HttpServer with its own io_context in its own thread.
//
// The stream has the request's max_tokens chunks (16 when absent; at most 4096): the first after
// `first_delay`, the others `delay` apart. The server counts the streams open at once (its peak
// is the benchmark's "streams held" from the server's side) and its thread's CPU time.
//
// Thread safety: the counters may be read from any thread; everything else belongs to the
// thread that called Start.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"

namespace aiinfra::bench {

struct SseServerOptions {
  std::chrono::microseconds first_delay{0};
  std::chrono::microseconds delay{0};
  int cpu = -1;  // pins the server's thread to this CPU when >= 0
  size_t max_connections = 40'000;
};

class SseServer {
 public:
  // Binds 127.0.0.1 on a free port and starts serving in a new thread.
  static Result<std::unique_ptr<SseServer>> Start(SseServerOptions options);
  // Closes every connection and joins the thread.
  ~SseServer();

  std::string url() const;  // "http://127.0.0.1:PORT"
  // Whether the thread was pinned as asked (false when not asked or refused).
  bool pinned() const;

  int64_t open_streams() const;
  int64_t peak_streams() const;       // the most streams open at once since Start
  uint64_t finished_streams() const;  // streams that ended with [DONE]
  uint64_t broken_streams() const;    // streams whose client went away before the end
  // CPU seconds the server's thread has used so far.
  double CpuSeconds() const;
  // Seconds the server's thread has waited runnable but not running (other threads had its CPU);
  // 0 where /proc does not tell.
  double WaitSeconds() const;

 private:
  struct Impl;
  explicit SseServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace aiinfra::bench
