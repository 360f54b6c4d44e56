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

}  // namespace aiinfra::bench
