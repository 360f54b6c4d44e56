#include "loadgen/compare.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "common/table.h"
#include "loadgen/result.h"

namespace aiinfra::loadgen {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A field read from the saved result: dotted path, how to show it, scale to the unit shown.
struct Field {
  std::string path;
  std::string metric;
  std::string unit;
  double scale;
  bool lower_is_better;
};

std::vector<Field> Fields() {
  std::vector<Field> f = {
      {"summary.requests.completed", "completed requests", "", 1, false},
      {"summary.requests.failed", "failed requests", "", 1, true},
      {"summary.duration", "duration", "s", 1, true},
      {"summary.request_throughput", "request throughput", "req/s", 1, false},
      {"summary.output_throughput", "output throughput", "tok/s", 1, false},
      {"summary.input_throughput", "input throughput", "tok/s", 1, false},
  };
  for (const char* m : {"ttft", "tpot", "itl", "e2e"}) {
    for (const char* s : {"mean", "p50", "p90", "p99"}) {
      f.push_back({fmt::format("summary.metrics.{}.{}", m, s), fmt::format("{} {}", m, s), "ms",
                   1e3, true});
    }
  }
  return f;
}

// The value at a dotted path; nullptr when a step is missing.
const nlohmann::json* At(const nlohmann::json& j, std::string_view path) {
  const nlohmann::json* node = &j;
  while (!path.empty()) {
    const size_t dot = path.find('.');
    const std::string key(path.substr(0, dot));
    if (!node->is_object()) return nullptr;
    auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return node;
}

double Value(const nlohmann::json& j, std::string_view path) {
  const nlohmann::json* v = At(j, path);
  return v && v->is_number() ? v->get<double>() : kNaN;
}

std::string Show(double v, const std::string& unit) {
  if (!std::isfinite(v)) return "-";
  if (unit.empty()) return fmt::format("{:.0f}", v);
  return fmt::format("{:.4g}", v);
}

}  // namespace

Status CheckBenchResult(const nlohmann::json& j, const std::string& file) {
  const std::string how = "save a run with `aiinfra bench ... --save-result FILE.json`";
  if (!j.is_object() || !j.contains(kResultMarker)) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("{}: not an aiinfra bench result (no field '{}'); {}", file,
                            kResultMarker, how));
  }
  if (!j[kResultMarker].is_number_integer() || j[kResultMarker].get<int>() != kResultVersion) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("{}: field '{}' is {}, this aiinfra reads version {}; {}", file,
                            kResultMarker, j[kResultMarker].dump(), kResultVersion, how));
  }
  for (const Field& f : Fields()) {
    const nlohmann::json* v = At(j, f.path);
    if (!v || !(v->is_number() || v->is_null())) {
      return Fail(ErrorCode::kInvalidInput,
                  fmt::format("{}: field {} is {}; a bench result has a number (or null) there; "
                              "{}",
                              file, f.path, v ? "not a number" : "missing", how));
    }
  }
  return {};
}

Result<nlohmann::json> ParseBenchResult(const std::string& text, const std::string& file) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return Fail(
        ErrorCode::kInvalidInput,
        fmt::format("{}: not JSON; give a file written by `aiinfra bench --save-result`", file));
  }
  AIINFRA_CHECK_OK(CheckBenchResult(j, file));
  return j;
}

std::vector<CompareRow> CompareResults(const nlohmann::json& a, const nlohmann::json& b) {
  std::vector<CompareRow> rows;
  for (const Field& f : Fields()) {
    rows.push_back({f.metric, f.unit, Value(a, f.path) * f.scale, Value(b, f.path) * f.scale,
                    f.lower_is_better});
  }
  rows.push_back(
      {"goodput", "req/s", Value(a, "summary.goodput"), Value(b, "summary.goodput"), false});
  rows.push_back({"send lag p99", "ms", Value(a, "run.send_lag.p99") * 1e3,
                  Value(b, "run.send_lag.p99") * 1e3, true});
  if (At(a, "sweep") && At(b, "sweep")) {
    rows.push_back({"max sustained rate", "req/s", Value(a, "sweep.max_sustained_rate"),
                    Value(b, "sweep.max_sustained_rate"), false});
    rows.push_back({"saturation rate", "req/s", Value(a, "sweep.saturation_rate"),
                    Value(b, "sweep.saturation_rate"), false});
  }
  return rows;
}

namespace {

double Ratio(const CompareRow& r) {
  return std::isfinite(r.a) && std::isfinite(r.b) && r.a != 0 ? r.b / r.a : kNaN;
}

std::string Change(const CompareRow& r) {
  if (!std::isfinite(r.a) || !std::isfinite(r.b)) return "";
  const double scale = std::max(std::abs(r.a), std::abs(r.b));
  if (scale == 0 || std::abs(r.b - r.a) <= 0.01 * scale) return "same";
  return (r.b < r.a) == r.lower_is_better ? "better" : "worse";
}

}  // namespace

nlohmann::ordered_json CompareJson(const std::vector<CompareRow>& rows, const std::string& name_a,
                                   const std::string& name_b) {
  using Json = nlohmann::ordered_json;
  const auto num = [](double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); };
  Json list = Json::array();
  for (const CompareRow& r : rows) {
    const std::string change = Change(r);
    list.push_back(Json{{"metric", r.metric},
                        {"unit", r.unit},
                        {"a", num(r.a)},
                        {"b", num(r.b)},
                        {"ratio", num(Ratio(r))},
                        {"delta", num(r.b - r.a)},
                        {"better", r.lower_is_better ? "lower" : "higher"},
                        {"change", change.empty() ? Json(nullptr) : Json(change)}});
  }
  return Json{{"a", name_a}, {"b", name_b}, {"rows", list}};
}

std::string CompareTable(const std::vector<CompareRow>& rows, const std::string& name_a,
                         const std::string& name_b) {
  TextTable t({"METRIC", "UNIT", "A", "B", "B/A", "B-A", "CHANGE"});
  for (const CompareRow& r : rows) {
    const double ratio = Ratio(r);
    const double delta = r.b - r.a;
    t.AddRow({r.metric, r.unit.empty() ? "-" : r.unit, Show(r.a, r.unit), Show(r.b, r.unit),
              std::isfinite(ratio) ? fmt::format("{:.3f}", ratio) : "-",
              std::isfinite(delta) ? fmt::format("{:+.4g}", delta) : "-", Change(r)});
  }
  std::ostringstream out;
  out << "A: " << name_a << "\nB: " << name_b << "\n\n";
  t.Print(out);
  return out.str();
}

}  // namespace aiinfra::loadgen
