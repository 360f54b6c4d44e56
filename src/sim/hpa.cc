#include "sim/hpa.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace aiinfra::sim {
namespace {

// Replicas changed by the events within `period` before `now` (the controller's
// getReplicasChangePerPeriod: events strictly after the cutoff).
int ChangeInPeriod(const std::deque<Hpa::Event>& events, double now, double period) {
  int change = 0;
  for (const auto& e : events) {
    if (e.time > now - period) change += e.replicas;
  }
  return change;
}

// ceil(x) as a replica count, bounded so that no metric value can overflow it.
int CeilCount(double x) {
  if (!(x > 0)) return 0;
  return static_cast<int>(std::min(std::ceil(x), 1e6));
}

}  // namespace

int Hpa::Recommend(int current, int ready, int starting, const HpaMetric& m) const {
  if (m.target <= 0) return current;
  if (m.type == HpaMetricType::kTotal) {
    if (current <= 0) return current;
    if (std::abs(m.value / (m.target * current) - 1) <= config_.tolerance) return current;
    return CeilCount(m.value / m.target);
  }
  if (m.type == HpaMetricType::kValue) {
    const double ratio = m.value / m.target;
    if (current > 0 && std::abs(ratio - 1) <= config_.tolerance) return current;
    return CeilCount(ratio * (current > 0 ? ready : 1));
  }
  if (ready <= 0) return current;  // no replica reports the metric: nothing to act on
  const double ratio = m.value / m.target;
  if (starting > 0 && ratio > 1) {
    // Starting replicas count as using nothing when scaling up.
    const double adjusted = m.value * ready / (m.target * (ready + starting));
    if (std::abs(adjusted - 1) <= config_.tolerance || adjusted < 1) return current;
    return CeilCount(adjusted * (ready + starting));
  }
  if (std::abs(ratio - 1) <= config_.tolerance) return current;
  return CeilCount(ratio * ready);
}

int Hpa::ScaleUpLimit(double now, int current) const {
  const HpaRules& rules = config_.scale_up;
  if (rules.select == HpaRules::Select::kDisabled) return current;
  const bool min_change = rules.select == HpaRules::Select::kMin;
  int result = min_change ? INT_MAX : INT_MIN;
  for (const HpaPolicy& p : rules.policies) {
    const int start = current - ChangeInPeriod(up_events_, now, p.period) +
                      ChangeInPeriod(down_events_, now, p.period);
    const int proposed =
        p.type == HpaPolicy::Type::kPods
            ? start + p.value
            : static_cast<int>(std::ceil(start * (1 + static_cast<double>(p.value) / 100)));
    result = min_change ? std::min(result, proposed) : std::max(result, proposed);
  }
  return rules.policies.empty() ? INT_MAX : result;
}

int Hpa::ScaleDownLimit(double now, int current) const {
  const HpaRules& rules = config_.scale_down;
  if (rules.select == HpaRules::Select::kDisabled) return current;
  const bool min_change = rules.select == HpaRules::Select::kMin;
  int result = min_change ? INT_MIN : INT_MAX;
  for (const HpaPolicy& p : rules.policies) {
    const int start = current + ChangeInPeriod(down_events_, now, p.period) -
                      ChangeInPeriod(up_events_, now, p.period);
    const int proposed = p.type == HpaPolicy::Type::kPods
                             ? start - p.value
                             : static_cast<int>(start * (1 - static_cast<double>(p.value) / 100));
    result = min_change ? std::max(result, proposed) : std::min(result, proposed);
  }
  return rules.policies.empty() ? INT_MIN : result;
}

HpaDecision Hpa::Decide(double now, int current, int ready, int starting,
                        const std::vector<HpaMetric>& metrics) {
  HpaDecision d;
  if (current > config_.max_replicas || current < config_.min_replicas) {
    // Out of bounds (spec.replicas changed by hand): brought inside without rate limits.
    d.recommended = d.stabilized = d.desired =
        std::clamp(current, config_.min_replicas, config_.max_replicas);
  } else {
    int recommended = INT_MIN;
    for (const HpaMetric& m : metrics) {
      recommended = std::max(recommended, Recommend(current, ready, starting, m));
    }
    if (metrics.empty()) recommended = current;
    d.recommended = recommended;

    // Stabilization over the recorded recommendations (before adding this one).
    int up = recommended, down = recommended;
    for (const Event& e : recommendations_) {
      if (e.time > now - config_.scale_up.stabilization_window) up = std::min(up, e.replicas);
      if (e.time > now - config_.scale_down.stabilization_window) down = std::max(down, e.replicas);
    }
    recommendations_.push_back({now, recommended});
    const double keep =
        std::max(config_.scale_up.stabilization_window, config_.scale_down.stabilization_window);
    while (!recommendations_.empty() && recommendations_.front().time <= now - keep) {
      recommendations_.pop_front();
    }
    int stabilized = current;
    if (stabilized < up) stabilized = up;
    if (stabilized > down) stabilized = down;
    d.stabilized = stabilized;

    int desired = stabilized;
    if (desired > current) {
      const int limit = std::max(ScaleUpLimit(now, current), current);
      desired = std::min(desired, std::min(config_.max_replicas, limit));
    } else if (desired < current) {
      const int limit = std::min(ScaleDownLimit(now, current), current);
      desired = std::max(desired, std::max(config_.min_replicas, limit));
    }
    d.desired = std::clamp(desired, config_.min_replicas, config_.max_replicas);
  }
  if (d.desired > current) up_events_.push_back({now, d.desired - current});
  if (d.desired < current) down_events_.push_back({now, current - d.desired});
  double longest = 0;
  for (const auto* rules : {&config_.scale_up, &config_.scale_down}) {
    for (const HpaPolicy& p : rules->policies) longest = std::max(longest, p.period);
  }
  for (auto* events : {&up_events_, &down_events_}) {
    while (!events->empty() && events->front().time <= now - longest) events->pop_front();
  }
  return d;
}

}  // namespace aiinfra::sim
