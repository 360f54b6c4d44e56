#include "sse_endpoint.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "host_stats.h"

namespace aiinfra::bench {

std::unique_ptr<SseEndpoint> SseEndpoint::Start(const SseServerOptions& options,
                                                bool child_process) {
  auto e = std::unique_ptr<SseEndpoint>(new SseEndpoint);
  if (!child_process) {
    auto s = SseServer::Start(options);
    if (!s) {
      fmt::print(stderr, "loadgen_bench: cannot start the endpoint: {}\n", s.error().ToString());
      return nullptr;
    }
    e->server_ = std::move(*s);
    e->url_ = e->server_->url();
    return e;
  }
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return nullptr;
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    return nullptr;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::string args[] = {"loadgen_bench",
                        std::string(kEndpointFlag),
                        std::to_string(options.first_delay.count()),
                        std::to_string(options.delay.count()),
                        std::to_string(options.cpu),
                        std::to_string(options.max_connections)};
  char* argv[] = {args[0].data(), args[1].data(), args[2].data(), args[3].data(),
                  args[4].data(), args[5].data(), nullptr};
  const int rc = posix_spawn(&e->child_, "/proc/self/exe", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  e->to_child_ = in[1];
  if (rc != 0) e->child_ = 0;
  e->from_child_ = fdopen(out[0], "r");
  if (rc != 0 || !e->from_child_) {
    if (!e->from_child_) close(out[0]);
    fmt::print(stderr, "loadgen_bench: cannot start the endpoint process\n");
    return nullptr;
  }
  char line[256];
  int port = 0;
  if (!std::fgets(line, sizeof line, e->from_child_) || std::sscanf(line, "port %d", &port) != 1) {
    fmt::print(stderr, "loadgen_bench: the endpoint process did not start\n");
    return nullptr;
  }
  e->url_ = fmt::format("http://127.0.0.1:{}", port);
  return e;
}

SseEndpoint::~SseEndpoint() { Stop(); }

double SseEndpoint::CpuSeconds() const { return server_ ? server_->CpuSeconds() : 0; }
double SseEndpoint::WaitSeconds() const { return server_ ? server_->WaitSeconds() : 0; }

SseEndpoint::Counts SseEndpoint::Stop() {
  if (server_) {
    counts_ = {server_->peak_streams(), server_->finished_streams(), server_->broken_streams(),
               server_->CpuSeconds(), server_->WaitSeconds()};
    server_.reset();
  }
  if (to_child_ >= 0) {
    close(to_child_);  // the child's cue to print its counts and exit
    to_child_ = -1;
  }
  if (from_child_) {
    char line[256];
    long long peak = 0;
    unsigned long long finished = 0, broken = 0;
    double cpu = 0, wait = 0;
    if (std::fgets(line, sizeof line, from_child_) &&
        std::sscanf(line, "peak %lld finished %llu broken %llu cpu %lf wait %lf", &peak, &finished,
                    &broken, &cpu, &wait) == 5) {
      counts_ = {peak, finished, broken, cpu, wait};
    }
    std::fclose(from_child_);
    from_child_ = nullptr;
  }
  if (child_ > 0) {
    waitpid(child_, nullptr, 0);
    child_ = 0;
  }
  return counts_;
}

int SseEndpointMain(int argc, char** argv) {
  if (argc < 6) {
    fmt::print(stderr, "usage: {} {} FIRST_US DELAY_US CPU MAX_CONNECTIONS\n", argv[0],
               kEndpointFlag);
    return 2;
  }
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  auto s = SseServer::Start({.first_delay = std::chrono::microseconds(std::atoll(argv[2])),
                             .delay = std::chrono::microseconds(std::atoll(argv[3])),
                             .cpu = std::atoi(argv[4]),
                             .max_connections = static_cast<size_t>(std::atoll(argv[5]))});
  if (!s) {
    fmt::print(stderr, "loadgen_bench {}: {}\n", kEndpointFlag, s.error().ToString());
    return 1;
  }
  const std::string url = (*s)->url();
  fmt::print("port {}\n", url.substr(url.rfind(':') + 1));
  std::fflush(stdout);
  char buffer[64];
  while (read(0, buffer, sizeof buffer) > 0) {
  }
  fmt::print("peak {} finished {} broken {} cpu {:.6f} wait {:.6f}\n", (*s)->peak_streams(),
             (*s)->finished_streams(), (*s)->broken_streams(), ProcessCpu(), (*s)->WaitSeconds());
  std::fflush(stdout);
  return 0;
}

}  // namespace aiinfra::bench
