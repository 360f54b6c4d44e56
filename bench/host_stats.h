// What the host tells about a benchmark's own threads and sockets: CPU time, time spent waiting
// for a CPU (other processes had it), and the kernel's TCP counters. Linux only; figures the
// host does not give read as 0.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace aiinfra::bench {

double ThreadCpu();   // CPU seconds of the calling thread
double ProcessCpu();  // CPU seconds of this process (all threads, user + system)

// Seconds thread `tid` of this process has waited runnable but not running (the run delay of
// /proc/self/task/TID/schedstat).
double ThreadWaitSeconds(pid_t tid);

// TcpExt counters of this network namespace (/proc/net/netstat): connection attempts dropped
// because a listen queue was full, and SYNs sent again.
struct TcpCounts {
  int64_t listen_overflows = 0, syn_retransmits = 0;
  TcpCounts operator-(const TcpCounts& o) const {
    return {listen_overflows - o.listen_overflows, syn_retransmits - o.syn_retransmits};
  }
};
TcpCounts ReadTcpCounts();

// The CPUs this process may use, and the calling thread pinned to the first of them when there
// are two or more (the client's core; the second is for the endpoint or server thread).
struct CpuPlan {
  int cpus = 0;
  int client_cpu = -1, server_cpu = -1;
  bool client_pinned = false;
};
CpuPlan PinClientToFirstCpu();

// The calling thread at real-time priority (SCHED_FIFO 1) while the object lives, where the
// process may (root, CAP_SYS_NICE or RLIMIT_RTPRIO); its former policy after. Why: kernel
// threads of normal priority take a CPU for milliseconds at a time (DAMON's kdamond, sampling
// physical memory, held the client's CPU for 4 to 20 ms twice a second on the development VM),
// and a load generator's schedule sees each as a burst of late sends. Threads started inside
// the scope inherit the policy: start the endpoint's before.
class RealtimeScope {
 public:
  RealtimeScope();
  ~RealtimeScope();
  RealtimeScope(const RealtimeScope&) = delete;
  RealtimeScope& operator=(const RealtimeScope&) = delete;
  bool active() const { return active_; }
  const char* why_not() const { return why_not_; }  // when not active: the reason

 private:
  bool active_ = false;
  const char* why_not_ = "";
  int old_policy_ = 0;
  int old_priority_ = 0;
};

}  // namespace aiinfra::bench
