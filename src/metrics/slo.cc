#include "metrics/slo.h"

#include <fmt/format.h>

#include <array>
#include <cassert>
#include <charconv>
#include <optional>

#include "common/units.h"

namespace aiinfra::metrics {
namespace {

constexpr std::array<std::string_view, 4> kSloMetricNames = {"ttft", "tpot", "itl", "e2e"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Error Invalid(std::string_view text, std::string_view why) {
  return Error{ErrorCode::kInvalidInput,
               fmt::format("SLO '{}': {} (write e.g. ttft<=200ms, itl.p99<=60ms or "
                           "p90(ttft)<=200ms; metrics: ttft, tpot, itl, e2e)",
                           text, why),
               {}};
}

std::optional<SloMetric> MetricByName(std::string_view name) {
  for (std::size_t i = 0; i < kSloMetricNames.size(); ++i) {
    if (kSloMetricNames[i] == name) return static_cast<SloMetric>(i);
  }
  return std::nullopt;
}

// "p90" -> 0.9, "p99.9" -> 0.999; nullopt unless 0 < NN <= 100.
std::optional<double> PercentileByName(std::string_view name) {
  if (name.size() < 2 || name.front() != 'p') return std::nullopt;
  double value = 0;
  const char* end = name.data() + name.size();
  auto [ptr, ec] = std::from_chars(name.data() + 1, end, value);
  if (ec != std::errc() || ptr != end || !(value > 0 && value <= 100)) return std::nullopt;
  return value / 100;
}

}  // namespace

std::string_view SloMetricName(SloMetric metric) {
  return kSloMetricNames[static_cast<std::size_t>(metric)];
}

std::string_view SloScopeName(SloScope scope) {
  return scope == SloScope::kPerRequest ? "per_request" : "run";
}

Result<Slo> ParseSlo(std::string_view text) {
  const std::string_view trimmed = Trim(text);
  const std::size_t op = trimmed.find("<=");
  if (op == std::string_view::npos) return Fail(Invalid(text, "no '<='"));
  std::string_view lhs = Trim(trimmed.substr(0, op));
  auto bound = ParseDuration(Trim(trimmed.substr(op + 2)));
  if (!bound) return Fail(Invalid(text, bound.error().message));

  Slo slo;
  slo.bound = *bound;
  std::string_view metric_name = lhs;
  const std::size_t paren = lhs.find('(');
  const std::size_t dot = lhs.find('.');
  if (paren != std::string_view::npos) {
    if (lhs.back() != ')') return Fail(Invalid(text, "missing ')'"));
    auto p = PercentileByName(lhs.substr(0, paren));
    if (!p) return Fail(Invalid(text, "a run SLO starts with a percentile such as p90"));
    slo.scope = SloScope::kRun;
    slo.percentile = *p;
    metric_name = Trim(lhs.substr(paren + 1, lhs.size() - paren - 2));
  } else if (dot != std::string_view::npos) {
    auto p = PercentileByName(lhs.substr(dot + 1));
    if (!p) return Fail(Invalid(text, "expected a percentile such as p99 after '.'"));
    slo.percentile = *p;
    metric_name = lhs.substr(0, dot);
    if (metric_name != "itl") {
      return Fail(Invalid(text,
                          "only itl has a per-request percentile (a request has one "
                          "ttft, tpot and e2e)"));
    }
  }
  auto metric = MetricByName(metric_name);
  if (!metric) return Fail(Invalid(text, fmt::format("unknown metric '{}'", metric_name)));
  slo.metric = *metric;
  return slo;
}

Result<SloSet> ParseSloSet(std::string_view text) {
  SloSet slos;
  while (!Trim(text).empty()) {
    const std::size_t comma = text.find(',');
    AIINFRA_TRY(Slo slo, ParseSlo(text.substr(0, comma)));
    slos.push_back(slo);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return slos;
}

std::string FormatSlo(const Slo& slo) {
  const std::string bound = FormatDuration(slo.bound);
  const std::string pct = fmt::format("p{:.10g}", slo.percentile * 100);
  const std::string_view name = SloMetricName(slo.metric);
  if (slo.scope == SloScope::kRun) return fmt::format("{}({})<={}", pct, name, bound);
  if (slo.metric == SloMetric::kItl && slo.percentile < 1) {
    return fmt::format("{}.{}<={}", name, pct, bound);
  }
  return fmt::format("{}<={}", name, bound);
}

bool MeetsSlo(const Slo& slo, const RequestRecord& r) {
  assert(slo.scope == SloScope::kPerRequest);
  switch (slo.metric) {
    case SloMetric::kTtft: {
      const auto v = r.Ttft();
      return v && *v <= slo.bound;
    }
    case SloMetric::kE2e: {
      const auto v = r.E2e();
      return v && *v <= slo.bound;
    }
    case SloMetric::kTpot: {
      const auto v = r.Tpot();
      return !v || *v <= slo.bound;
    }
    case SloMetric::kItl: {
      const auto v = r.ItlQuantile(slo.percentile);
      return !v || *v <= slo.bound;
    }
  }
  return false;
}

bool MeetsSlos(const SloSet& slos, const RequestRecord& r) {
  for (const Slo& slo : slos) {
    if (slo.scope == SloScope::kPerRequest && !MeetsSlo(slo, r)) return false;
  }
  return true;
}

bool HasPerRequestSlo(const SloSet& slos) {
  for (const Slo& slo : slos) {
    if (slo.scope == SloScope::kPerRequest) return true;
  }
  return false;
}

}  // namespace aiinfra::metrics
