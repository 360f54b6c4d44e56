#include "sim/autoscaler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace aiinfra::sim {

std::optional<PoolSignals> SignalsFor(const AutoscalerSpec& spec) {
  double window = 0;
  for (const ScaleMetric& m : spec.metrics) {
    if (!m.signal.gauge()) window = std::max(window, m.signal.window);
  }
  if (window == 0) return std::nullopt;
  return PoolSignals(window);
}

double PoolAutoscaler::Value(double now, const ScaleMetric& m, const PoolSample& s,
                             const PoolSignals* signals) const {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (m.signal.latency()) return signals ? signals->LatencyStat(m.signal, now) : kNaN;
  double total = 0;  // over the pool
  switch (m.signal.signal) {
    case Signal::kRequests:
      total = static_cast<double>(s.running + s.waiting);
      break;
    case Signal::kRunning:
      total = static_cast<double>(s.running);
      break;
    case Signal::kWaiting:
      total = static_cast<double>(s.waiting);
      break;
    case Signal::kKvUsage:
      total = s.kv_usage * s.replicas_ready;
      break;
    default:
      if (!signals) return kNaN;
      total = signals->Rate(m.signal.signal, now, m.signal.window);
      break;
  }
  if (m.type == HpaMetricType::kTotal) return total;
  if (s.replicas_ready == 0) return m.type == HpaMetricType::kValue ? total : kNaN;
  return m.type == HpaMetricType::kAverage || m.signal.signal == Signal::kKvUsage
             ? total / s.replicas_ready
             : total;
}

std::optional<ScaleEvent> PoolAutoscaler::Sync(double now, int pool, int current,
                                               const PoolSample& s, const PoolSignals* signals) {
  if (current == 0) return std::nullopt;  // an HPA does nothing at 0 replicas (KEDA activates)
  ScaleEvent ev;
  ev.pool = pool;
  ev.time = now;
  ev.from = current;
  std::vector<HpaMetric> metrics;
  for (const ScaleMetric& m : spec_.metrics) {
    const double v = Value(now, m, s, signals);
    ev.values.push_back(v);
    if (!std::isnan(v)) metrics.push_back({v, m.target, m.type});
  }
  if (metrics.empty()) return std::nullopt;  // no metric could be read: the sync is skipped
  ev.decision = hpa_.Decide(now, current, s.replicas_ready, s.replicas_starting, metrics);
  ev.to = ev.decision.desired;
  return ev;
}

std::optional<ScaleEvent> PoolAutoscaler::Poll(double now, int pool, int current,
                                               const PoolSample& s, const PoolSignals* signals) {
  if (!spec_.keda) return std::nullopt;
  ScaleEvent ev;
  ev.pool = pool;
  ev.time = now;
  ev.from = current;
  bool active = false;
  for (const ScaleMetric& m : spec_.metrics) {
    const double v = Value(now, m, s, signals);
    ev.values.push_back(v);
    active |= v > m.activation;
  }
  if (active) keda_last_active_ = now;
  if (active && current == 0) {
    ev.cause = ScaleEvent::Cause::kKedaActivate;
    ev.to = std::max(spec_.keda->min_replicas, 1);
    return ev;
  }
  if (!active && current > 0 && spec_.keda->min_replicas == 0 &&
      now - keda_last_active_ >= spec_.keda->cooldown) {
    ev.cause = ScaleEvent::Cause::kKedaIdle;
    ev.to = 0;
    return ev;
  }
  return std::nullopt;
}

}  // namespace aiinfra::sim
