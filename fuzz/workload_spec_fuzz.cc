// Fuzz target for workload/workload.h and generator.h: the input as a workload YAML
// (ParseWorkloadYaml, relative paths resolved against a folder that does not exist, so no file is
// read), then, if it parses, WorkloadGenerator::Create and at most 2,000 open-loop requests, and a
// few closed-loop requests of up to 3 users of each closed-loop class. Trace options are also
// tried on a small fixed trace of the spec's format (TraceReader::FromStream).
//
// Skipped: documents with a scalar that starts with '/' (an absolute path, which would be read)
// or that unfold, aliases expanded, to more than kMaxUnfoldedNodes nodes; specs whose prompts
// could exceed kMaxBlocks prefix-hash blocks or whose closed-loop classes have more than kMaxUsers
// users in all (the generator keeps one hash per block of every prompt, and one slot per user).
// These are cost limits of this harness, not guards against known bugs: counts are bounded by
// kMaxTokens (1e9), so the largest valid prompt (a system prompt and a first user turn of 1e9
// tokens each) in blocks of 1 token has 2e9 hashes (16 GB), valid but too costly here. No known
// bug of src/workload is stepped around any more; the inputs of former ones are kept in
// corpus/workload_spec/regression-*.
//
// Checked: never a crash, never a hang; parse errors have a message and the code kInvalidInput
// (a missing empirical file included); what parses keeps the schema's promises (unique non-empty
// class names, weights > 0, duration finite and > 0, block_size >= 1, one class for a trace,
// a trace's options accepted by the reader); Create fails only with kNotFound for a trace (its
// file cannot exist here) and with kInvalidInput at workload.duration for an open-loop spec
// without a duration. Requests: in arrival order, arrivals finite, >= 0 and before the horizon;
// ids 0, 1, ... (closed-loop ones continue the count); class index in range and of an open-loop
// class (closed-loop requests: the class asked for, arrival = now); tokens >= 1, output tokens
// <= kMaxTokens, a first prompt at most the system prompt + kMaxTokens, a later turn's prompt +
// answer at most max_context (kMaxTokens without one); the counts the spec names are at most
// kMaxTokens; a session's first turn starts the next session id, each later turn follows its
// previous one with a prompt of at least the previous prompt + answer + 1 and its hashes as a
// prefix; one hash per full block of the prompt; every prompt of a class starts with the class's
// system-prompt blocks; Next() stays nullopt at the end; think times are >= 0. Every arrival
// process of the spec, built with MakeArrivalProcess, gives times that are never NaN, never
// negative and non-decreasing.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"
#include "common/yaml.h"
#include "fuzz_check.h"
#include "workload/generator.h"
#include "workload/lengths.h"
#include "workload/request.h"
#include "workload/trace.h"
#include "workload/workload.h"

