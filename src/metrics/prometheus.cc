#include "metrics/prometheus.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <type_traits>

namespace aiinfra::metrics::prom {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::vector<double> TokenCountBuckets(std::uint64_t max_model_len) {
  std::vector<double> bounds;
  for (std::uint64_t scale = 1;; scale *= 10) {
    for (std::uint64_t m : {1, 2, 5}) {
      if (m * scale > max_model_len) return bounds;
      bounds.push_back(static_cast<double>(m * scale));
    }
  }
}

bool ValidMetricName(std::string_view name) {
  if (name.empty() || !(IsAlpha(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return IsAlpha(c) || IsDigit(c) || c == ':'; });
}

bool ValidLabelName(std::string_view name) {
  if (name.empty() || !IsAlpha(name[0]) || name.starts_with("__")) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return IsAlpha(c) || IsDigit(c); });
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

// --- Children -----------------------------------------------------------------------------

void Counter::Inc(double by) {
  assert(by >= 0 && "a counter only goes up");
  value_ += by;
}

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), counts_(bounds->size() + 1, 0) {}

void Histogram::Observe(double value) {
  const auto it = std::lower_bound(bounds_->begin(), bounds_->end(), value);
  ++counts_[static_cast<std::size_t>(it - bounds_->begin())];
  ++count_;
  sum_ += value;
}

// --- Families -----------------------------------------------------------------------------

FamilyBase::FamilyBase(Type type, std::string name, std::string help,
                       std::vector<std::string> labels)
    : type_(type), name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {
  assert(ValidMetricName(name_));
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    assert(ValidLabelName(labels_[i]));
    assert(!(type_ == Type::kHistogram && labels_[i] == "le"));
    for (std::size_t j = 0; j < i; ++j) assert(labels_[i] != labels_[j]);
  }
}

std::string FamilyBase::LabelPrefix(const std::vector<std::string>& values) const {
  std::string out;
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    out += i == 0 ? "{" : ",";
    out += fmt::format("{}=\"{}\"", labels_[i], EscapeLabelValue(values[i]));
  }
  return out;
}

template <typename Child>
Family<Child>::Family(Type type, std::string name, std::string help,
                      std::vector<std::string> labels, std::vector<double> bounds)
    : FamilyBase(type, std::move(name), std::move(help), std::move(labels)),
      bounds_(std::move(bounds)) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    assert(std::isfinite(bounds_[i]));
    assert(i == 0 || bounds_[i - 1] < bounds_[i]);
  }
  if (labels_.empty()) With({});
}

template <typename Child>
Child& Family<Child>::With(const std::vector<std::string>& values) {
  assert(values.size() == labels_.size() && "one value per label name");
  auto& child = children_[values];
  if (!child) {
    if constexpr (std::is_same_v<Child, Histogram>) {
      child = std::make_unique<Histogram>(&bounds_);
    } else {
      child = std::make_unique<Child>();
    }
  }
  return *child;
}

