#include "workload/workload.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "common/units.h"

namespace aiinfra::workload {
namespace {

Result<int64_t> WholeNumber(const YamlNode& node, double min, const char* what) {
  AIINFRA_TRY(double v, node.Number());
  if (v < min || v != std::floor(v) || v > 9e15) {
    return Fail(node.Err(std::string(what) + " must be a whole number >= " +
                         std::to_string(static_cast<int64_t>(min))));
  }
  return static_cast<int64_t>(v);
}

Result<TraceSpec> ParseTraceSpec(const YamlNode& node, const std::string& base_dir,
                                 std::string& class_name) {
  AIINFRA_TRY(YamlMap map, YamlMap::From(node));
  TraceSpec spec;
  AIINFRA_TRY(YamlNode format_node, map.Required("format"));
  AIINFRA_TRY(std::string format, format_node.Scalar());
  auto parsed = ParseTraceFormat(format);
  if (!parsed) return Fail(format_node.Err(parsed.error().message));
  spec.format = *parsed;
  AIINFRA_TRY(std::string path, map.RequiredString("path"));
  spec.path = ResolvePath(base_dir, path);
  TraceOptions& o = spec.options;
  // The bounds are TraceOptions' (trace.h), checked here too so that the error names the line.
  if (auto n = map.Optional("speedup")) {
    AIINFRA_TRY(o.speedup, n->Number());
    if (!(o.speedup >= kMinTraceScale && o.speedup <= kMaxTraceScale)) {
      return Fail(n->Err("speedup must be between 1e-9 and 1e9 (2 = twice as fast)"));
    }
  }
  if (auto n = map.Optional("rate")) {
    AIINFRA_TRY(o.rate, ParseRequestRate(*n));
    if (!(o.rate >= kMinTraceScale && o.rate <= kMaxTraceScale)) {
      return Fail(n->Err("rate must be between 1e-9 and 1e9 requests/s"));
    }
    if (map.Has("speedup")) return Fail(n->Err("give speedup or rate, not both"));
  }
  if (auto n = map.Optional("max_rows")) {
    AIINFRA_TRY(o.max_rows, WholeNumber(*n, 1, "max_rows"));
  }
  if (auto n = map.Optional("window")) {
    AIINFRA_TRY(YamlMap window, YamlMap::From(*n));
    for (auto [key, bound] :
         {std::pair{"start", &o.window_start}, std::pair{"end", &o.window_end}}) {
      if (auto n = window.Optional(key)) {
        AIINFRA_TRY(*bound, n->Duration());
        if (*bound > kMaxTraceSeconds) {
          return Fail(n->Err("a window bound must be at most 1e15 s, the limit of trace times"));
        }
      }
    }
    AIINFRA_CHECK_OK(window.Finish());
    if (!(o.window_start < o.window_end)) return Fail(n->Err("window start must be before end"));
  }
  if (auto n = map.Optional("block_size")) {
    AIINFRA_TRY(int64_t b, WholeNumber(*n, 1, "block_size"));
    o.block_tokens = static_cast<int>(std::min<int64_t>(b, 1 << 30));
  }
  class_name = map.OptionalString("class", "trace");
  AIINFRA_CHECK_OK(map.Finish());
  return spec;
}

Result<ClassSpec> ParseClass(const YamlNode& node, const std::string& base_dir) {
  AIINFRA_TRY(YamlMap map, YamlMap::From(node));
  ClassSpec c;
  AIINFRA_TRY(c.name, map.RequiredString("name"));
  if (c.name.empty()) return Fail(node.Err("name must not be empty"));
  if (auto w = map.Optional("weight")) {
    AIINFRA_TRY(c.weight, w->Number());
    if (!(c.weight > 0)) return Fail(w->Err("weight must be > 0"));
    if (map.Has("arrivals") || map.Has("closed_loop")) {
      return Fail(
          w->Err("weight shares workload.arrivals among classes; a class with its own "
                 "arrivals or closed_loop takes no weight"));
    }
  }
  if (auto a = map.Optional("arrivals")) {
    AIINFRA_TRY(c.arrivals, ParseArrivalSpec(*a));
  }
  if (auto cl = map.Optional("closed_loop")) {
    if (c.arrivals) return Fail(cl->Err("give arrivals or closed_loop, not both"));
    AIINFRA_TRY(c.closed_loop, ParseClosedLoop(*cl));
  }
  AIINFRA_TRY(YamlNode input, map.Required("input"));
  AIINFRA_TRY(c.input, ParseCountDistribution(input, base_dir));
  AIINFRA_TRY(YamlNode output, map.Required("output"));
  AIINFRA_TRY(c.output, ParseCountDistribution(output, base_dir));
  if (auto s = map.Optional("system_prompt")) {
    AIINFRA_TRY(c.system_prompt, WholeNumber(*s, 0, "system_prompt"));
    if (c.system_prompt > kMaxTokens) {
      return Fail(s->Err(fmt::format(
          "system_prompt {} is above the limit of {} tokens (a hundred times the longest model "
          "context); write a number <= 1e9",
          c.system_prompt, kMaxTokens)));
    }
  }
  if (auto s = map.Optional("session")) {
    AIINFRA_TRY(c.session, ParseSessionSpec(*s, base_dir));
  }
  AIINFRA_CHECK_OK(map.Finish());
  return c;
}

}  // namespace

Result<WorkloadSpec> ParseWorkloadSpec(const YamlNode& node, std::optional<std::string> base_dir) {
  const std::string dir =
      base_dir ? *base_dir : std::filesystem::path(node.file).parent_path().string();
  AIINFRA_TRY(YamlMap map, YamlMap::From(node));
  WorkloadSpec spec;
  if (auto n = map.Optional("seed")) {
    AIINFRA_TRY(int64_t seed, WholeNumber(*n, 0, "seed"));
    spec.seed = static_cast<uint64_t>(seed);
  }
  if (auto n = map.Optional("duration")) {
    AIINFRA_TRY(double d, n->Duration());
    if (!(d > 0)) return Fail(n->Err("duration must be > 0"));
    spec.duration = d;
  }
  if (auto n = map.Optional("block_size")) {
    AIINFRA_TRY(int64_t b, WholeNumber(*n, 1, "block_size"));
    spec.block_size = static_cast<int>(std::min<int64_t>(b, 1 << 30));
  }
  if (auto t = map.Optional("trace")) {
    if (map.Has("classes") || map.Has("arrivals")) {
      return Fail(
          t->Err("a trace gives arrivals and lengths itself: remove classes and arrivals, "
                 "or remove trace"));
    }
    std::string class_name;
    AIINFRA_TRY(spec.trace, ParseTraceSpec(*t, dir, class_name));
    ClassSpec c;
    c.name = class_name;
    spec.classes.push_back(std::move(c));
    AIINFRA_CHECK_OK(map.Finish());
    return spec;
  }
  std::optional<YamlNode> shared = map.Optional("arrivals");
  if (shared) {
    AIINFRA_TRY(spec.arrivals, ParseArrivalSpec(*shared));
  }
  AIINFRA_TRY(YamlNode classes, map.Required("classes"));
  AIINFRA_TRY(auto items, classes.Items());
  if (items.empty()) return Fail(classes.Err("needs at least one class"));
  std::set<std::string> names;
  bool shared_used = false;
  for (const YamlNode& item : items) {
    AIINFRA_TRY(ClassSpec c, ParseClass(item, dir));
    if (!names.insert(c.name).second) {
      return Fail(item.Err("class name \"" + c.name + "\" is used twice"));
    }
    if (!c.arrivals && !c.closed_loop) {
      if (!spec.arrivals) {
        return Fail(item.Err("class \"" + c.name +
                             "\" has no arrival process: give it arrivals or closed_loop, or give "
                             "workload.arrivals for classes to share by weight"));
      }
      shared_used = true;
    }
    spec.classes.push_back(std::move(c));
  }
  if (shared && !shared_used) {
    return Fail(
        shared->Err("no class uses these arrivals (every class has its own arrivals or "
                    "closed_loop); remove it"));
  }
  AIINFRA_CHECK_OK(map.Finish());
  return spec;
}

Result<WorkloadSpec> ParseWorkloadYaml(std::string_view text, const std::string& file,
                                       std::optional<std::string> base_dir) {
  AIINFRA_TRY(YamlNode root, ParseYaml(text, file));
  AIINFRA_TRY(YamlMap map, YamlMap::From(root));
  if (map.Has("workload")) {
    AIINFRA_TRY(YamlNode workload, map.Required("workload"));
    AIINFRA_CHECK_OK(map.Finish());
    return ParseWorkloadSpec(workload, std::move(base_dir));
  }
  return ParseWorkloadSpec(root, std::move(base_dir));
}

}  // namespace aiinfra::workload
