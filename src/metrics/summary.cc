#include "metrics/summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "common/table.h"
#include "common/units.h"

namespace aiinfra::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::array<std::string_view, kMetricCount> kMetricNames = {
    "ttft", "e2e", "tpot", "ntpot", "itl", "icl", "queue", "tps_user"};

MetricId MetricOf(SloMetric m) {
  switch (m) {
    case SloMetric::kTtft:
      return MetricId::kTtft;
    case SloMetric::kTpot:
      return MetricId::kTpot;
    case SloMetric::kItl:
      return MetricId::kItl;
    case SloMetric::kE2e:
      return MetricId::kE2e;
  }
  return MetricId::kTtft;
}

double Ratio(double num, double den) { return den > 0 ? num / den : kNaN; }

nlohmann::ordered_json Num(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

// Earliest/latest of two times where NaN means "none yet".
double EarlierOf(double a, double b) {
  return std::isnan(a) ? b : std::isnan(b) ? a : std::min(a, b);
}
double LaterOf(double a, double b) {
  return std::isnan(a) ? b : std::isnan(b) ? a : std::max(a, b);
}

}  // namespace

std::string_view MetricName(MetricId id) { return kMetricNames[static_cast<std::size_t>(id)]; }
bool IsPooled(MetricId id) { return id == MetricId::kItl || id == MetricId::kIcl; }
std::string_view MetricUnit(MetricId id) { return id == MetricId::kTpsUser ? "tokens/s" : "s"; }

// --- Collector ----------------------------------------------------------------------------

MetricsCollector::Group::Group(std::uint64_t exact_limit)
    : stats(kMetricCount, QuantileSketch(exact_limit)) {}

void MetricsCollector::Group::Merge(const Group& o) {
  requests += o.requests;
  for (int i = 0; i < kOutcomeCount; ++i) by_outcome[i] += o.by_outcome[i];
  input_tokens += o.input_tokens;
  cached_tokens += o.cached_tokens;
  output_tokens += o.output_tokens;
  good += o.good;
  good_tokens += o.good_tokens;
  for (int i = 0; i < kMetricCount; ++i) stats[i].Merge(o.stats[i]);
}

MetricsCollector::MetricsCollector(CollectorOptions options)
    : options_(std::move(options)), t_start_(kNaN), t_end_(kNaN) {}

const SloSet& MetricsCollector::SlosOf(std::uint32_t class_index) const {
  if (class_index < options_.class_slos.size() && options_.class_slos[class_index]) {
    return *options_.class_slos[class_index];
  }
  return options_.slos;
}

std::string MetricsCollector::ClassName(std::uint32_t class_index) const {
  if (class_index < options_.class_names.size()) return options_.class_names[class_index];
  return fmt::format("class{}", class_index);
}

MetricsCollector::Group& MetricsCollector::ClassGroup(std::uint32_t class_index) {
  while (classes_.size() <= class_index) classes_.emplace_back(options_.exact_limit);
  return classes_[class_index];
}

void MetricsCollector::Add(const RequestRecord& r) {
  // Only the class group is updated: the overall group is the merge of the classes, built in
  // Summarize, which halves the work per token (merging is exact, see quantiles.h).
  const Outcome outcome = r.outcome();
  Group& g = ClassGroup(r.class_index);
  ++requests_;
  ++g.requests;
  ++g.by_outcome[static_cast<std::size_t>(outcome)];
  t_start_ = EarlierOf(t_start_, r.t_send);
  if (outcome != Outcome::kUnfinished) t_end_ = LaterOf(t_end_, LaterOf(r.t_end(), r.t_last()));
  if (outcome != Outcome::kOk) return;

  g.input_tokens += r.n_in;
  g.cached_tokens += r.n_cached;
  g.output_tokens += r.n_out();
  if (MeetsSlos(SlosOf(r.class_index), r)) {
    ++g.good;
    g.good_tokens += r.n_out();
  }
  const std::optional<double> per_request[] = {r.Ttft(),     r.E2e(),      r.Tpot(),  r.Ntpot(),
                                               std::nullopt, std::nullopt, r.Queue(), r.TpsUser()};
  for (int i = 0; i < kMetricCount; ++i) {
    if (per_request[i]) g.stats[i].Add(*per_request[i]);
  }
  auto& itl = g.stats[static_cast<std::size_t>(MetricId::kItl)];
  auto& icl = g.stats[static_cast<std::size_t>(MetricId::kIcl)];
  r.ForEachItl([&](double v, std::uint64_t w) { itl.Add(v, w); });
  r.ForEachIcl([&](double v) { icl.Add(v); });
}

