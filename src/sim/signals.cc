#include "sim/signals.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <span>

#include "metrics/prometheus.h"

namespace aiinfra::sim {
namespace {

namespace prom = metrics::prom;

constexpr std::array<std::pair<std::string_view, Signal>, 11> kNames = {{
    {"requests", Signal::kRequests},
    {"running", Signal::kRunning},
    {"waiting", Signal::kWaiting},
    {"kv_usage", Signal::kKvUsage},
    {"request_rate", Signal::kRequestRate},
    {"token_rate", Signal::kTokenRate},
    {"ttft", Signal::kTtft},
    {"itl", Signal::kItl},
    {"tpot", Signal::kTpot},
    {"e2e", Signal::kE2e},
    {"queue", Signal::kQueue},
}};

// The bucket bounds vLLM uses for each latency (metrics/prometheus.h).
std::span<const double> Bounds(Signal kind) {
  switch (kind) {
    case Signal::kTtft:
      return prom::kTtftBuckets;
    case Signal::kItl:
    case Signal::kTpot:  // vllm:request_time_per_output_token_seconds has the ITL buckets
      return prom::kInterTokenBuckets;
    default:
      return prom::kRequestLatencyBuckets;
  }
}

int KindIndex(Signal kind) { return static_cast<int>(kind) - static_cast<int>(Signal::kTtft); }

}  // namespace

Result<SignalSpec> ParseSignal(std::string_view name) {
  const auto error = [&] {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("unknown signal '{}': use requests, running, waiting, kv_usage, "
                            "request_rate, token_rate, or ttft, itl, tpot, e2e, queue with _pNN or "
                            "_mean (e.g. ttft_p90, itl_mean)",
                            name));
  };
  SignalSpec spec;
  std::string_view base = name;
  std::string_view stat;
  if (auto cut = name.rfind('_'); cut != std::string_view::npos) {
    const std::string_view tail = name.substr(cut + 1);
    if (tail == "mean" || (tail.size() > 1 && tail[0] == 'p')) {
      base = name.substr(0, cut);
      stat = tail;
    }
  }
  bool found = false;
  for (const auto& [n, s] : kNames) {
    if (n == base) {
      spec.signal = s;
      found = true;
    }
  }
  if (!found) return error();
  if (spec.latency() != !stat.empty()) return error();
  if (stat == "mean") {
    spec.quantile = 0;
  } else if (!stat.empty()) {
    double p = 0;
    const char* end = stat.data() + stat.size();
    auto [ptr, ec] = std::from_chars(stat.data() + 1, end, p);
    if (ec != std::errc() || ptr != end || !(p > 0 && p < 100)) return error();
    spec.quantile = p / 100;
  }
  return spec;
}

std::string SignalName(const SignalSpec& spec) {
  std::string name;
  for (const auto& [n, s] : kNames) {
    if (s == spec.signal) name = n;
  }
  if (!spec.latency()) return name;
  if (spec.quantile == 0) return name + "_mean";
  return fmt::format("{}_p{:g}", name, spec.quantile * 100);
}

PoolSignals::PoolSignals(double window)
    : ring_(static_cast<size_t>(std::clamp(std::ceil(window), 1.0, 86400.0)) + 1) {}

PoolSignals::Second& PoolSignals::At(double t) {
  const auto index = static_cast<int64_t>(std::floor(std::max(t, 0.0)));
  Second& s = ring_[static_cast<size_t>(index) % ring_.size()];
  if (s.index != index) {
    s = Second{};
    s.index = index;
  }
  return s;
}

const PoolSignals::Second* PoolSignals::Find(int64_t index) const {
  if (index < 0) return nullptr;
  const Second& s = ring_[static_cast<size_t>(index) % ring_.size()];
  return s.index == index ? &s : nullptr;
}

void PoolSignals::Arrival(double t) { ++At(t).arrivals; }

void PoolSignals::OutputToken(double t) { ++At(t).tokens; }

void PoolSignals::Latency(Signal kind, double t, double seconds) {
  const std::span<const double> bounds = Bounds(kind);
  const auto bucket =
      static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin());
  Second& s = At(t);
  ++s.buckets[KindIndex(kind)][bucket];
  s.sums[KindIndex(kind)] += seconds;
}

double PoolSignals::Rate(Signal kind, double now, double window) const {
  const auto last = static_cast<int64_t>(std::floor(now));
  const auto seconds =
      std::min(static_cast<int64_t>(std::ceil(window)), static_cast<int64_t>(ring_.size()) - 1);
  double count = 0;
  for (int64_t i = last - seconds + 1; i <= last; ++i) {
    if (const Second* s = Find(i)) count += kind == Signal::kTokenRate ? s->tokens : s->arrivals;
  }
  return count / static_cast<double>(std::max<int64_t>(seconds, 1));
}

double PoolSignals::LatencyStat(const SignalSpec& spec, double now) const {
  const int k = KindIndex(spec.signal);
  const std::span<const double> bounds = Bounds(spec.signal);
  const auto last = static_cast<int64_t>(std::floor(now));
  const auto seconds = std::min(static_cast<int64_t>(std::ceil(spec.window)),
                                static_cast<int64_t>(ring_.size()) - 1);
  std::array<double, kMaxBuckets> counts{};
  double sum = 0;
  double total = 0;
  for (int64_t i = last - seconds + 1; i <= last; ++i) {
    const Second* s = Find(i);
    if (!s) continue;
    for (size_t b = 0; b <= bounds.size(); ++b) {
      counts[b] += s->buckets[k][b];
      total += s->buckets[k][b];
    }
    sum += s->sums[k];
  }
  if (total == 0) return std::numeric_limits<double>::quiet_NaN();
  if (spec.quantile == 0) return sum / total;
  // histogram_quantile: the rank's bucket, linear inside it (the first bucket starts at 0).
  const double rank = spec.quantile * total;
  double below = 0;
  for (size_t b = 0; b < bounds.size(); ++b) {
    if (below + counts[b] >= rank) {
      const double lo = b == 0 ? 0 : bounds[b - 1];
      return lo + (bounds[b] - lo) * (rank - below) / counts[b];
    }
    below += counts[b];
  }
  return bounds.back();
}

}  // namespace aiinfra::sim