namespace {

using aiinfra::ErrorCode;
using aiinfra::workload::ClassSpec;
using aiinfra::workload::Distribution;
using aiinfra::workload::RequestSpec;
using aiinfra::workload::TraceFormat;
using aiinfra::workload::WorkloadGenerator;
using aiinfra::workload::WorkloadSpec;

constexpr std::string_view kTarget = "workload_spec_fuzz";
constexpr size_t kMaxInput = 16 * 1024;
// Relative paths resolve below this folder, which does not exist: nothing is ever read.
constexpr const char* kBaseDir = "/nonexistent-aiinfra-fuzz-dir";
constexpr size_t kMaxRequests = 2000;
// Open-loop requests are pulled until this many hash blocks have been made in all (a spec of
// long prompts gets fewer requests) and not at all when one prompt could exceed it.
constexpr double kMaxBlocks = 4e6;
constexpr double kMaxUsers = 1e5;
constexpr int kClosedLoopUsers = 3;
constexpr int kClosedLoopRounds = 4;

std::string_view g_input;

[[noreturn]] void Finding(const std::string& what) {
  aiinfra::fuzz::Finding(kTarget, what, g_input);
}

// What a first walk of the document says about it.
enum class Screen { kOk, kAbsolutePath, kAliasBlowUp };

// Walks the document as the workload parser does, aliases expanded (iteratively, so nesting is
// harmless), for at most kMaxUnfoldedNodes nodes: a scalar (key or value) that starts with '/'
// would be read as an absolute path; more nodes than that, in a document of at most kMaxInput
// bytes, come from aliases repeating or containing their own anchors. ParseArrivalSpec bounds
// `sum` nesting (16) and processes (1,000), so cycles and blow-ups there are errors; this screen
// only bounds the cost of the other readers, which follow aliases as they come.
constexpr int kMaxUnfoldedNodes = 20000;

Screen ScreenDocument(const YAML::Node& root) {
  std::vector<YAML::Node> stack{root};
  int visited = 0;
  while (!stack.empty()) {
    const YAML::Node node = stack.back();
    stack.pop_back();
    if (!node) continue;
    if (++visited > kMaxUnfoldedNodes) return Screen::kAliasBlowUp;
    switch (node.Type()) {
      case YAML::NodeType::Scalar:
        if (node.Scalar().starts_with('/')) return Screen::kAbsolutePath;
        break;
      case YAML::NodeType::Sequence:
        for (const YAML::Node& item : node) stack.push_back(item);
        break;
      case YAML::NodeType::Map:
        for (const auto& kv : node) {
          stack.push_back(kv.first);
          stack.push_back(kv.second);
        }
        break;
      default:
        break;
    }
  }
  return Screen::kOk;
}

constexpr double kMaxCount = static_cast<double>(aiinfra::workload::kMaxTokens);

// The largest count Distribution::SampleCount can return (lengths.cc, sampling.cc: a standard
// normal variate is below 8.7 in magnitude, an exponential one below 38 means).
double CountBound(const Distribution& d) {
  const double lo = std::min(std::max(1.0, std::ceil(d.min())), kMaxCount);
  const double hi = std::max(lo, std::floor(std::min(d.max(), kMaxCount)));
  const double drawn = std::visit(
      [&](const auto& k) -> double {
        using T = std::decay_t<decltype(k)>;
        using namespace aiinfra::workload;
        if constexpr (std::is_same_v<T, FixedDist>) {
          return k.value;
        } else if constexpr (std::is_same_v<T, UniformDist>) {
          return hi;
        } else if constexpr (std::is_same_v<T, NormalDist>) {
          return k.mean + 9 * k.stddev;
        } else if constexpr (std::is_same_v<T, LognormalDist>) {
          return std::exp(k.mu + 9 * k.sigma);
        } else if constexpr (std::is_same_v<T, ExponentialDist>) {
          return 38 * k.mean;
        } else if constexpr (std::is_same_v<T, ZipfDist>) {
          return static_cast<double>(k.n);
        } else {
          return k.values->empty() ? 0.0 : *std::max_element(k.values->begin(), k.values->end());
        }
      },
      d.kind());
  return std::min(kMaxCount, std::max(lo, std::min(std::ceil(drawn), hi)));
}

// The counts a parsed count distribution names are at most kMaxTokens (lengths.h).
void CheckCountDistribution(const Distribution& d, const std::string& what) {
  const auto check = [&](double v, const char* name) {
    if (v > kMaxCount) Finding(what + ": " + name + " above kMaxTokens was accepted");
  };
  if (std::isfinite(d.min())) check(d.min(), "min");
  if (std::isfinite(d.max())) check(d.max(), "max");
  std::visit(
      [&](const auto& k) {
        using T = std::decay_t<decltype(k)>;
        using namespace aiinfra::workload;
        if constexpr (std::is_same_v<T, FixedDist>) {
          check(k.value, "value");
        } else if constexpr (std::is_same_v<T, NormalDist>) {
          check(k.mean, "mean");
          check(k.stddev, "stddev");
        } else if constexpr (std::is_same_v<T, ExponentialDist>) {
          check(k.mean, "mean");
        } else if constexpr (std::is_same_v<T, ZipfDist>) {
          check(static_cast<double>(k.n), "zipf max");
        } else if constexpr (std::is_same_v<T, EmpiricalDist>) {
          for (double v : *k.values) check(v, "an empirical value");
        }
      },
      d.kind());
}

// The most hash blocks one prompt of the class can have.
double BlockBound(const ClassSpec& c, int block_size) {
  const double user = c.session && c.session->new_tokens
                          ? std::max(CountBound(c.input), CountBound(*c.session->new_tokens))
                          : CountBound(c.input);
  const double output = CountBound(c.output);
  const double turns = c.session ? std::min(CountBound(c.session->turns), double(1 << 20)) : 1;
  double prompt = static_cast<double>(c.system_prompt) + user + (turns - 1) * (user + output);
  if (c.session) {
    // Later turns stay within max_context, or kMaxTokens without one (sessions.h).
    const double limit =
        c.session->max_context > 0 ? static_cast<double>(c.session->max_context) : kMaxCount;
    prompt = std::min(prompt, std::max(static_cast<double>(c.system_prompt) + user, limit));
  }
  return prompt / block_size;
}

void CheckSpec(const WorkloadSpec& spec) {
  if (spec.block_size < 1) Finding("block_size < 1 was accepted");
  if (spec.duration && !(std::isfinite(*spec.duration) && *spec.duration > 0)) {
    Finding("a duration that is not finite and > 0 was accepted");
  }
  if (spec.classes.empty()) Finding("a spec without classes was accepted");
  if (spec.trace) {
    if (spec.classes.size() != 1 || spec.arrivals) {
      Finding("a trace spec has other than one class, or shared arrivals");
    }
    return;
  }
  std::set<std::string> names;
  for (const ClassSpec& c : spec.classes) {
    if (c.name.empty()) Finding("a class without a name was accepted");
    if (!names.insert(c.name).second) Finding("a class name used twice was accepted");
    if (!(c.weight > 0) || !std::isfinite(c.weight)) Finding("a weight not finite and > 0");
    if (c.arrivals && c.closed_loop) Finding("a class with both arrivals and closed_loop");
    if (!c.arrivals && !c.closed_loop && !spec.arrivals) {
      Finding("a class without arrivals was accepted without workload.arrivals");
    }
    if (c.closed_loop && (c.closed_loop->users < 1 || c.closed_loop->users > 10000000)) {
      Finding("closed_loop users outside [1, 1e7] were accepted");
    }
    if (c.system_prompt < 0 || c.system_prompt > aiinfra::workload::kMaxTokens) {
      Finding("a system_prompt outside [0, kMaxTokens] was accepted");
    }
    CheckCountDistribution(c.input, "input");
    CheckCountDistribution(c.output, "output");
    if (c.session) {
      if (c.session->max_context < 0 || c.session->max_context > aiinfra::workload::kMaxTokens) {
        Finding("a max_context outside [0, kMaxTokens] was accepted");
      }
      CheckCountDistribution(c.session->turns, "session.turns");
      if (c.session->new_tokens) CheckCountDistribution(*c.session->new_tokens, "new_tokens");
    }
  }
}

// The trace options of the spec on a fixed three-row trace of its format: the reader accepts
// them (an empty selection aside) and yields well-formed requests.
void CheckTraceOptions(const WorkloadSpec& spec) {
  std::string text;
  switch (spec.trace->format) {
    case TraceFormat::kAzure:
      text =
          "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n"
          "2023-11-16 18:15:50.9951690,396,109\n2023-11-16 18:16:02.0000000,879,55\n";
      break;
    case TraceFormat::kSplitwise:
      text =
          "arrived_at,num_prefill_tokens,num_decode_tokens\n0.0,374,44\n4.3,396,109\n15,879,55\n";
      break;
    case TraceFormat::kBurstGpt:
      text =
          "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
          "5,ChatGPT,472,18,490,Conversation log\n45,GPT-4,1087,230,1317,Conversation log\n"
          "118,ChatGPT,417,276,693,Conversation log\n";
      break;
    case TraceFormat::kMooncake:
      text =
          "{\"timestamp\": 0, \"input_length\": 6755, \"output_length\": 500, \"hash_ids\": [0, "
          "1]}\n{\"timestamp\": 27482, \"input_length\": 600, \"output_length\": 20, \"hash_ids\": "
          "[0]}\n{\"timestamp\": 90000, \"input_length\": 70, \"output_length\": 7}\n";
      break;
  }
  auto reader = aiinfra::workload::TraceReader::FromStream(
      std::make_unique<std::istringstream>(text), "fixed.trace", spec.trace->format,
      spec.trace->options);
  if (!reader) {
    // No row in the window (kNoResult), or a rate over fewer than 2 rows (max_rows, window).
    const bool few_rows = spec.trace->options.rate > 0 &&
                          reader.error().code == ErrorCode::kInvalidInput &&
                          reader.error().where.field == "rate";
    if (reader.error().code != ErrorCode::kNoResult && !few_rows) {
      Finding("the parsed trace options fail on a valid trace: " + reader.error().ToString());
    }
    return;
  }
  double previous = 0;
  for (int i = 0; i < 4; ++i) {
    auto r = (*reader)->Next();
    if (!r) Finding("the parsed trace options: Next() failed: " + r.error().ToString());
    if (!*r) break;
    if (i == 3) Finding("the parsed trace options: more than 3 requests from 3 rows");
    const RequestSpec& q = **r;
    const bool time_ok = std::isfinite(q.arrival) && q.arrival >= previous;
    if (!time_ok || q.input_tokens < 1 || q.output_tokens < 1 || q.id != static_cast<uint64_t>(i)) {
      Finding("the parsed trace options give a malformed request");
    }
    previous = q.arrival;
  }
}

// The ArrivalProcess contract (arrivals.h): a process builds from what the parser accepted, and
// its times are never NaN, never negative, non-decreasing, and stay +infinity once there.
void CheckArrivals(const aiinfra::workload::ArrivalSpec& spec, const std::string& what) {
  for (uint64_t seed : {uint64_t{0}, uint64_t{12345}}) {
    auto process = aiinfra::workload::MakeArrivalProcess(spec, seed);
    if (!process)
      Finding(what + ": MakeArrivalProcess refuses what parsed: " + process.error().message);
    double previous = 0;
    for (int i = 0; i < 64; ++i) {
      const double t = (*process)->Next();
      if (std::isnan(t) || t < previous) {
        Finding(what + ": arrival " + std::to_string(i) + " at " + std::to_string(t) + " after " +
                std::to_string(previous));
      }
      previous = t;
      if (std::isinf(t)) {
        if (!std::isinf((*process)->Next())) Finding(what + ": a time after +infinity");
        break;
      }
    }
  }
}

struct SessionSeen {
  int turn = 0;
  int64_t input = 0;
  int64_t output = 0;
  double arrival = 0;
  std::vector<uint64_t> hashes;
};

class RequestChecker {
 public:
  RequestChecker(const WorkloadSpec& spec) : spec_(spec), class_blocks_(spec.classes.size()) {}