void MetricsCollector::Merge(const MetricsCollector& other) {
  requests_ += other.requests_;
  for (std::size_t i = 0; i < other.classes_.size(); ++i) {
    ClassGroup(static_cast<std::uint32_t>(i)).Merge(other.classes_[i]);
  }
  t_start_ = EarlierOf(t_start_, other.t_start_);
  t_end_ = LaterOf(t_end_, other.t_end_);
}

GroupSummary MetricsCollector::SummarizeGroup(const Group& g, std::string name, const SloSet& slos,
                                              double duration, bool overall) const {
  GroupSummary s;
  s.name = std::move(name);
  s.requests = g.requests;
  s.by_outcome = g.by_outcome;
  for (int i = 0; i < kOutcomeCount; ++i) {
    if (IsFailure(static_cast<Outcome>(i))) s.failed += g.by_outcome[i];
  }
  s.completed = g.by_outcome[static_cast<std::size_t>(Outcome::kOk)];
  s.unfinished = g.by_outcome[static_cast<std::size_t>(Outcome::kUnfinished)];
  s.input_tokens = g.input_tokens;
  s.cached_tokens = g.cached_tokens;
  s.output_tokens = g.output_tokens;
  s.request_throughput = Ratio(static_cast<double>(s.completed), duration);
  s.output_throughput = Ratio(static_cast<double>(s.output_tokens), duration);
  s.input_throughput = Ratio(static_cast<double>(s.input_tokens), duration);
  s.throughput_per_gpu = Ratio(s.output_throughput, options_.gpus);

  for (int i = 0; i < kMetricCount; ++i) {
    const QuantileSketch& q = g.stats[i];
    MetricStats& m = s.metrics[i];
    m.id = static_cast<MetricId>(i);
    m.count = q.count();
    m.mean = q.mean();
    m.min = q.min();
    m.max = q.max();
    m.exact = q.exact();
    for (std::size_t p = 0; p < kPercentiles.size(); ++p)
      m.percentiles[p] = q.Quantile(kPercentiles[p]);
  }

  s.slos = slos;
  s.good = g.good;
  bool has_slo = HasPerRequestSlo(slos);
  if (overall) {
    for (const auto& c : options_.class_slos) has_slo = has_slo || (c && HasPerRequestSlo(*c));
  }
  if (has_slo) {
    s.goodput = Ratio(static_cast<double>(g.good), duration);
    s.token_goodput = Ratio(static_cast<double>(g.good_tokens), duration);
    s.slo_attainment =
        Ratio(static_cast<double>(g.good), static_cast<double>(s.completed + s.failed));
  } else {
    s.goodput = s.token_goodput = s.slo_attainment = kNaN;
  }
  for (const Slo& slo : slos) {
    if (slo.scope != SloScope::kRun) continue;
    const double value =
        g.stats[static_cast<std::size_t>(MetricOf(slo.metric))].Quantile(slo.percentile);
    s.slo_checks.push_back({slo, value, value <= slo.bound});
  }
  return s;
}

