// WorkloadSpec: the `workload:` section of a scenario file, parsed and checked. The schema, with
// examples, is in src/workload/README.md; generator.h turns a spec into requests.
//
// A workload is either synthetic (classes of traffic, each with an arrival process or closed-loop
// users, length distributions, an optional shared system prompt and optional multi-turn
// sessions) or a trace replay (`trace:`), which gives arrivals and lengths itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/yaml.h"
#include "workload/arrivals.h"
#include "workload/lengths.h"
#include "workload/sessions.h"
#include "workload/trace.h"

namespace aiinfra::workload {

struct ClassSpec {
  std::string name;
  // Share of the workload-wide arrival process (classes without their own process or closed
  // loop); relative, > 0.
  double weight = 1;
  std::optional<ArrivalSpec> arrivals;    // the class's own process
  std::optional<ClosedLoop> closed_loop;  // closed-loop users instead of arrivals
  Distribution input;                     // user tokens of a first turn (prompt = system + this)
  Distribution output;                    // tokens to generate
  int64_t system_prompt = 0;              // tokens every prompt of the class starts with
  std::optional<SessionSpec> session;     // multi-turn; unset: every request is one turn
};

struct TraceSpec {
  TraceFormat format = TraceFormat::kSplitwise;
  std::string path;  // resolved against the scenario file's folder
  TraceOptions options;
};

struct WorkloadSpec {
  std::vector<ClassSpec> classes;       // a trace replay has one class (named by trace.class)
  std::optional<ArrivalSpec> arrivals;  // shared by the classes without their own
  std::optional<TraceSpec> trace;
  std::optional<double> duration;  // seconds: no arrival at or after it; unset: the scenario's
  std::optional<uint64_t> seed;    // unset: the scenario's (a scenario parser copies it in)
  int block_size = 16;             // tokens per prefix-hash block (vLLM's default KV block)
};

// Parses a `workload:` mapping. Relative paths (trace, empirical files) are resolved against
// `base_dir`, by default the folder of the node's file. Errors name file:line:field and say what
// to change.
Result<WorkloadSpec> ParseWorkloadSpec(const YamlNode& node,
                                       std::optional<std::string> base_dir = std::nullopt);

// Parses a YAML document whose top level is a `workload:` mapping, or is the mapping itself.
Result<WorkloadSpec> ParseWorkloadYaml(std::string_view text, const std::string& file,
                                       std::optional<std::string> base_dir = std::nullopt);

}  // namespace aiinfra::workload