  void Check(const RequestSpec& q, const std::string& at) {
    if (q.id != next_id_)
      Finding(at + ": id " + std::to_string(q.id) + ", expected " + std::to_string(next_id_));
    ++next_id_;
    if (q.class_index < 0 || q.class_index >= static_cast<int>(spec_.classes.size())) {
      Finding(at + ": class index out of range");
    }
    const ClassSpec& c = spec_.classes[q.class_index];
    if (q.input_tokens < 1 || q.output_tokens < 1) Finding(at + ": tokens < 1");
    if (q.output_tokens > aiinfra::workload::kMaxTokens) Finding(at + ": output > kMaxTokens");
    if (q.turn == 0 && q.input_tokens > c.system_prompt + aiinfra::workload::kMaxTokens) {
      Finding(at + ": a first prompt longer than the system prompt + kMaxTokens");
    }
    if (q.input_tokens <= c.system_prompt)
      Finding(at + ": the prompt is not longer than the system prompt");
    if (q.hash_block_tokens != spec_.block_size)
      Finding(at + ": hash_block_tokens is not block_size");
    if (static_cast<int64_t>(q.prefix_hashes.size()) != q.input_tokens / spec_.block_size) {
      Finding(at + ": not one hash per full block of the prompt");
    }
    // The class's system-prompt blocks start every prompt of the class.
    const size_t system_blocks = static_cast<size_t>(c.system_prompt / spec_.block_size);
    std::optional<std::vector<uint64_t>>& shared = class_blocks_[q.class_index];
    const std::vector<uint64_t> mine(q.prefix_hashes.begin(),
                                     q.prefix_hashes.begin() + system_blocks);
    if (!shared) {
      shared = mine;
    } else if (*shared != mine) {
      Finding(at + ": the system-prompt blocks differ between prompts of a class");
    }
    if (q.turn < 0) Finding(at + ": negative turn");
    if (q.turn == 0) {
      if (q.session_id != next_session_) {
        Finding(at + ": a first turn of session " + std::to_string(q.session_id) + ", expected " +
                std::to_string(next_session_));
      }
      ++next_session_;
    } else {
      const auto it = sessions_.find(q.session_id);
      if (it == sessions_.end()) Finding(at + ": a later turn of a session never started");
      const SessionSeen& prev = it->second;
      if (q.turn != prev.turn + 1) Finding(at + ": turns of a session skip or repeat");
      if (!c.session) Finding(at + ": a later turn in a class without sessions");
      if (q.arrival < prev.arrival) Finding(at + ": a turn arrives before the previous one");
      if (q.input_tokens < prev.input + prev.output + 1) {
        Finding(at + ": the prompt did not grow by the previous answer and >= 1 new token");
      }
      if (q.prefix_hashes.size() < prev.hashes.size() ||
          !std::equal(prev.hashes.begin(), prev.hashes.end(), q.prefix_hashes.begin())) {
        Finding(at + ": the previous turn's hashes are not a prefix of this one's");
      }
      if (c.session) {
        const int64_t limit =
            c.session->max_context > 0 ? c.session->max_context : aiinfra::workload::kMaxTokens;
        if (q.input_tokens + q.output_tokens > limit) {
          Finding(at + ": a later turn passes max_context (kMaxTokens without one)");
        }
      }
    }
    if (q.session_id >= next_session_) Finding(at + ": a session id not started yet");
    SessionSeen& seen = sessions_[q.session_id];
    seen.turn = q.turn;
    seen.input = q.input_tokens;
    seen.output = q.output_tokens;
    seen.arrival = q.arrival;
    seen.hashes = q.prefix_hashes;
  }