RunSummary MetricsCollector::Summarize() const {
  RunSummary run;
  run.t_start = t_start_;
  run.t_end = t_end_;
  run.duration = t_end_ - t_start_;
  run.gpus = options_.gpus;
  run.relative_accuracy = kDefaultRelativeAccuracy;
  Group all(options_.exact_limit);
  for (const Group& g : classes_) all.Merge(g);
  run.overall = SummarizeGroup(all, "all", options_.slos, run.duration, true);
  for (std::size_t i = 0; i < classes_.size(); ++i) {
    const auto ci = static_cast<std::uint32_t>(i);
    run.classes.push_back(
        SummarizeGroup(classes_[i], ClassName(ci), SlosOf(ci), run.duration, false));
  }
  return run;
}

// --- Output -------------------------------------------------------------------------------

namespace {

nlohmann::ordered_json StatsJson(const MetricStats& m) {
  nlohmann::ordered_json j;
  j["kind"] = IsPooled(m.id) ? "pooled" : "per_request";
  j["unit"] = MetricUnit(m.id);
  j["count"] = m.count;
  j["mean"] = Num(m.mean);
  j["min"] = Num(m.min);
  j["max"] = Num(m.max);
  for (std::size_t p = 0; p < kPercentiles.size(); ++p) {
    j[std::string(kPercentileNames[p])] = Num(m.percentiles[p]);
  }
  j["exact"] = m.exact;
  return j;
}

void GroupJson(const GroupSummary& g, nlohmann::ordered_json& j) {
  auto& req = j["requests"];
  req["total"] = g.requests;
  req["completed"] = g.completed;
  req["failed"] = g.failed;
  req["unfinished"] = g.unfinished;
  for (int i = 0; i < kOutcomeCount; ++i) {
    req["by_outcome"][std::string(OutcomeName(static_cast<Outcome>(i)))] = g.by_outcome[i];
  }
  j["tokens"] = {
      {"input", g.input_tokens}, {"cached", g.cached_tokens}, {"output", g.output_tokens}};
  j["request_throughput"] = Num(g.request_throughput);
  j["output_throughput"] = Num(g.output_throughput);
  j["input_throughput"] = Num(g.input_throughput);
  j["throughput_per_gpu"] = Num(g.throughput_per_gpu);
  j["goodput"] = Num(g.goodput);
  j["token_goodput"] = Num(g.token_goodput);
  j["slo_attainment"] = Num(g.slo_attainment);
  auto& slos = j["slos"] = nlohmann::ordered_json::array();
  for (const Slo& slo : g.slos) slos.push_back(FormatSlo(slo));
  auto& checks = j["slo_checks"] = nlohmann::ordered_json::array();
  for (const SloCheck& c : g.slo_checks) {
    checks.push_back({{"slo", FormatSlo(c.slo)}, {"value", Num(c.value)}, {"met", c.met}});
  }
  auto& metrics = j["metrics"];
  for (const MetricStats& m : g.metrics) metrics[std::string(MetricName(m.id))] = StatsJson(m);
}

// 4 significant digits, with an SI prefix from 10,000 on ("46.15k") rather than an exponent.
std::string Number(double v) {
  if (std::isnan(v)) return "-";
  return std::fabs(v) >= 1e4 ? FormatCount(v) : fmt::format("{:.4g}", v);
}

std::string Cell(double v, MetricId id) {
  if (std::isnan(v)) return "-";
  if (MetricUnit(id) == "s") return FormatDuration(std::max(v, 0.0));
  return Number(v);
}

std::string Rate(double v, std::string_view unit) {
  return std::isnan(v) ? "-" : fmt::format("{} {}", Number(v), unit);
}

std::string Outcomes(const GroupSummary& g) {
  std::string out = fmt::format("{} (completed {}", g.requests, g.completed);
  for (int i = 1; i < kOutcomeCount; ++i) {
    if (g.by_outcome[i] > 0)
      out += fmt::format(", {} {}", OutcomeName(static_cast<Outcome>(i)), g.by_outcome[i]);
  }
  return out + ")";
}

}  // namespace

