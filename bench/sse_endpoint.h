// The loopback SSE endpoint of loadgen_bench (sse_server.h) where it fits: in a thread of this
// process, or in a child process (the same executable, started with kEndpointFlag) when one
// process cannot hold the descriptors of both ends of every stream (RLIMIT_NOFILE). Either way
// its counts come back when it stops.
//
// Thread safety: none; the thread that started it uses it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "sse_server.h"

namespace aiinfra::bench {

// argv[1] of a child endpoint process; main() hands such a process to SseEndpointMain.
inline constexpr std::string_view kEndpointFlag = "--endpoint";

class SseEndpoint {
 public:
  // nullptr (the reason on stderr) when it cannot start.
  static std::unique_ptr<SseEndpoint> Start(const SseServerOptions& options, bool child_process);
  ~SseEndpoint();  // Stop()

  const std::string& url() const { return url_; }
  bool in_process() const { return server_ != nullptr; }
  // CPU seconds of the endpoint's thread, and seconds it waited for its CPU, when it runs in
  // this process (else 0: not ours to count).
  double CpuSeconds() const;
  double WaitSeconds() const;

  struct Counts {
    int64_t peak = 0;  // most streams open at once
    uint64_t finished = 0, broken = 0;
    double cpu = 0;   // CPU seconds of the endpoint (its thread, or its whole process)
    double wait = 0;  // seconds its thread waited for its CPU since it started
  };
  // Stops the endpoint (a child process exits) and returns its counts; again: the same counts.
  Counts Stop();

 private:
  SseEndpoint() = default;
  std::string url_;
  std::unique_ptr<SseServer> server_;
  pid_t child_ = 0;
  int to_child_ = -1;
  std::FILE* from_child_ = nullptr;
  Counts counts_;
};

// The child process: argv = {name, kEndpointFlag, first_delay_us, delay_us, cpu,
// max_connections}. Prints "port N", serves until its stdin closes, prints its counts.
int SseEndpointMain(int argc, char** argv);

}  // namespace aiinfra::bench