  uint64_t next_id() const { return next_id_; }

 private:
  const WorkloadSpec& spec_;
  std::vector<std::optional<std::vector<uint64_t>>> class_blocks_;
  std::map<uint64_t, SessionSeen> sessions_;
  uint64_t next_id_ = 0;
  uint64_t next_session_ = 0;
};

void CheckGenerator(const WorkloadSpec& spec) {
  auto created = WorkloadGenerator::Create(spec);
  if (spec.trace) {
    // The trace's path lies below kBaseDir, which does not exist.
    if (created) Finding("a trace below a folder that does not exist was opened");
    aiinfra::fuzz::CheckError(kTarget, "Create (trace)", created.error(), {ErrorCode::kNotFound},
                              g_input);
    return;
  }
  bool open_loop = false;
  for (const ClassSpec& c : spec.classes) open_loop = open_loop || !c.closed_loop;
  if (!created) {
    aiinfra::fuzz::CheckError(kTarget, "Create", created.error(), {ErrorCode::kInvalidInput},
                              g_input);
    if (spec.duration || !open_loop || created.error().where.field != "workload.duration") {
      Finding("Create failed other than for a missing duration: " + created.error().ToString());
    }
    return;
  }
  WorkloadGenerator& g = *created;
  const double horizon = spec.duration.value_or(std::numeric_limits<double>::infinity());
  if (g.horizon() != horizon) Finding("horizon() is not the duration");
  if (g.class_names().size() != spec.classes.size()) Finding("class_names() has another size");
  for (size_t i = 0; i < spec.classes.size(); ++i) {
    if (g.class_names()[i] != spec.classes[i].name) Finding("class_names() differ from the spec");
    const auto& loop = spec.classes[i].closed_loop;
    if (g.ClosedLoopUsers(static_cast<int>(i)) != (loop ? loop->users : 0)) {
      Finding("ClosedLoopUsers() is not the spec's users");
    }
  }
  if (g.ClosedLoopUsers(-1) != 0 || g.ClosedLoopUsers(static_cast<int>(spec.classes.size())) != 0) {
    Finding("ClosedLoopUsers() of a class out of range is not 0");
  }

  double max_blocks = 1;
  for (const ClassSpec& c : spec.classes) {
    max_blocks = std::max(max_blocks, BlockBound(c, spec.block_size));
  }
  // Requests to make in all (open and closed loop), within the budget of hash blocks.
  size_t budget =
      std::min<size_t>(kMaxRequests, static_cast<size_t>(std::max(1.0, kMaxBlocks / max_blocks)));

  RequestChecker checker(spec);
  double previous = 0;
  size_t pulled = 0;
  bool ended = false;
  while (pulled < budget) {
    auto next = g.Next();
    if (!next) Finding("Next() failed without a trace: " + next.error().ToString());
    if (!*next) {
      ended = true;
      break;
    }
    const RequestSpec& q = **next;
    const std::string at = "open-loop request " + std::to_string(pulled);
    if (!std::isfinite(q.arrival) || q.arrival < 0) Finding(at + ": arrival not finite and >= 0");
    if (!(q.arrival < horizon)) Finding(at + ": arrival at or after the horizon");
    if (q.arrival < previous) Finding(at + ": arrivals decrease");
    previous = q.arrival;
    checker.Check(q, at);
    if (spec.classes[q.class_index].closed_loop) Finding(at + ": from a closed-loop class");
    ++pulled;
  }
  if (ended) {
    auto again = g.Next();
    if (!again || *again) Finding("Next() after the end is not nullopt");
  }
  budget -= pulled;

  // Closed loop: a few rounds of a few users of each closed-loop class.
  for (size_t i = 0; i < spec.classes.size(); ++i) {
    const auto& loop = spec.classes[i].closed_loop;
    if (!loop) continue;
    const int c = static_cast<int>(i);
    for (int user = 0; user < std::min(loop->users, kClosedLoopUsers); ++user) {
      double now = 0;
      for (int round = 0; round < kClosedLoopRounds && budget > 0; ++round, --budget) {
        const std::string at = "closed-loop class " + std::to_string(c) + " user " +
                               std::to_string(user) + " round " + std::to_string(round);
        const RequestSpec q = g.NextClosedLoopRequest(c, user, now);
        if (q.class_index != c) Finding(at + ": a request of another class");
        if (q.arrival != now) Finding(at + ": arrival is not now");
        checker.Check(q, at);
        const double think = g.NextThinkTime(c, user);
        // A lognormal or exponential think time may overflow to +infinity (never again).
        if (!(think >= 0)) Finding(at + ": think time not >= 0");
        now += think + 1;
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  g_input = input;

  // Never read a file: skip documents that name an absolute path anywhere.
  auto root = aiinfra::ParseYaml(input, "fuzz.yaml");
  if (root && ScreenDocument(root->node) != Screen::kOk) return 0;

  auto spec = aiinfra::workload::ParseWorkloadYaml(input, "fuzz.yaml", std::string(kBaseDir));
  if (!spec) {
    aiinfra::fuzz::CheckError(kTarget, "ParseWorkloadYaml", spec.error(),
                              {ErrorCode::kInvalidInput}, input);
    return 0;
  }
  if (!root) Finding("ParseWorkloadYaml accepted what ParseYaml refused");
  CheckSpec(*spec);
  if (spec->trace) CheckTraceOptions(*spec);

  // Specs whose generation costs too much time or memory here (see the top of this file).
  double users = 0;
  double max_blocks = 0;
  for (const ClassSpec& c : spec->classes) {
    if (c.closed_loop) users += c.closed_loop->users;
    if (!spec->trace) max_blocks = std::max(max_blocks, BlockBound(c, spec->block_size));
  }
  if (users > kMaxUsers || !(max_blocks <= kMaxBlocks)) return 0;
  if (!spec->trace) {
    if (spec->arrivals) CheckArrivals(*spec->arrivals, "workload.arrivals");
    for (const ClassSpec& c : spec->classes) {
      if (c.arrivals) CheckArrivals(*c.arrivals, "the arrivals of class " + c.name);
    }
  }
  CheckGenerator(*spec);
  return 0;
}