nlohmann::ordered_json ToJson(const RunSummary& s) {
  nlohmann::ordered_json j;
  j["duration"] = Num(s.duration);
  j["t_start"] = Num(s.t_start);
  j["t_end"] = Num(s.t_end);
  j["gpus"] = Num(s.gpus > 0 ? s.gpus : kNaN);
  j["relative_accuracy"] = s.relative_accuracy;
  GroupJson(s.overall, j);
  auto& classes = j["classes"] = nlohmann::ordered_json::array();
  for (const GroupSummary& c : s.classes) {
    nlohmann::ordered_json cj;
    cj["name"] = c.name;
    GroupJson(c, cj);
    classes.push_back(std::move(cj));
  }
  return j;
}

std::string RenderTable(const RunSummary& s) {
  const GroupSummary& g = s.overall;
  TextTable run;
  run.AddRow(
      {"duration", std::isnan(s.duration) ? "-" : FormatDuration(std::max(s.duration, 0.0))});
  run.AddRow({"requests", Outcomes(g)});
  run.AddRow({"request_throughput", Rate(g.request_throughput, "req/s")});
  run.AddRow({"output_throughput", Rate(g.output_throughput, "tokens/s")});
  run.AddRow({"input_throughput", Rate(g.input_throughput, "tokens/s")});
  if (s.gpus > 0) run.AddRow({"throughput_per_gpu", Rate(g.throughput_per_gpu, "tokens/s/GPU")});
  if (!std::isnan(g.goodput)) {
    run.AddRow({"goodput", Rate(g.goodput, "req/s")});
    run.AddRow({"token_goodput", Rate(g.token_goodput, "tokens/s")});
    run.AddRow({"slo_attainment", std::isnan(g.slo_attainment)
                                      ? "-"
                                      : fmt::format("{:.2f}%", 100 * g.slo_attainment)});
  }
  for (const SloCheck& c : g.slo_checks) {
    run.AddRow({FormatSlo(c.slo), fmt::format("{} ({})", Cell(c.value, MetricOf(c.slo.metric)),
                                              c.met ? "met" : "missed")});
  }
  run.SetAlign(1, TextTable::Align::kLeft);

  TextTable stats(
      {"METRIC", "KIND", "COUNT", "MEAN", "MIN", "P50", "P90", "P95", "P99", "P99.9", "MAX"});
  for (const MetricStats& m : g.metrics) {
    std::vector<std::string> row = {
        std::string(MetricName(m.id)), IsPooled(m.id) ? "pooled" : "per-request",
        fmt::format("{}", m.count), Cell(m.mean, m.id), Cell(m.min, m.id)};
    for (double p : m.percentiles) row.push_back(Cell(p, m.id));
    row.push_back(Cell(m.max, m.id));
    stats.AddRow(std::move(row));
  }
  std::string out = run.Render() + "\n" + stats.Render();

  if (s.classes.size() > 1) {
    TextTable classes({"CLASS", "REQUESTS", "COMPLETED", "FAILED", "OUTPUT TOK/S", "GOODPUT", "SLO",
                       "TTFT P90", "TPOT P90", "E2E P90"});
    for (const GroupSummary& c : s.classes) {
      auto p90 = [&](MetricId id) {
        return Cell(c.metrics[static_cast<std::size_t>(id)].percentiles[1], id);
      };
      classes.AddRow(
          {c.name, fmt::format("{}", c.requests), fmt::format("{}", c.completed),
           fmt::format("{}", c.failed), Number(c.output_throughput), Rate(c.goodput, "req/s"),
           std::isnan(c.slo_attainment) ? "-" : fmt::format("{:.1f}%", 100 * c.slo_attainment),
           p90(MetricId::kTtft), p90(MetricId::kTpot), p90(MetricId::kE2e)});
    }
    out += "\n" + classes.Render();
  }
  return out;
}

}  // namespace aiinfra::metrics
