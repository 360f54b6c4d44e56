#include "loadgen/result.h"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "common/table.h"

namespace aiinfra::loadgen {
namespace {

using Json = nlohmann::ordered_json;

Json Num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

double Stat(const metrics::RunSummary& s, metrics::MetricId id, size_t percentile) {
  return s.overall.metrics[static_cast<size_t>(id)].percentiles[percentile];
}

std::string Ms(double seconds) {
  return std::isfinite(seconds) ? fmt::format("{:.1f}", seconds * 1e3) : "-";
}

}  // namespace

Json LoadJson(const LoadResult& r, bool open_loop) {
  Json j{{"sent", r.sent},
         {"sessions", r.sessions},
         {"wall_seconds", r.wall_seconds},
         {"connections", r.connections}};
  if (open_loop) {
    j["send_lag"] = Json{{"p50", r.send_lag_p50}, {"p99", r.send_lag_p99}, {"max", r.send_lag_max}};
  }
  if (!r.warnings.empty()) j["warnings"] = r.warnings;
  return j;
}

Json ErrorsJson(const std::map<std::string, uint64_t>& errors) {
  Json j = Json::object();
  for (const auto& [kind, n] : errors) j[kind] = n;
  return j;
}

std::string ErrorsLine(const std::map<std::string, uint64_t>& errors) {
  std::string list;
  for (const auto& [kind, n] : errors) {
    list += fmt::format("{}{} x {}", list.empty() ? "" : ", ", n, kind);
  }
  return list.empty() ? "" : "errors: " + list + "\n";
}

Json SweepJson(const SweepResult& sweep, const SweepSpec& spec) {
  Json steps = Json::array();
  for (const SweepStep& s : sweep.steps) {
    const metrics::GroupSummary& g = s.summary.overall;
    steps.push_back(Json{{"rate", s.rate},
                         {"sent_rate", s.verdict.sent_rate},
                         {"achieved", s.verdict.achieved},
                         {"asked_tokens_per_s", s.verdict.asked},
                         {"delivered_tokens_per_s", s.verdict.delivered},
                         {"saturated", s.verdict.saturated},
                         {"reason", s.verdict.reason},
                         {"warning", s.verdict.warning},
                         {"offset", s.offset},
                         {"wall_seconds", s.load.wall_seconds},
                         {"sent", s.load.sent},
                         {"completed", g.completed},
                         {"failed", g.failed},
                         {"output_throughput", Num(g.output_throughput)},
                         {"ttft_p50", Num(Stat(s.summary, metrics::MetricId::kTtft, 0))},
                         {"ttft_p90", Num(Stat(s.summary, metrics::MetricId::kTtft, 1))},
                         {"itl_p50", Num(Stat(s.summary, metrics::MetricId::kItl, 0))},
                         {"summary", metrics::ToJson(s.summary)}});
  }
  const int sustained = sweep.sustained();
  return Json{
      {"rule", Json{{"min_ratio", spec.min_ratio},
                    {"ttft_limit", spec.ttft_limit > 0 ? Json(spec.ttft_limit) : Json(nullptr)}}},
      {"steps", steps},
      {"saturated_step", sweep.saturated >= 0 ? Json(sweep.saturated) : Json(nullptr)},
      {"saturation_rate", sweep.saturated >= 0
                              ? Json(sweep.steps[static_cast<size_t>(sweep.saturated)].rate)
                              : Json(nullptr)},
      {"max_sustained_rate",
       sustained >= 0 ? Json(sweep.steps[static_cast<size_t>(sustained)].rate) : Json(nullptr)}};
}

std::string SweepTable(const SweepResult& sweep) {
  TextTable t({"STEP", "OFFERED REQ/S", "SENT REQ/S", "ACHIEVED REQ/S", "ASKED TOK/S", "OUT TOK/S",
               "TTFT P50 MS", "TTFT P90 MS", "ITL P50 MS", "ERRORS", "SATURATED"});
  std::string warnings;
  for (size_t k = 0; k < sweep.steps.size(); ++k) {
    const SweepStep& s = sweep.steps[k];
    const metrics::GroupSummary& g = s.summary.overall;
    t.AddRow({fmt::format("{}", k + 1), fmt::format("{:.3g}", s.rate),
              fmt::format("{:.3g}", s.verdict.sent_rate), fmt::format("{:.3g}", s.verdict.achieved),
              fmt::format("{:.0f}", s.verdict.asked), fmt::format("{:.0f}", s.verdict.delivered),
              Ms(Stat(s.summary, metrics::MetricId::kTtft, 0)),
              Ms(Stat(s.summary, metrics::MetricId::kTtft, 1)),
              Ms(Stat(s.summary, metrics::MetricId::kItl, 0)), fmt::format("{}", g.failed),
              s.verdict.saturated ? "yes" : "no"});
    if (!s.verdict.warning.empty()) {
      warnings += fmt::format("warning: step {}: {}\n", k + 1, s.verdict.warning);
    }
  }
  std::ostringstream out;
  t.Print(out);
  if (!warnings.empty()) out << "\n" << warnings;
  if (sweep.saturated >= 0) {
    const SweepStep& s = sweep.steps[static_cast<size_t>(sweep.saturated)];
    const int sustained = sweep.sustained();
    out << fmt::format("\nsaturated at {:.3g} req/s offered (step {}): {}", s.rate,
                       sweep.saturated + 1, s.verdict.reason);
    out << (sustained >= 0
                ? fmt::format("; highest sustained rate {:.3g} req/s (step {})\n",
                              sweep.steps[static_cast<size_t>(sustained)].rate, sustained + 1)
                : std::string("; no step was sustained\n"));
  } else {
    out << "\nnot saturated: every step kept up (raise --sweep-max-steps or the rates)\n";
  }
  return out.str();
}

}  // namespace aiinfra::loadgen
