#include "workload/generator.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace aiinfra::workload {
namespace {

// Stream numbers for DeriveSeed: fixed forever, since changing one changes every workload.
constexpr uint64_t kSharedArrivalStream = 1;
constexpr uint64_t kChoiceStream = 2;
uint64_t ClassStream(int class_index, uint64_t which) {
  return 100 + 4 * static_cast<uint64_t>(class_index) + which;
}
constexpr uint64_t kArrivals = 0, kLengths = 1, kSessions = 2;

}  // namespace

struct WorkloadGenerator::ClassState {
  ClassSpec spec;
  PrefixHasher hasher;
  Rng lengths_rng;
  Rng session_rng;
  std::vector<std::optional<SessionState>> users;  // closed loop
};

WorkloadGenerator::WorkloadGenerator(WorkloadGenerator&&) noexcept = default;
WorkloadGenerator& WorkloadGenerator::operator=(WorkloadGenerator&&) noexcept = default;
WorkloadGenerator::~WorkloadGenerator() = default;

Result<WorkloadGenerator> WorkloadGenerator::Create(const WorkloadSpec& spec) {
  WorkloadGenerator g;
  g.seed_ = spec.seed.value_or(0);
  g.horizon_ = spec.duration.value_or(std::numeric_limits<double>::infinity());
  for (const ClassSpec& c : spec.classes) g.class_names_.push_back(c.name);

  if (spec.trace) {
    TraceOptions options = spec.trace->options;
    options.class_index = 0;
    AIINFRA_TRY(g.trace_, TraceReader::Open(spec.trace->path, spec.trace->format, options));
    g.warnings_ = g.trace_->warnings();
    return g;
  }

  bool open_loop = false;
  for (size_t i = 0; i < spec.classes.size(); ++i) {
    const ClassSpec& c = spec.classes[i];
    const int index = static_cast<int>(i);
    auto state = std::make_unique<ClassState>(
        ClassState{c,
                   PrefixHasher(ClassTag(g.seed_, index), c.system_prompt, spec.block_size),
                   Rng(DeriveSeed(g.seed_, ClassStream(index, kLengths))),
                   Rng(DeriveSeed(g.seed_, ClassStream(index, kSessions))),
                   {}});
    if (c.closed_loop) {
      state->users.resize(c.closed_loop->users);
    } else if (c.arrivals) {
      auto process =
          MakeArrivalProcess(*c.arrivals, DeriveSeed(g.seed_, ClassStream(index, kArrivals)));
      if (!process) {
        return Fail(ErrorCode::kInvalidInput, process.error().message,
                    Location{"", 0, 0, "workload.classes[" + std::to_string(i) + "].arrivals"});
      }
      g.sources_.push_back(Source{std::move(*process), index, 0});
      open_loop = true;
    } else {
      g.shared_classes_.push_back(index);
      g.shared_cumulative_.push_back(
          (g.shared_cumulative_.empty() ? 0.0 : g.shared_cumulative_.back()) + c.weight);
      open_loop = true;
    }
    g.classes_.push_back(std::move(state));
  }
  if (!g.shared_classes_.empty()) {
    if (!spec.arrivals) {
      return Fail(ErrorCode::kInvalidInput,
                  "classes without their own arrivals need workload.arrivals",
                  Location{"", 0, 0, "workload.arrivals"});
    }
    auto process = MakeArrivalProcess(*spec.arrivals, DeriveSeed(g.seed_, kSharedArrivalStream));
    if (!process) {
      return Fail(ErrorCode::kInvalidInput, process.error().message,
                  Location{"", 0, 0, "workload.arrivals"});
    }
    g.sources_.push_back(Source{std::move(*process), -1, 0});
    g.choice_rng_.seed(DeriveSeed(g.seed_, kChoiceStream));
  }
  if (open_loop && !spec.duration) {
    return Fail(ErrorCode::kInvalidInput,
                "an open-loop workload needs a duration: give workload.duration (or the "
                "scenario's duration)",
                Location{"", 0, 0, "workload.duration"});
  }
  for (Source& s : g.sources_) s.next = s.process->Next();
  return g;
}

