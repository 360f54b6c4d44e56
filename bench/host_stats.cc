#include "host_stats.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

namespace aiinfra::bench {

double ThreadCpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double ProcessCpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto s = [](timeval t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

double ThreadWaitSeconds(pid_t tid) {
  // schedstat: nanoseconds on the CPU, nanoseconds waiting on a run queue, time slices.
  std::FILE* f = std::fopen(("/proc/self/task/" + std::to_string(tid) + "/schedstat").c_str(), "r");
  if (!f) return 0;
  unsigned long long run = 0, wait = 0;
  const int n = std::fscanf(f, "%llu %llu", &run, &wait);
  std::fclose(f);
  return n == 2 ? static_cast<double>(wait) * 1e-9 : 0;
}

namespace {

std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    const size_t j = line.find_first_of(" \n", i);
    if (j != i) words.push_back(line.substr(i, j - i));
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return words;
}

}  // namespace

TcpCounts ReadTcpCounts() {
  TcpCounts t;
  std::FILE* f = std::fopen("/proc/net/netstat", "r");
  if (!f) return t;
  std::vector<std::string> lines;
  char line[8192];
  while (std::fgets(line, sizeof line, f)) lines.emplace_back(line);
  std::fclose(f);
  // Pairs of lines: "TcpExt: Name1 Name2 ..." then "TcpExt: value1 value2 ...".
  for (size_t k = 0; k + 1 < lines.size(); ++k) {
    if (!lines[k].starts_with("TcpExt:") || !lines[k + 1].starts_with("TcpExt:")) continue;
    const auto names = Words(lines[k]), values = Words(lines[k + 1]);
    for (size_t i = 1; i < names.size() && i < values.size(); ++i) {
      if (names[i] == "ListenOverflows") t.listen_overflows = std::atoll(values[i].c_str());
      if (names[i] == "TCPSynRetrans") t.syn_retransmits = std::atoll(values[i].c_str());
    }
    break;
  }
  return t;
}

CpuPlan PinClientToFirstCpu() {
  CpuPlan plan;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return plan;
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  }
  plan.cpus = static_cast<int>(cpus.size());
  if (cpus.size() < 2) return plan;
  plan.client_cpu = cpus[0];
  plan.server_cpu = cpus[1];
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(plan.client_cpu, &one);
  plan.client_pinned = sched_setaffinity(0, sizeof one, &one) == 0;
  return plan;
}

RealtimeScope::RealtimeScope() {
  sched_param old{};
  if (pthread_getschedparam(pthread_self(), &old_policy_, &old) != 0) {
    why_not_ = "the thread's policy cannot be read";
    return;
  }
  old_priority_ = old.sched_priority;
  const sched_param rt{.sched_priority = 1};
  const int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &rt);
  active_ = err == 0;
  if (!active_) {
    why_not_ = err == EPERM ? "not permitted (needs root, CAP_SYS_NICE or RLIMIT_RTPRIO)"
                            : "refused by the kernel";
  }
}

RealtimeScope::~RealtimeScope() {
  if (!active_) return;
  const sched_param old{.sched_priority = old_priority_};
  pthread_setschedparam(pthread_self(), old_policy_, &old);
}

}  // namespace aiinfra::bench
