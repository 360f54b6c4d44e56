// WorkloadGenerator: the requests of a WorkloadSpec, lazily, in arrival order.
//
// Open loop (Next): the classes' arrival processes (each class's own, and the shared one whose
// arrivals are dealt to classes by weight) are merged with the pending next turns of sessions in
// progress; each pull yields the earliest. Memory is bounded by the sessions in progress and the
// processes, never by the number of requests. A session's next turn is due one think time after
// its previous turn arrived: an open-loop generator cannot know when an answer ends (closed loop
// can). Ties go to pending turns, then to classes in spec order. A trace replay yields the
// trace's requests (trace.h).
//
// Closed loop: for a class with `closed_loop`, the simulator runs `users` users; when a user is
// ready it calls NextClosedLoopRequest(class, user, now), and when the answer has ended it waits
// NextThinkTime(class, user). A user runs one session after another (a class without sessions:
// one-turn sessions); think time is the session's between turns and closed_loop's between
// sessions.
//
// Determinism: everything is fixed by the spec's seed. Each class draws from its own streams
// (arrivals, lengths, sessions), so adding a class leaves the others' arrivals and lengths
// unchanged (request and session ids, being global counters, do change).
//
// Thread safety: one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "common/result.h"
#include "workload/arrivals.h"
#include "workload/request.h"
#include "workload/sessions.h"
#include "workload/trace.h"
#include "workload/workload.h"

namespace aiinfra::workload {

class WorkloadGenerator {
 public:
  // Errors: an open-loop synthetic workload without a duration (kInvalidInput at
  // workload.duration); a trace that cannot be opened or read (trace.h).
  static Result<WorkloadGenerator> Create(const WorkloadSpec& spec);

  WorkloadGenerator(WorkloadGenerator&&) noexcept;
  WorkloadGenerator& operator=(WorkloadGenerator&&) noexcept;
  ~WorkloadGenerator();

  // The next open-loop request (arrival < horizon), or nullopt when there are no more. Errors
  // come only from a trace whose file changed while it was read.
  Result<std::optional<RequestSpec>> Next();

  // Users of a closed-loop class; 0 for other classes.
  int ClosedLoopUsers(int class_index) const;
  // Preconditions: the class is closed-loop, 0 <= user < its users.
  RequestSpec NextClosedLoopRequest(int class_index, int user, double now);
  double NextThinkTime(int class_index, int user);

  double horizon() const { return horizon_; }  // seconds; +infinity for an unbounded trace
  uint64_t seed() const { return seed_; }
  const std::vector<std::string>& class_names() const { return class_names_; }
  // Warnings of the trace reader (skipped rows, sorting), for the caller to show.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  struct ClassState;
  struct Source {
    std::unique_ptr<ArrivalProcess> process;
    int class_index = -1;  // -1: the shared process, class drawn by weight
    double next = 0;
  };
  struct Pending {
    double time;
    uint64_t seq;
    SessionState session;
    bool operator>(const Pending& o) const { return time != o.time ? time > o.time : seq > o.seq; }
  };

  WorkloadGenerator() = default;
  int DrawSharedClass();
  SessionState Start(int class_index);
  // The session's next turn at `at`, or nullopt if max_context ended it.
  std::optional<RequestSpec> Turn(SessionState& session, double at);
  void Schedule(SessionState session, double after);

  uint64_t seed_ = 0;
  double horizon_ = 0;
  std::vector<std::string> class_names_;
  std::vector<std::unique_ptr<ClassState>> classes_;
  std::vector<Source> sources_;
  std::vector<int> shared_classes_;
  std::vector<double> shared_cumulative_;
  Rng choice_rng_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
  uint64_t pending_seq_ = 0;
  uint64_t next_id_ = 0;
  uint64_t next_session_ = 0;
  std::unique_ptr<TraceReader> trace_;
  std::vector<std::string> warnings_;
};

}  // namespace aiinfra::workload
