// The Python baseline of loadgen_bench: bench/aiohttp_client.py (asyncio + aiohttp, the client
// stack of `vllm bench serve`) run as a child process on the same open-loop load, its one JSON
// line of results read back.
//
// The interpreter: $AIINFRA_PYTHON, else the first of `python3` on the PATH (a pyenv or
// virtualenv one, say) and Debian's /usr/bin/python3 (where python3-aiohttp installs) that
// imports aiohttp. Without one, the figures say why they are missing instead.
#pragma once

#include <cstdint>
#include <string>

namespace aiinfra::bench {

struct AiohttpLoad {
  std::string url;    // the endpoint's base, "http://127.0.0.1:PORT"
  double rate = 0;    // requests per second, constant arrivals
  int64_t count = 0;  // requests
  int64_t max_tokens = 0;
  int64_t input_words = 0;
  double max_wall = 0;  // seconds after which the client abandons what is left
};

struct AiohttpFigures {
  std::string skipped;      // why it did not run (a line to print); empty when it ran
  std::string version;      // "Python 3.11.2, aiohttp 3.8.4"
  std::string error_kinds;  // JSON object: kind -> count; empty without errors
  uint64_t sent = 0, completed = 0, errors = 0, abandoned = 0;
  double wall = 0, cpu = 0, achieved = 0;        // seconds, CPU seconds of the run, requests/s
  double lag_p50 = 0, lag_p99 = 0, lag_max = 0;  // send lag, seconds
  double cpu_per_request() const { return sent ? cpu / static_cast<double>(sent) : 0; }
};

inline constexpr const char* kAiohttpSkipped =
    "skipped: install python3-aiohttp (scripts/setup.sh does)";

// Runs the client (blocking until it exits).
AiohttpFigures RunAiohttpClient(const AiohttpLoad& load);

}  // namespace aiinfra::bench
