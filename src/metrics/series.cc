#include "metrics/series.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace aiinfra::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

nlohmann::ordered_json Num(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

}  // namespace

TimeSeries::TimeSeries(Options options)
    : options_(options),
      window_buckets_(std::max<std::size_t>(
          1, static_cast<std::size_t>(std::llround(options.ttft_window / options.step)))) {
  assert(options.step > 0);
  assert(options.ttft_quantile > 0 && options.ttft_quantile <= 1);
  for (const char* name :
       {"arrivals", "completions", "failures", "input_tokens", "output_tokens"}) {
    AddCounter(name);
  }
  for (const char* name :
       {"running", "waiting", "replicas_ready", "replicas_starting", "kv_usage"}) {
    AddGauge(name);
  }
  window_.emplace_back();
}

int TimeSeries::AddCounter(std::string name) {
  for (const auto& c : counters_) assert(c.name != name);
  counters_.push_back({std::move(name), std::vector<double>(size_, 0.0)});
  return static_cast<int>(counters_.size() - 1);
}

int TimeSeries::AddGauge(std::string name) {
  for (const auto& g : gauges_) assert(g.name != name);
  GaugeState g;
  g.name = std::move(name);
  g.integral.assign(size_, 0.0);
  g.covered.assign(size_, 0.0);
  gauges_.push_back(std::move(g));
  return static_cast<int>(gauges_.size() - 1);
}

std::size_t TimeSeries::Bucket(double t) const {
  const double b = std::floor((t - options_.t0) / options_.step);
  return b > 0 ? static_cast<std::size_t>(b) : 0;
}

double TimeSeries::BucketStart(std::size_t bucket) const {
  return options_.t0 + static_cast<double>(bucket) * options_.step;
}

void TimeSeries::Grow(std::size_t buckets) {
  if (buckets <= size_) return;
  size_ = buckets;
  for (auto& c : counters_) c.values.resize(size_, 0.0);
  for (auto& g : gauges_) {
    g.integral.resize(size_, 0.0);
    g.covered.resize(size_, 0.0);
  }
  ttft_q_.resize(size_, kNaN);
}

void TimeSeries::Count(int counter, double t, double amount) {
  const std::size_t b = Bucket(t);
  Grow(b + 1);
  counters_[static_cast<std::size_t>(counter)].values[b] += amount;
}

void TimeSeries::Integrate(GaugeState& g, double t) {
  if (!g.defined || !(t > g.since)) return;
  // Up to the bucket holding the last instant before t (t on a boundary opens no bucket).
  Grow(static_cast<std::size_t>(std::max(1.0, std::ceil((t - options_.t0) / options_.step))));
  // Spread the held value over the buckets between the last change and t.
  for (std::size_t b = Bucket(g.since); b < size_; ++b) {
    const double start = std::max(g.since, BucketStart(b));
    const double end = std::min(t, BucketStart(b + 1));
    if (end <= start) break;
    g.integral[b] += g.value * (end - start);
    g.covered[b] += end - start;
  }
  g.since = t;
}

void TimeSeries::Set(int gauge, double t, double value) {
  GaugeState& g = gauges_[static_cast<std::size_t>(gauge)];
  if (!g.defined) {
    g.defined = true;
    g.since = t;
  }
  Integrate(g, t);
  g.value = value;
  Grow(Bucket(g.since) + 1);
}

void TimeSeries::AdvanceTtft(std::size_t bucket) {
  while (ttft_bucket_ < bucket) {
    Grow(ttft_bucket_ + 1);
    ttft_q_[ttft_bucket_] = window_total_.Quantile(options_.ttft_quantile);
    ++ttft_bucket_;
    window_.emplace_back();
    if (window_.size() > window_buckets_) {
      window_total_.Subtract(window_.front());
      window_.pop_front();
    }
  }
}

void TimeSeries::ObserveTtft(double t, double ttft) {
  const std::size_t b = Bucket(t);
  AdvanceTtft(b);
  Grow(ttft_bucket_ + 1);
  window_.back().Add(ttft);
  window_total_.Add(ttft);
}

void TimeSeries::Close(double t_end) {
  for (auto& g : gauges_) Integrate(g, t_end);
  // The bucket holding t_end is the last one, unless t_end sits exactly on its start.
  const double span = (t_end - options_.t0) / options_.step;
  Grow(span > 0 ? static_cast<std::size_t>(std::ceil(span)) : 1);
  AdvanceTtft(size_);
}

double TimeSeries::CounterValue(int counter, std::size_t bucket) const {
  return counters_[static_cast<std::size_t>(counter)].values[bucket];
}

double TimeSeries::GaugeMean(int gauge, std::size_t bucket) const {
  const GaugeState& g = gauges_[static_cast<std::size_t>(gauge)];
  return g.covered[bucket] > 0 ? g.integral[bucket] / g.covered[bucket] : kNaN;
}

double TimeSeries::TtftQuantile(std::size_t bucket) const { return ttft_q_[bucket]; }

std::string TimeSeries::TtftColumnName() const {
  return fmt::format("ttft_p{:.10g}", options_.ttft_quantile * 100);
}

std::vector<std::string> TimeSeries::ColumnNames() const {
  std::vector<std::string> names;
  for (const auto& c : counters_) names.push_back(c.name);
  names.push_back("output_tokens_per_s");
  for (const auto& g : gauges_) names.push_back(g.name);
  names.push_back(TtftColumnName());
  return names;
}

double TimeSeries::ColumnValue(std::size_t column, std::size_t bucket) const {
  if (column < counters_.size()) return counters_[column].values[bucket];
  column -= counters_.size();
  if (column == 0) return counters_[kOutputTokens].values[bucket] / options_.step;
  column -= 1;
  if (column < gauges_.size()) return GaugeMean(static_cast<int>(column), bucket);
  return ttft_q_[bucket];
}

void TimeSeries::WriteCsv(std::ostream& out) const {
  const std::vector<std::string> names = ColumnNames();
  out << "t";
  for (const auto& n : names) out << ',' << n;
  out << '\n';
  for (std::size_t b = 0; b < size_; ++b) {
    out << fmt::format("{}", BucketStart(b));
    for (std::size_t c = 0; c < names.size(); ++c) {
      const double v = ColumnValue(c, b);
      out << ',';
      if (std::isfinite(v)) out << fmt::format("{}", v);
    }
    out << '\n';
  }
}

nlohmann::ordered_json TimeSeries::ToJson() const {
  nlohmann::ordered_json j;
  j["t0"] = options_.t0;
  j["step"] = options_.step;
  j["ttft_window"] = static_cast<double>(window_buckets_) * options_.step;
  j["ttft_quantile"] = options_.ttft_quantile;
  auto& columns = j["columns"];
  auto& t = columns["t"] = nlohmann::ordered_json::array();
  for (std::size_t b = 0; b < size_; ++b) t.push_back(BucketStart(b));
  const std::vector<std::string> names = ColumnNames();
  for (std::size_t c = 0; c < names.size(); ++c) {
    auto& col = columns[names[c]] = nlohmann::ordered_json::array();
    for (std::size_t b = 0; b < size_; ++b) col.push_back(Num(ColumnValue(c, b)));
  }
  return j;
}

}  // namespace aiinfra::metrics