template <typename Child>
void Family<Child>::Render(std::string& out) const {
  out +=
      fmt::format("# HELP {} {}\n# TYPE {} {}\n", name_, EscapeHelp(help_), name_, TypeName(type_));
  for (const auto& [values, child] : children_) {
    const std::string prefix = LabelPrefix(values);
    if constexpr (std::is_same_v<Child, Histogram>) {
      const std::string sep = prefix.empty() ? "{" : prefix + ",";
      const std::string closed = prefix.empty() ? "" : prefix + "}";
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < bounds_.size(); ++i) {
        cumulative += child->bucket_counts()[i];
        out += fmt::format("{}_bucket{}le=\"{}\"}} {}\n", name_, sep, FormatValue(bounds_[i]),
                           cumulative);
      }
      out += fmt::format("{}_bucket{}le=\"+Inf\"}} {}\n", name_, sep, child->count());
      out += fmt::format("{}_sum{} {}\n", name_, closed, FormatValue(child->sum()));
      out += fmt::format("{}_count{} {}\n", name_, closed, child->count());
    } else {
      out += fmt::format("{}{} {}\n", name_, prefix.empty() ? "" : prefix + "}",
                         FormatValue(child->value()));
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// --- Registry -----------------------------------------------------------------------------

void Registry::CheckNew(const std::string& name) const {
  for (const auto& f : families_) assert(f->name() != name && "family registered twice");
  (void)name;
}

Family<Counter>& Registry::AddCounter(std::string name, std::string help,
                                      std::vector<std::string> labels) {
  CheckNew(name);
  auto family = std::make_unique<Family<Counter>>(Type::kCounter, std::move(name), std::move(help),
                                                  std::move(labels));
  auto& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help,
                                  std::vector<std::string> labels) {
  CheckNew(name);
  auto family = std::make_unique<Family<Gauge>>(Type::kGauge, std::move(name), std::move(help),
                                                std::move(labels));
  auto& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help,
                                          std::vector<std::string> labels,
                                          std::vector<double> bounds) {
  CheckNew(name);
  auto family = std::make_unique<Family<Histogram>>(
      Type::kHistogram, std::move(name), std::move(help), std::move(labels), std::move(bounds));
  auto& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

std::string Registry::Render() const {
  std::string out;
  for (const auto& f : families_) f->Render(out);
  return out;
}

// --- vLLM metric set ----------------------------------------------------------------------

namespace {

std::vector<double> Bounds(const auto& array) { return {array.begin(), array.end()}; }

}  // namespace

VllmMetrics::VllmMetrics(Registry& reg, std::string model_name, std::uint64_t max_model_len)
    : model_name_(std::move(model_name)) {
  const std::vector<std::string> labels = {std::string(kModelNameLabel)};
  const std::vector<std::string> values = {model_name_};
  auto gauge = [&](std::string_view name, std::string help) {
    return &reg.AddGauge(std::string(name), std::move(help), labels).With(values);
  };
  auto counter = [&](std::string_view name, std::string help) {
    return &reg.AddCounter(std::string(name), std::move(help), labels).With(values);
  };
  auto histogram = [&](std::string_view name, std::string help, std::vector<double> bounds) {
    return &reg.AddHistogram(std::string(name), std::move(help), labels, std::move(bounds))
                .With(values);
  };
  running_ = gauge(kNumRequestsRunning, "Number of requests in model execution batches.");
  waiting_ = gauge(kNumRequestsWaiting, "Number of requests waiting to be processed.");
  kv_usage_ = gauge(kKvCacheUsagePerc, "KV-cache usage. 1 means 100 percent usage.");
  prompt_tokens_ = counter(kPromptTokensTotal, "Number of prefill tokens processed.");
  generation_tokens_ = counter(kGenerationTokensTotal, "Number of generation tokens processed.");
  success_ = &reg.AddCounter(std::string(kRequestSuccessTotal),
                             "Count of successfully processed requests.",
                             {std::string(kModelNameLabel), "finished_reason"});
  prefix_queries_ = counter(kPrefixCacheQueriesTotal,
                            "Prefix cache queries, in terms of number of queried tokens.");
  prefix_hits_ =
      counter(kPrefixCacheHitsTotal, "Prefix cache hits, in terms of number of cached tokens.");
  ttft_ = histogram(kTimeToFirstTokenSeconds, "Histogram of time to first token in seconds.",
                    Bounds(kTtftBuckets));
  itl_ = histogram(kInterTokenLatencySeconds, "Histogram of inter-token latency in seconds.",
                   Bounds(kInterTokenBuckets));
  tpot_ = histogram(kRequestTimePerOutputTokenSeconds,
                    "Histogram of time_per_output_token_seconds per request.",
                    Bounds(kInterTokenBuckets));
  e2e_ = histogram(kE2eRequestLatencySeconds, "Histogram of e2e request latency in seconds.",
                   Bounds(kRequestLatencyBuckets));
  queue_ =
      histogram(kRequestQueueTimeSeconds, "Histogram of time spent in WAITING phase for request.",
                Bounds(kRequestLatencyBuckets));
  prefill_ =
      histogram(kRequestPrefillTimeSeconds, "Histogram of time spent in PREFILL phase for request.",
                Bounds(kRequestLatencyBuckets));
  decode_ =
      histogram(kRequestDecodeTimeSeconds, "Histogram of time spent in DECODE phase for request.",
                Bounds(kRequestLatencyBuckets));
  prompt_len_ = histogram(kRequestPromptTokens, "Number of prefill tokens processed.",
                          TokenCountBuckets(max_model_len));
  generation_len_ = histogram(kRequestGenerationTokens, "Number of generation tokens processed.",
                              TokenCountBuckets(max_model_len));
}

void VllmMetrics::SetScheduler(double running, double waiting, double kv_usage) {
  running_->Set(running);
  waiting_->Set(waiting);
  kv_usage_->Set(kv_usage);
}

void VllmMetrics::ObserveFinished(const RequestRecord& r, std::string_view finished_reason) {
  if (r.outcome() == Outcome::kDropped || r.outcome() == Outcome::kUnfinished) return;
  prompt_tokens_->Inc(r.n_in);
  generation_tokens_->Inc(r.n_out());
  prefix_queries_->Inc(r.n_in);
  prefix_hits_->Inc(r.n_cached);
  if (r.outcome() != Outcome::kOk) {
    success_->With({model_name_, "abort"}).Inc();
    return;
  }
  success_->With({model_name_, std::string(finished_reason)}).Inc();
  if (auto v = r.Ttft()) ttft_->Observe(*v);
  r.ForEachIcl([&](double gap) { itl_->Observe(gap); });
  if (auto v = r.Tpot()) tpot_->Observe(*v);
  if (auto v = r.E2e()) e2e_->Observe(*v);
  if (auto v = r.Queue()) queue_->Observe(*v);
  if (!std::isnan(r.t_sched) && !std::isnan(r.t_first())) {
    prefill_->Observe(r.t_first() - r.t_sched);
  }
  if (!std::isnan(r.t_first())) decode_->Observe(r.t_last() - r.t_first());
  prompt_len_->Observe(r.n_in);
  generation_len_->Observe(r.n_out());
}

}  // namespace aiinfra::metrics::prom