int WorkloadGenerator::DrawSharedClass() {
  const double x = Uniform01(choice_rng_) * shared_cumulative_.back();
  const size_t i = std::upper_bound(shared_cumulative_.begin(), shared_cumulative_.end(), x) -
                   shared_cumulative_.begin();
  return shared_classes_[std::min(i, shared_classes_.size() - 1)];
}

SessionState WorkloadGenerator::Start(int class_index) {
  ClassState& c = *classes_[class_index];
  const int turns = c.spec.session ? static_cast<int>(std::min<int64_t>(
                                         c.spec.session->turns.SampleCount(c.session_rng), 1 << 20))
                                   : 1;
  const uint64_t id = next_session_++;
  return StartSession(id, SessionTag(seed_, id), class_index, turns, c.hasher);
}

std::optional<RequestSpec> WorkloadGenerator::Turn(SessionState& session, double at) {
  ClassState& c = *classes_[session.class_index];
  const Distribution& user_dist = session.turn > 0 && c.spec.session && c.spec.session->new_tokens
                                      ? *c.spec.session->new_tokens
                                      : c.spec.input;
  const int64_t user = user_dist.SampleCount(c.lengths_rng);
  const int64_t output = c.spec.output.SampleCount(c.lengths_rng);
  const int64_t max_context = c.spec.session ? c.spec.session->max_context : 0;
  auto request = NextTurn(session, next_id_, at, user, output, c.hasher, max_context);
  if (request) ++next_id_;
  return request;
}

void WorkloadGenerator::Schedule(SessionState session, double after) {
  if (session.Done()) return;
  ClassState& c = *classes_[session.class_index];
  const double think = c.spec.session->think_time.SampleReal(c.session_rng);
  session.next_arrival = after + std::max(think, 0.0);
  if (!(session.next_arrival < horizon_)) return;  // would never be yielded: drop it now
  pending_.push(Pending{session.next_arrival, pending_seq_++, std::move(session)});
}

Result<std::optional<RequestSpec>> WorkloadGenerator::Next() {
  if (trace_) {
    AIINFRA_TRY(std::optional<RequestSpec> r, trace_->Next());
    if (r && !(r->arrival < horizon_)) return std::nullopt;
    return r;
  }
  while (true) {
    Source* source = nullptr;
    for (Source& s : sources_) {
      if (!source || s.next < source->next) source = &s;
    }
    const double source_time = source ? source->next : std::numeric_limits<double>::infinity();
    const bool from_pending = !pending_.empty() && pending_.top().time <= source_time;
    const double t = from_pending ? pending_.top().time : source_time;
    if (!(t < horizon_)) return std::nullopt;
    SessionState session;
    if (from_pending) {
      session = pending_.top().session;
      pending_.pop();
    } else {
      const int class_index = source->class_index >= 0 ? source->class_index : DrawSharedClass();
      source->next = source->process->Next();
      session = Start(class_index);
    }
    std::optional<RequestSpec> request = Turn(session, t);
    if (!request) continue;  // max_context ended the session
    Schedule(std::move(session), t);
    return request;
  }
}

int WorkloadGenerator::ClosedLoopUsers(int class_index) const {
  if (class_index < 0 || class_index >= static_cast<int>(classes_.size())) return 0;
  const ClassSpec& spec = classes_[class_index]->spec;
  return spec.closed_loop ? spec.closed_loop->users : 0;
}

RequestSpec WorkloadGenerator::NextClosedLoopRequest(int class_index, int user, double now) {
  assert(ClosedLoopUsers(class_index) > user && user >= 0);
  std::optional<SessionState>& slot = classes_[class_index]->users[user];
  if (slot && !slot->Done()) {
    if (auto request = Turn(*slot, now)) return *request;
  }
  // A new session's first turn is always sent (max_context applies from the second).
  slot = Start(class_index);
  return *Turn(*slot, now);
}

double WorkloadGenerator::NextThinkTime(int class_index, int user) {
  assert(ClosedLoopUsers(class_index) > user && user >= 0);
  ClassState& c = *classes_[class_index];
  const std::optional<SessionState>& slot = c.users[user];
  const Distribution& think = slot && !slot->Done() && c.spec.session
                                  ? c.spec.session->think_time
                                  : c.spec.closed_loop->think_time;
  return std::max(think.SampleReal(c.session_rng), 0.0);
}

}  // namespace aiinfra::workload
